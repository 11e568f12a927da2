"""Long-lived commands: ``serve`` (the web page and the JSON API) and ``mcp`` (an MCP server over
stdio).  FastAPI, uvicorn, mcp and the PDF libraries are imported inside the commands only."""

from __future__ import annotations

import ipaddress

import click

from wbpolicy.cli.common import echo_err, expected_errors, settings_from

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--public",
    is_flag=True,
    help="Allow a non-loopback --host (anyone who reaches it can read the index).",
)
@click.option(
    "--allow-ingest", is_flag=True, help="Allow ingest and remove over HTTP (default: read-only)."
)
@click.option(
    "--time-limit",
    default=30.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="Seconds a request may take.",
)
@click.pass_context
@expected_errors
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    public: bool,
    allow_ingest: bool,
    time_limit: float,
) -> None:
    """Serve the analyst's web page and the JSON API (http://127.0.0.1:8765/)."""
    loopback = is_loopback(host)
    if not loopback and not public:
        raise click.UsageError(
            f"--host {host} is not a loopback address; add --public to serve on it"
        )
    import uvicorn

    from wbpolicy.serve.app import create_app
    from wbpolicy.serve.service import Service

    settings = settings_from(ctx)
    service = Service(settings)
    took = service.warm()
    hosts = None if not loopback else ["127.0.0.1", "localhost", "[::1]", "::1"]
    app = create_app(
        settings,
        allow_ingest=allow_ingest,
        time_limit=time_limit,
        allowed_hosts=hosts,
        service=service,
    )
    if not loopback:
        echo_err(
            f"warning: serving {settings.index_dir} on {host}, beyond this machine; there is "
            "no authentication"
        )
    mode = "read-write (--allow-ingest)" if allow_ingest else "read-only"
    shown = f"[{host}]" if ":" in host else host
    echo_err(f"wbpolicy: index loaded in {took:.1f} s; serving http://{shown}:{port}/ ({mode})")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        service.close()


@click.command("mcp")
@click.pass_context
@expected_errors
def mcp_cmd(ctx: click.Context) -> None:
    """Serve the tools search, ask, get_page and list_documents over MCP (stdio)."""
    from wbpolicy.serve.mcp_server import run_stdio

    run_stdio(settings_from(ctx))


COMMANDS = (serve, mcp_cmd)
