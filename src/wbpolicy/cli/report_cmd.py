"""Commands that write something to hand on: brief and matrix, and topics (what they accept)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from wbpolicy.cli.common import (
    csv_list,
    emit_json,
    expected_errors,
    json_option,
    open_index,
    say,
    year_bounds,
)

if TYPE_CHECKING:
    from wbpolicy.knowledge.topics import Topic

F = TypeVar("F", bound=Callable[..., Any])

# how many of a topic's terms `wbpolicy topics` prints (all of them are in --json)
TERMS_SHOWN = 6


def _write_or_echo(text: str, out: Path | None) -> None:
    if out is None:
        say(text)
        return
    from wbpolicy.fsutil import atomic_write_text

    atomic_write_text(out, text)
    click.echo(f"wrote {out}", err=True)


def _report_options(formats: tuple[str, ...]) -> Callable[[F], F]:
    """--year, --since, --format, --json and --out, shared by brief and matrix."""

    def decorate(f: F) -> F:
        for opt in reversed(
            [
                click.option(
                    "--year",
                    help="Only evidence from documents of this year or range: 2016, "
                    "2015..2019, 2015.., ..2019.",
                ),
                click.option(
                    "--since",
                    type=click.IntRange(1000, 9999),
                    metavar="YEAR",
                    help="Only evidence from documents of YEAR or later (= --year YEAR..).",
                ),
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(formats),
                    default="md",
                    show_default=True,
                ),
                click.option(
                    "--json",
                    "as_json",
                    is_flag=True,
                    help="Print one JSON object (= --format json).",
                ),
                click.option(
                    "--out",
                    type=click.Path(dir_okay=False, path_type=Path),
                    help="Write to a file instead of stdout.",
                ),
            ]
        ):
            f = opt(f)
        return f

    return decorate


def output_format(ctx: click.Context, fmt: str, as_json: bool) -> str:
    """``--json`` is ``--format json``; asking for both JSON and another format is misuse."""
    if not as_json:
        return fmt
    source = ctx.get_parameter_source("fmt")
    if fmt != "json" and source is not None and source.name != "DEFAULT":
        raise click.UsageError(
            f"--json is --format json; it cannot be combined with --format {fmt}"
        )
    return "json"


def known_topics(names: tuple[str, ...], param: str) -> tuple[Topic, ...]:
    """The topics named, each one known (exit 2 otherwise, listing the valid ids)."""
    from wbpolicy.answer.topic import UnknownTopic, resolve_topics

    try:
        return resolve_topics(names, strict=True)
    except UnknownTopic as exc:
        raise click.BadParameter(str(exc), param_hint=param) from exc


def _render(result: Any, fmt: str) -> str:
    import json

    if fmt == "json":
        return json.dumps(result.to_json(), ensure_ascii=False, indent=2)
    method = {"md": "to_markdown", "csv": "to_csv", "html": "to_html"}[fmt]
    return str(getattr(result, method)())


@click.command()
@click.argument("topic")
@click.option("--countries", help="Comma-separated ids or names (default: the Western Balkans).")
@click.option("--per-country", default=3, show_default=True, type=click.IntRange(1, 20))
@_report_options(("md", "csv", "json"))
@click.pass_context
@expected_errors
def brief(
    ctx: click.Context,
    topic: str,
    countries: str | None,
    per_country: int,
    year: str | None,
    since: int | None,
    fmt: str,
    as_json: bool,
    out: Path | None,
) -> None:
    """A briefing on TOPIC: per country, the best cited quotes, and a references list.

    TOPIC is a topic id, alias or label (see `wbpolicy topics`)."""
    from wbpolicy.answer import brief as run_brief
    from wbpolicy.cli.resolve import resolve_entities

    fmt = output_format(ctx, fmt, as_json)
    year_min, year_max = year_bounds(year, since)
    (t,) = known_topics((topic,), "TOPIC")
    ids = resolve_entities(csv_list(countries), "COUNTRY", "--countries") or None
    result = run_brief(
        open_index(ctx),
        t,
        countries=ids,
        per_country=per_country,
        year_min=year_min,
        year_max=year_max,
    )
    _write_or_echo(_render(result, fmt), out)


@click.command()
@click.option(
    "--topics",
    default="law,cybercrime-law,strategy,cert,ppp,education",
    show_default=True,
    help="Comma-separated topic ids (see `wbpolicy topics`).",
)
@click.option("--countries", help="Comma-separated ids or names (default: the Western Balkans).")
@_report_options(("md", "csv", "html", "json"))
@click.pass_context
@expected_errors
def matrix(
    ctx: click.Context,
    topics: str,
    countries: str | None,
    year: str | None,
    since: int | None,
    fmt: str,
    as_json: bool,
    out: Path | None,
) -> None:
    """A country x topic table; each cell holds the best evidence sentence with its citation."""
    from wbpolicy.answer import matrix as run_matrix
    from wbpolicy.cli.resolve import resolve_entities

    fmt = output_format(ctx, fmt, as_json)
    year_min, year_max = year_bounds(year, since)
    names = csv_list(topics)
    if not names:
        raise click.BadParameter("name at least one topic", param_hint="--topics")
    ts = known_topics(names, "--topics")
    ids = resolve_entities(csv_list(countries), "COUNTRY", "--countries") or None
    result = run_matrix(open_index(ctx), ts, countries=ids, year_min=year_min, year_max=year_max)
    _write_or_echo(_render(result, fmt), out)


@click.command("topics")
@json_option
@expected_errors
def topics_cmd(as_json: bool) -> None:
    """The topics brief and matrix accept: id, label, aliases and the terms they match."""
    from wbpolicy.answer.topic import topic_catalog

    catalog = topic_catalog()
    if as_json:
        emit_json({"topics": catalog})
        return
    width = max((len(t["id"]) for t in catalog), default=0)
    lines = []
    for t in catalog:
        head = f"{t['id']:<{width}}  {t['label']}"
        if t["table1"]:
            head += f"  (Table 1: {t['table1']})"
        lines.append(head)
        pad = " " * (width + 2)
        if t["aliases"]:
            lines.append(f"{pad}aliases: {', '.join(t['aliases'])}")
        terms = t["terms"]
        more = f", … ({len(terms)} terms)" if len(terms) > TERMS_SHOWN else ""
        lines.append(f"{pad}matches: {', '.join(terms[:TERMS_SHOWN])}{more}")
    say("\n".join(lines))
