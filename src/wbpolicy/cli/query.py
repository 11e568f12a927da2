"""Commands that answer: search, ask, eval."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wbpolicy.cli.common import (
    emit_json,
    expected_errors,
    json_option,
    open_index,
    say,
    year_bounds,
)

MODES = click.Choice(["hybrid", "dense", "lexical"])


def filter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(
        [
            click.option(
                "--doc", "docs", multiple=True, help="Only this document id (repeatable)."
            ),
            click.option(
                "--kind",
                "kinds",
                multiple=True,
                help="Document kind: report, strategy, law, convention, regulation, profile, "
                "other.",
            ),
            click.option(
                "--country",
                "countries",
                multiple=True,
                help="Passages about a country: XK, Kosovo, BiH... (repeatable).",
            ),
            click.option(
                "--org",
                "orgs",
                multiple=True,
                help="Passages mentioning an organisation id or name (rcc, RACVIAC...).",
            ),
            click.option(
                "--instrument",
                "instruments",
                multiple=True,
                help="Passages mentioning an instrument id or name.",
            ),
            click.option("--year", help="Document year or range: 2016, 2015..2019, 2015.."),
            click.option(
                "--since",
                type=click.IntRange(1000, 9999),
                help="Only documents from this year on (the same as --year YEAR..).",
            ),
        ]
    ):
        f = opt(f)
    return f


def build_filters(docs, kinds, countries, orgs, instruments, year, since=None):
    from wbpolicy.cli.resolve import resolve_entities, resolve_kinds
    from wbpolicy.models import Filters

    year_min, year_max = year_bounds(year, since)
    return Filters(
        doc_ids=tuple(docs),
        kinds=resolve_kinds(kinds),
        countries=resolve_entities(countries, "COUNTRY", "--country"),
        orgs=resolve_entities(orgs, "ORG", "--org"),
        instruments=resolve_entities(instruments, "INSTRUMENT", "--instrument"),
        year_min=year_min,
        year_max=year_max,
    )


@click.command()
@click.argument("query")
@click.option("-k", "--top-k", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--mode", type=MODES, default="hybrid", show_default=True)
@filter_options
@json_option
@click.pass_context
@expected_errors
def search(
    ctx: click.Context, query: str, top_k: int, mode: str, as_json: bool, **filt: Any
) -> None:
    """Cited-passage search: verbatim passages with document, page, section and footnotes."""
    from wbpolicy.cli.render import hits_text
    from wbpolicy.query import check_query
    from wbpolicy.search import search as run_search

    check_query(query)
    filters = build_filters(**filt)
    result = run_search(open_index(ctx), query, top_k=top_k, filters=filters, mode=mode)
    if as_json:
        emit_json(result.to_json())
    else:
        say(hits_text(result.hits) if result.hits else (result.message or "no passage found"))


@click.command()
@click.argument("question")
@click.option("-k", "--top-k", default=8, show_default=True, type=click.IntRange(1, 100))
@filter_options
@json_option
@click.pass_context
@expected_errors
def ask(ctx: click.Context, question: str, top_k: int, as_json: bool, **filt: Any) -> None:
    """Answer a question with verbatim, cited sentences (or say that the corpus has none)."""
    from wbpolicy.answer import ask as run_ask
    from wbpolicy.answer import format_answer
    from wbpolicy.query import check_query

    check_query(question)
    filters = build_filters(**filt)
    answer = run_ask(open_index(ctx), question, top_k=top_k, filters=filters)
    if as_json:
        emit_json(answer.to_json())
    else:
        say(format_answer(answer))


@click.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mode", "modes", type=MODES, multiple=True, help="Modes to compare (default: all three)."
)
@click.option("-k", "--top-k", default=10, show_default=True, type=click.IntRange(1, 100))
@filter_options
@json_option
@click.pass_context
@expected_errors
def eval_cmd(
    ctx: click.Context,
    queries: Path,
    modes: tuple[str, ...],
    top_k: int,
    as_json: bool,
    **filt: Any,
) -> None:
    """Recall@1/5/10 and MRR@10 of search on a queries file (dev_queries.jsonl format)."""
    from wbpolicy.evaluation.retrieval import evaluate, format_table, load_queries

    filters = build_filters(**filt)
    report = evaluate(
        open_index(ctx),
        load_queries(queries),
        modes=modes or ("hybrid", "dense", "lexical"),
        top_k=top_k,
        filters=None if filters.is_empty() else filters,
    )
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(format_table(report))
