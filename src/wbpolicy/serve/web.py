"""The analyst's page: search (or ask) with facets, the page view with the quote highlighted on
the rendered page, the country x topic matrix, the document list and brief downloads.

Server-rendered HTML (:mod:`.views`) with a little plain JavaScript (``static/app.js``).  The
template and the static files are read into memory once: no request path reaches the
filesystem, and nothing is loaded from another host (the page works offline).
"""

from __future__ import annotations

from importlib import resources
from string import Template
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from wbpolicy.errors import WbpolicyError
from wbpolicy.serve import views
from wbpolicy.serve.service import FilterArgs

if TYPE_CHECKING:
    from wbpolicy.serve.app import Runner
    from wbpolicy.serve.pages import PageRenderer
    from wbpolicy.serve.service import Service

FILTER_KEYS = ("country", "kind", "org", "instrument", "year", "doc")
QUESTION_WORDS = frozenset(
    "what which who whom whose how does do did is are was were has have had can could should "
    "will would when where why list name tell describe explain compare".split()
)
WEB_TOP_K = 10
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def looks_like_question(q: str) -> bool:
    words = q.strip().split()
    return q.rstrip().endswith("?") or bool(words and words[0].lower() in QUESTION_WORDS)


def _load_assets() -> tuple[Template, dict[str, tuple[bytes, str]]]:
    root = resources.files("wbpolicy.serve")
    base = Template((root / "templates" / "base.html").read_text(encoding="utf-8"))
    static: dict[str, tuple[bytes, str]] = {}
    for item in (root / "static").iterdir():
        suffix = "." + item.name.rsplit(".", 1)[-1]
        if item.is_file() and suffix in STATIC_TYPES:
            static[item.name] = (item.read_bytes(), STATIC_TYPES[suffix])
    return base, static


def filter_args(params: views.Params) -> FilterArgs:
    by = {k: tuple(v for key, v in params if key == k) for k in FILTER_KEYS}
    years = by["year"]
    return FilterArgs(
        docs=by["doc"],
        kinds=by["kind"],
        countries=by["country"],
        orgs=by["org"],
        instruments=by["instrument"],
        year=years[-1] if years else None,
    )


def install_web(app: FastAPI, service: Service, renderer: PageRenderer, run: Runner) -> None:
    base, static = _load_assets()

    def page(title: str, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(base.substitute(title=views.e(title), body=body), status_code=status)

    def error_page(exc: WbpolicyError) -> HTMLResponse:
        from wbpolicy.serve.app import _status

        message = str(exc).splitlines()[0] if str(exc) else "error"
        body = f'<p class="error" role="alert">{views.e(message)}</p><p><a href="/">Back</a></p>'
        return page("Error", body, _status(exc))

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        if name not in static:
            return page("Not found", '<p class="error">No such file.</p>', 404)
        data, media = static[name]
        return Response(data, media_type=media, headers={"Cache-Control": "max-age=3600"})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home(request: Request) -> HTMLResponse:
        try:
            return page(*await _home(request, service, run))
        except WbpolicyError as exc:
            return error_page(exc)

    @app.get("/view/{doc_id}/{page_no}", response_class=HTMLResponse, include_in_schema=False)
    async def view(request: Request, doc_id: str, page_no: int) -> HTMLResponse:
        try:
            return page(*await _page_view(request, service, renderer, run, doc_id, page_no))
        except WbpolicyError as exc:
            return error_page(exc)

    @app.get("/matrix", response_class=HTMLResponse, include_in_schema=False)
    async def matrix(request: Request) -> HTMLResponse:
        try:
            return page(*await _matrix(request, service, run))
        except WbpolicyError as exc:
            return error_page(exc)

    @app.get("/documents", response_class=HTMLResponse, include_in_schema=False)
    async def documents() -> HTMLResponse:
        docs = (await run(service.documents_json))["documents"]
        return page("Documents", "<h2>Documents</h2>" + views.documents_html(docs))


async def _home(request: Request, service: Service, run: Runner) -> tuple[str, str]:
    from wbpolicy.serve.api import MAX_QUERY_CHARS
    from wbpolicy.serve.service import BadRequest

    qp = request.query_params
    q = qp.get("q", "").strip()
    as_ = qp.get("as", "auto")
    as_ = as_ if as_ in ("auto", "search", "ask") else "auto"
    params = [(k, v) for k, v in qp.multi_items() if k in FILTER_KEYS and v.strip()]
    if len(q) > MAX_QUERY_CHARS or len(params) > 20:
        raise BadRequest(f"the query is limited to {MAX_QUERY_CHARS} characters and 20 filters")
    base = [("q", q), ("as", as_)] if q else []
    parts = [views.search_form(q, as_, params), views.active_filters_html(params, base)]
    if not q:
        parts.append(_intro())
        parts.append(views.brief_form(""))
        return "Search", "\n".join(parts)
    result, facets = await run(
        service.search_with_facets, q, top_k=WEB_TOP_K, mode="hybrid", filters=filter_args(params)
    )
    main = []
    if as_ == "ask" or (as_ == "auto" and looks_like_question(q)):
        main.append(views.answer_html(await run(service.ask, q)))
    main.append(views.hits_html(result.hits))
    parts.append(
        '<div class="results">'
        + views.facets_html(facets, params, base)
        + f'<div class="main-col">{"".join(main)}</div></div>'
    )
    parts.append(views.brief_form(q if not looks_like_question(q) else ""))
    return q, "\n".join(parts)


def _intro() -> str:
    return (
        '<section class="intro"><p>Search the indexed policy documents, or ask a question '
        "(“Does Montenegro have a law on information security?”). Every result is a verbatim "
        "passage with its document, page, section and the footnotes it cites; open one to see "
        'it highlighted on its page.</p><p><a href="/matrix">Country × topic matrix</a> · '
        '<a href="/documents">Documents</a></p></section>'
    )


async def _page_view(
    request: Request,
    service: Service,
    renderer: PageRenderer,
    run: Runner,
    doc_id: str,
    page_no: int,
) -> tuple[str, str]:
    from pathlib import Path

    from wbpolicy.serve.api import MAX_QUOTE_CHARS, check_doc_id, page_boxes
    from wbpolicy.serve.service import BadRequest

    check_doc_id(doc_id)
    qp = request.query_params
    raw = qp.get("highlight")
    if raw is not None and not raw.isdigit():
        raise BadRequest("highlight: not a passage id")
    highlight = int(raw) if raw else None
    quote_text = (qp.get("quote") or "")[:MAX_QUOTE_CHARS] or None
    view = await run(service.page, doc_id, page_no)
    doc = service.document(doc_id)
    image = focus = None
    if doc.format == "pdf" and Path(doc.path).is_file():
        image = views.png_url(doc_id, page_no, highlight, quote_text)
        if highlight is not None or quote_text:
            _, height, boxes = await run.shared(
                page_boxes, service, renderer, doc_id, page_no, highlight, quote_text
            )
            focus = round(min(b.top for b in boxes) / height, 4) if boxes and height else None
    body = views.page_view_html(
        view,
        image=image,
        focus=focus,
        highlight=highlight,
        quote_text=quote_text,
        source_url=doc.source_url,
    )
    return f"{view.title}, page {page_no}", body


async def _matrix(request: Request, service: Service, run: Runner) -> tuple[str, str]:
    from wbpolicy.cli import report_cmd as cli
    from wbpolicy.serve.api import split_list
    from wbpolicy.serve.service import cli_default

    qp = request.query_params
    topics = qp.get("topics", "").strip() or str(cli_default(cli.matrix, "topics"))
    countries = qp.get("countries", "").strip()
    m = await run.slow(
        service.matrix, topics=split_list([topics]), countries=split_list([countries])
    )
    body = (
        "<h2>Country × topic</h2>"
        + views.matrix_form(topics, countries)
        + '<p class="hint">Each cell quotes the best evidence sentence; open it to see the '
        "sentence highlighted on its page.</p>" + views.matrix_html(m)
    )
    return "Matrix", body
