"""Commands that write something to hand on: brief and matrix."""

from __future__ import annotations

from pathlib import Path

import click

from wbpolicy.cli.common import csv_list, expected_errors, open_index, say


def _write_or_echo(text: str, out: Path | None) -> None:
    if out is None:
        say(text)
        return
    from wbpolicy.fsutil import atomic_write_text

    atomic_write_text(out, text)
    click.echo(f"wrote {out}", err=True)


@click.command()
@click.argument("topic")
@click.option("--countries", help="Comma-separated ids or names (default: the Western Balkans).")
@click.option("--per-country", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option(
    "--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to a file instead of stdout.",
)
@click.pass_context
@expected_errors
def brief(
    ctx: click.Context,
    topic: str,
    countries: str | None,
    per_country: int,
    fmt: str,
    out: Path | None,
) -> None:
    """A briefing on TOPIC: per country, the best cited quotes, and a references list."""
    import json

    from wbpolicy.answer import brief as run_brief
    from wbpolicy.cli.resolve import resolve_entities

    ids = resolve_entities(csv_list(countries), "COUNTRY", "--countries") or None
    result = run_brief(open_index(ctx), topic, countries=ids, per_country=per_country)
    text = {
        "md": result.to_markdown,
        "csv": result.to_csv,
        "json": lambda: json.dumps(result.to_json(), ensure_ascii=False, indent=2),
    }[fmt]()
    _write_or_echo(text, out)


@click.command()
@click.option(
    "--topics", default="law,cybercrime-law,strategy,cert,ppp,education", show_default=True
)
@click.option("--countries", help="Comma-separated ids or names (default: the Western Balkans).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "csv", "html", "json"]),
    default="md",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@expected_errors
def matrix(
    ctx: click.Context, topics: str, countries: str | None, fmt: str, out: Path | None
) -> None:
    """A country x topic table; each cell holds the best evidence sentence with its citation."""
    import json

    from wbpolicy.answer import matrix as run_matrix
    from wbpolicy.cli.resolve import resolve_entities

    ids = resolve_entities(csv_list(countries), "COUNTRY", "--countries") or None
    result = run_matrix(open_index(ctx), csv_list(topics), countries=ids)
    text = {
        "md": result.to_markdown,
        "csv": result.to_csv,
        "html": result.to_html,
        "json": lambda: json.dumps(result.to_json(), ensure_ascii=False, indent=2),
    }[fmt]()
    _write_or_echo(text, out)
