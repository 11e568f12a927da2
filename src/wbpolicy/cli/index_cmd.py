"""``wbpolicy index ...``: inspect, check and rebuild the index."""

from __future__ import annotations

import json

import click

from wbpolicy.cli.common import emit_json, expected_errors, json_option, settings_from


@click.group("index")
def index_group() -> None:
    """Inspect, check or rebuild the index."""


@index_group.command("info")
@json_option
@click.pass_context
@expected_errors
def index_info(ctx: click.Context, as_json: bool) -> None:
    """Show the index manifest (model, dimensions, versions) with live counts from SQLite."""
    from wbpolicy.index import Index

    with Index.open(settings_from(ctx), readonly=True) as index:
        info = index.info()
    if as_json:
        emit_json(info)
        return
    recorded = info.pop("manifest_counts", None)
    for key, value in info.items():
        click.echo(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    if recorded is not None:
        click.echo(
            "counts recorded in the manifest (stale; `wbpolicy index rebuild` rewrites it): "
            + json.dumps(recorded, ensure_ascii=False)
        )


@index_group.command("check")
@json_option
@click.pass_context
@expected_errors
def index_check(ctx: click.Context, as_json: bool) -> None:
    """Check the index: SQLite and full-text integrity, FAISS file and manifest against SQLite.
    Exits 1 when something is wrong."""
    from wbpolicy.index.health import check_index

    report = check_index(settings_from(ctx))
    if as_json:
        emit_json(report.to_json())
    else:
        for line in report.lines():
            click.echo(line)
    if not report.healthy:
        ctx.exit(1)


@index_group.command("rebuild")
@json_option
@click.pass_context
@expected_errors
def index_rebuild(ctx: click.Context, as_json: bool) -> None:
    """Rebuild the full-text index, the FAISS file and the manifest from the SQLite store (the
    source of truth).  Refuses a path that holds no index."""
    from wbpolicy.index.health import rebuild_index

    report = rebuild_index(settings_from(ctx))
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(
            f"rebuilt the full-text index ({report.fts_rows} passages) and the vectors for "
            f"{report.vectors} passages"
        )
