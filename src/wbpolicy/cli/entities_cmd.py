"""Entity commands: tag text, list and inspect the entities of the index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wbpolicy.cli.common import emit_json, expected_errors, json_option, open_index, say

LABELS = click.Choice(["COUNTRY", "ORG", "INSTRUMENT"], case_sensitive=False)


@click.command()
@click.option("--text", help="Text to tag.")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="A text file to tag ('-' reads stdin).",
)
@json_option
@expected_errors
def tag(text: str | None, file: Path | None, as_json: bool) -> None:
    """Tag countries, organisations and instruments in text, with canonical ids."""
    from wbpolicy.enrich.tag import get_tagger

    if (text is None) == (file is None):
        raise click.UsageError("give exactly one of --text or --file")
    if file is not None:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        text = raw.decode("utf-8-sig", errors="replace")
    assert text is not None
    entities = get_tagger().tag(text)
    if as_json:
        emit_json(
            {
                "entities": [
                    {"text": e.text, "label": e.label, "id": e.id, "start": e.start, "end": e.end}
                    for e in entities
                ]
            }
        )
        return
    for e in entities:
        say(f"{e.start:>6}-{e.end:<6} {e.label:<10} {e.id or '-':<40} {e.text}")


@click.command()
@click.argument("entity_id", required=False)
@click.option("--label", type=LABELS, help="Only this label.")
@click.option("--country", help="Only entities of this country (national bodies and instruments).")
@click.option("--limit", default=20, show_default=True, help="Passages to show for one entity.")
@json_option
@click.pass_context
@expected_errors
def entities(
    ctx: click.Context,
    entity_id: str | None,
    label: str | None,
    country: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List entities with mention and document counts, or show one entity's aliases and passages."""
    from wbpolicy.cli.render import entity_detail_text, entity_rows
    from wbpolicy.cli.resolve import resolve_entities
    from wbpolicy.index import entities as ent

    index = open_index(ctx)
    if entity_id:
        detail = ent.entity_detail(
            index, resolve_entities((entity_id,), None, "ENTITY_ID")[0], limit=limit
        )
        emit_json(detail.to_json()) if as_json else say(entity_detail_text(detail))
        return
    countries = resolve_entities((country,), "COUNTRY", "--country") if country else ()
    rows = ent.list_entities(
        index, label=label.upper() if label else None, country=countries[0] if countries else None
    )
    if as_json:
        emit_json({"entities": [r.to_json() for r in rows]})
    else:
        say(entity_rows(rows))
