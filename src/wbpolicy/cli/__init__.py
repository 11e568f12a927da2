"""Command-line interface: thin click layer over the library.

Each command parses options, calls one library function and renders its result: human text or,
with ``--json``, exactly one JSON object on stdout.  Progress and logs go to stderr.  Expected
failures (:class:`wbpolicy.errors.WbpolicyError`) exit 1 with a one-line message; misuse exits 2.
"""

from __future__ import annotations

from wbpolicy.cli import entities_cmd, index_cmd, query, report_cmd, serve_cmd
from wbpolicy.cli.main import main

for _command in (
    query.search,
    query.ask,
    report_cmd.brief,
    report_cmd.matrix,
    report_cmd.topics_cmd,
    query.eval_cmd,
    entities_cmd.tag,
    entities_cmd.entities,
    serve_cmd.serve,
    serve_cmd.mcp_cmd,
    index_cmd.index_group,
):
    main.add_command(_command)

__all__ = ["main"]
