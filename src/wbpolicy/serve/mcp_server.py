"""A Model Context Protocol server over stdio (the ``mcp`` package): tools ``search``, ``ask``,
``get_page`` and ``list_documents`` whose results carry document, page, section, footnotes and
the verbatim text, so an assistant can quote and cite.

Each tool returns the JSON the matching CLI command prints with ``--json`` (the same library
calls and serialisers, through :class:`~wbpolicy.serve.service.Service`).  stdout carries only
JSON-RPC; logs go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wbpolicy import __version__
from wbpolicy.errors import WbpolicyError
from wbpolicy.serve.service import BadRequest, FilterArgs, Service

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from wbpolicy.settings import Settings

INSTRUCTIONS = (
    "wbpolicy searches policy documents on cybersecurity in the Western Balkans. Every result "
    "is verbatim text with its document (doc_id, title), page, section path and the footnotes "
    "its markers call (with URLs). Quote the text exactly and cite document title and page; "
    "when `ask` abstains, say that the corpus has no evidence instead of answering."
)
MAX_QUERY_CHARS = 500


def _text(value: str, name: str) -> str:
    if not value.strip():
        raise BadRequest(f"{name} is empty")
    if len(value) > MAX_QUERY_CHARS:
        raise BadRequest(f"{name} is longer than {MAX_QUERY_CHARS} characters")
    return value


def _expected(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """An expected failure (unknown document, bad filter) reaches the assistant with its
    message, as a tool error; anything else stays a crash whose text stays on the server."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return call()
    except WbpolicyError as exc:
        raise ToolError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc


def build_server(service: Service) -> MCPServer:
    """The MCP server with its four tools bound to ``service``."""
    from mcp.server.mcpserver import MCPServer

    server: MCPServer = MCPServer(
        "wbpolicy", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )

    @server.tool()
    def search(
        query: str,
        top_k: int = 10,
        country: list[str] | None = None,
        kind: list[str] | None = None,
        year: str | None = None,
        doc: list[str] | None = None,
    ) -> dict[str, Any]:
        """Cited-passage search (hybrid BM25 + embeddings). Returns hits, each with doc_id,
        title, page, pages, section, the verbatim passage text and its footnote citations
        (marker, text, url). Filters: country ids or names (XK, Kosovo, BiH), document kind
        (strategy, law, report...), year or range (2016, 2015..2019), document ids."""
        filters = FilterArgs(
            docs=tuple(doc or ()),
            kinds=tuple(kind or ()),
            countries=tuple(country or ()),
            year=year,
        )
        k = max(1, min(int(top_k), 50))
        return _expected(
            lambda: service.search(_text(query, "query"), top_k=k, filters=filters).to_json()
        )

    @server.tool()
    def ask(question: str) -> dict[str, Any]:
        """Answer a question with verbatim sentences from the documents, each with doc_id,
        title, page, section and the footnotes it cites; `abstained` is true (with a message)
        when the corpus holds no evidence."""
        return _expected(lambda: service.ask(_text(question, "question")).to_json())

    @server.tool()
    def get_page(doc_id: str, page: int) -> dict[str, Any]:
        """One page of a document: its text, the passages on it (with section and footnotes)
        and the page's footnote citations."""
        return _expected(lambda: service.page(doc_id, int(page)).to_json())

    @server.tool()
    def list_documents() -> dict[str, Any]:
        """The indexed documents: doc_id, title, kind, country, year, pages, passages and the
        public URL where one is known."""
        return _expected(service.documents_json)

    return server


def run_stdio(settings: Settings) -> None:
    """Open the index, warm it up, and serve MCP over stdin/stdout until stdin closes."""
    service = Service(settings)
    try:
        service.warm()
        build_server(service).run("stdio")
    finally:
        service.close()
