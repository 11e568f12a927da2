"""``wbpolicy index ...``: inspect, check and rebuild the index."""

from __future__ import annotations

import json

import click

from wbpolicy.cli.common import emit_json, expected_errors, json_option, settings_from


@click.group("index")
def index_group() -> None:
    """Inspect or rebuild the index."""


@index_group.command("info")
@json_option
@click.pass_context
@expected_errors
def index_info(ctx: click.Context, as_json: bool) -> None:
    """Show the index manifest (model, dimensions, versions, counts)."""
    from wbpolicy.cli.common import open_index

    manifest = open_index(ctx).manifest
    if as_json:
        emit_json(manifest)
    else:
        for key, value in manifest.items():
            click.echo(f"{key}: {json.dumps(value, ensure_ascii=False)}")


@index_group.command("rebuild")
@click.pass_context
@expected_errors
def index_rebuild(ctx: click.Context) -> None:
    """Rebuild the FAISS file from the SQLite store (the source of truth)."""
    from wbpolicy.index import Index

    index = Index.open(settings_from(ctx), readonly=False)
    n = index.rebuild_vectors()
    click.echo(f"rebuilt vectors for {n} passages")
