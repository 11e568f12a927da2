"""The routes of the JSON API: each calls the service method its CLI command's library call
sits behind and returns that object's ``.to_json()``; request limits (query length, ``top_k``
bounds, list sizes) are declared on the parameters, so a violation is a 422.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Body, FastAPI, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

from wbpolicy.errors import NotFound, WbpolicyError
from wbpolicy.serve.pages import Box, PageRenderer
from wbpolicy.serve.service import BadRequest, FilterArgs, Service

if TYPE_CHECKING:
    from wbpolicy.serve.app import Runner

MAX_QUERY_CHARS = 500
MAX_QUOTE_CHARS = 3000
MAX_LIST = 20
DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
MAX_PAGE = 100_000

QText = Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="Query or question.")]
DocId = Annotated[str, PathParam(max_length=200, description="A document id (wbpolicy docs).")]
PageNo = Annotated[int, PathParam(ge=1, le=MAX_PAGE, description="1-based page number.")]
Many = Annotated[list[str], Query(max_length=MAX_LIST)]
Mode = Literal["hybrid", "dense", "lexical"]


class Forbidden(WbpolicyError):
    """A write the server was not started to allow (HTTP 403)."""


def check_doc_id(doc_id: str) -> str:
    if not DOC_ID.match(doc_id) or ".." in doc_id:
        raise BadRequest(f"doc_id: {doc_id[:80]!r} is not a document id")
    return doc_id


def split_list(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated parameters and comma-separated values alike."""
    out = tuple(v.strip() for raw in values for v in raw.split(",") if v.strip())
    if len(out) > MAX_LIST:
        raise BadRequest(f"at most {MAX_LIST} values per parameter")
    return out


def _filters(
    doc: Sequence[str],
    kind: Sequence[str],
    country: Sequence[str],
    org: Sequence[str],
    instrument: Sequence[str],
    year: str | None,
) -> FilterArgs:
    docs = split_list(doc)
    for d in docs:
        check_doc_id(d)
    return FilterArgs(
        docs=docs,
        kinds=split_list(kind),
        countries=split_list(country),
        orgs=split_list(org),
        instruments=split_list(instrument),
        year=year or None,
    )


def install_api(
    app: FastAPI,
    service: Service,
    renderer: PageRenderer,
    run: Runner,
    writes: Runner,
    *,
    allow_ingest: bool,
) -> None:
    _query_routes(app, service, run)
    _report_routes(app, service, run)
    _catalog_routes(app, service, run)
    _page_routes(app, service, renderer, run)
    _write_routes(app, service, writes, allow_ingest)


def _query_routes(app: FastAPI, service: Service, run: Runner) -> None:
    @app.get("/api/search", tags=["query"], summary="wbpolicy search Q --json")
    async def api_search(
        q: QText,
        top_k: Annotated[int | None, Query(ge=1, le=200)] = None,
        mode: Mode = "hybrid",
        country: Many = [],  # noqa: B006 - FastAPI copies parameter defaults
        kind: Many = [],  # noqa: B006
        org: Many = [],  # noqa: B006
        instrument: Many = [],  # noqa: B006
        year: Annotated[str | None, Query(max_length=20)] = None,
        doc: Many = [],  # noqa: B006
    ) -> JSONResponse:
        filters = _filters(doc, kind, country, org, instrument, year)
        result = await run(service.search, q, top_k=top_k, mode=mode, filters=filters)
        return JSONResponse(result.to_json())

    @app.get("/api/facets", tags=["query"], summary="Facet counts over a search's hits")
    async def api_facets(
        q: QText,
        mode: Mode = "hybrid",
        country: Many = [],  # noqa: B006
        kind: Many = [],  # noqa: B006
        org: Many = [],  # noqa: B006
        instrument: Many = [],  # noqa: B006
        year: Annotated[str | None, Query(max_length=20)] = None,
        doc: Many = [],  # noqa: B006
    ) -> JSONResponse:
        from wbpolicy.serve.service import FACET_DEPTH

        filters = _filters(doc, kind, country, org, instrument, year)
        result, facets = await run(
            service.search_with_facets, q, top_k=FACET_DEPTH, mode=mode, filters=filters
        )
        body = {"query": result.query, "depth": FACET_DEPTH, "hits": len(result.hits)}
        return JSONResponse({**body, "facets": facets})

    @app.get("/api/ask", tags=["query"], summary="wbpolicy ask Q --json")
    async def api_ask(
        q: QText, top_k: Annotated[int | None, Query(ge=1, le=100)] = None
    ) -> JSONResponse:
        answer = await run(service.ask, q, top_k=top_k)
        return JSONResponse(answer.to_json())


def _report_routes(app: FastAPI, service: Service, run: Runner) -> None:
    @app.get("/api/brief", tags=["query"], summary="wbpolicy brief TOPIC --format md|csv|json")
    async def api_brief(
        topic: Annotated[str, Query(max_length=200)],
        countries: Annotated[str | None, Query(max_length=400)] = None,
        per_country: Annotated[int | None, Query(ge=1, le=20)] = None,
        format: Literal["md", "csv", "json"] = "md",
        download: bool = False,
    ) -> Response:
        ids = split_list([countries or ""])
        result = await run(service.brief, topic, countries=ids, per_country=per_country)
        if format == "json":
            return JSONResponse(result.to_json())
        text, media = (
            (result.to_markdown(), "text/markdown")
            if format == "md"
            else (result.to_csv(), "text/csv")
        )
        headers = {}
        if download:
            name = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:60] or "brief"
            headers["Content-Disposition"] = f'attachment; filename="brief-{name}.{format}"'
        return Response(text, media_type=f"{media}; charset=utf-8", headers=headers)

    @app.get("/api/matrix", tags=["query"], summary="wbpolicy matrix --format json")
    async def api_matrix(
        topics: Annotated[str | None, Query(max_length=400)] = None,
        countries: Annotated[str | None, Query(max_length=400)] = None,
        format: Literal["json", "md", "csv", "html"] = "json",
    ) -> Response:
        result = await run.slow(
            service.matrix,
            topics=split_list([topics or ""]),
            countries=split_list([countries or ""]),
        )
        if format == "json":
            return JSONResponse(result.to_json())
        render = {"md": result.to_markdown, "csv": result.to_csv, "html": result.to_html}[format]
        media = {"md": "text/markdown", "csv": "text/csv", "html": "text/html"}[format]
        return Response(render(), media_type=f"{media}; charset=utf-8")


def _catalog_routes(app: FastAPI, service: Service, run: Runner) -> None:
    @app.get("/healthz", tags=["service"], summary="Liveness and what is loaded")
    async def healthz() -> JSONResponse:
        return JSONResponse(await run(service.health))

    @app.get("/api/documents", tags=["catalog"], summary="wbpolicy docs --json")
    async def api_documents() -> JSONResponse:
        return JSONResponse(await run(service.documents_json))

    @app.get("/api/documents/{doc_id}", tags=["catalog"], summary="wbpolicy show DOC --json")
    async def api_document(doc_id: DocId) -> JSONResponse:
        return JSONResponse(await run(service.document_json, check_doc_id(doc_id)))

    @app.get("/api/entities", tags=["catalog"], summary="wbpolicy entities --json")
    async def api_entities(
        label: Literal["COUNTRY", "ORG", "INSTRUMENT"] | None = None,
        country: Annotated[str | None, Query(max_length=100)] = None,
    ) -> JSONResponse:
        return JSONResponse(await run(service.entities_json, label=label, country=country))

    @app.get("/api/entities/{entity_id}", tags=["catalog"], summary="wbpolicy entities ID --json")
    async def api_entity(
        entity_id: Annotated[str, PathParam(max_length=200)],
        limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    ) -> JSONResponse:
        return JSONResponse(await run(service.entity_json, entity_id, limit=limit))


def _page_routes(app: FastAPI, service: Service, renderer: PageRenderer, run: Runner) -> None:
    @app.get(
        "/api/documents/{doc_id}/pages/{page}.png",
        tags=["catalog"],
        summary="The page rendered, the passage's or quote's text highlighted",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    async def api_page_png(
        doc_id: DocId,
        page: PageNo,
        highlight: Annotated[int | None, Query(ge=1, description="A passage id.")] = None,
        quote: Annotated[str | None, Query(max_length=MAX_QUOTE_CHARS)] = None,
        width: Annotated[int, Query(ge=200, le=2400)] = 1000,
    ) -> Response:
        png, boxes = await run.shared(
            page_image, service, renderer, check_doc_id(doc_id), page, highlight, quote, width
        )
        headers = {"X-Highlight-Boxes": str(len(boxes)), "Cache-Control": "private, max-age=300"}
        return Response(png, media_type="image/png", headers=headers)

    @app.get(
        "/api/documents/{doc_id}/pages/{page}/highlights",
        tags=["catalog"],
        summary="The boxes (PDF points, from the top left) a highlight covers",
    )
    async def api_page_boxes(
        doc_id: DocId,
        page: PageNo,
        highlight: Annotated[int | None, Query(ge=1)] = None,
        quote: Annotated[str | None, Query(max_length=MAX_QUOTE_CHARS)] = None,
    ) -> JSONResponse:
        doc_id = check_doc_id(doc_id)
        width, height, boxes = await run.shared(
            page_boxes, service, renderer, doc_id, page, highlight, quote
        )
        body = {"doc_id": doc_id, "page": page, "width": width, "height": height}
        return JSONResponse({**body, "boxes": [b.to_json() for b in boxes]})

    @app.get(
        "/api/documents/{doc_id}/pages/{page}",
        tags=["catalog"],
        summary="wbpolicy show DOC --page N --json (text, passages, footnotes)",
    )
    async def api_page(doc_id: DocId, page: PageNo) -> JSONResponse:
        view = await run(service.page, check_doc_id(doc_id), page)
        return JSONResponse(view.to_json())

    @app.get("/api/passages/{passage_id}", tags=["catalog"], summary="show --passage ID --json")
    async def api_passage(passage_id: Annotated[int, PathParam(ge=1)]) -> JSONResponse:
        return JSONResponse((await run(service.passage, passage_id)).to_json())


def highlight_texts(
    service: Service, doc_id: str, page: int, highlight: int | None, quote: str | None
) -> list[str]:
    """What to highlight on a page: the quote, else the passage (which must touch the page)."""
    view = service.page(doc_id, page)  # 404 for an unknown document or page
    if highlight is not None:
        on_page = {p.passage_id: p for p in view.passages}
        if highlight not in on_page:
            raise BadRequest(f"highlight: passage {highlight} is not on page {page} of {doc_id}")
        return [quote] if quote else [on_page[highlight].text]
    return [quote] if quote else []


def _pdf_path(service: Service, doc_id: str) -> Path:
    doc = service.document(doc_id)
    if doc.format != "pdf":
        raise NotFound(f"{doc_id} is a {doc.format or 'text'} document: it has no page images")
    return Path(doc.path)


def page_boxes(
    service: Service,
    renderer: PageRenderer,
    doc_id: str,
    page: int,
    highlight: int | None,
    quote: str | None,
) -> tuple[float, float, list[Box]]:
    texts = highlight_texts(service, doc_id, page, highlight, quote)
    path = _pdf_path(service, doc_id)
    words = service.page_words(doc_id, page)
    tokens = renderer.page_tokens(path, page, words)
    boxes = renderer.highlight_boxes(path, page, texts, words) if texts else []
    return tokens.width, tokens.height, boxes


def page_image(
    service: Service,
    renderer: PageRenderer,
    doc_id: str,
    page: int,
    highlight: int | None,
    quote: str | None,
    width: int,
) -> tuple[bytes, list[Box]]:
    texts = highlight_texts(service, doc_id, page, highlight, quote)
    path = _pdf_path(service, doc_id)
    words = service.page_words(doc_id, page)
    boxes = renderer.highlight_boxes(path, page, texts, words) if texts else []
    return renderer.png(path, page, width, boxes), boxes


def _write_routes(app: FastAPI, service: Service, run: Runner, allow_ingest: bool) -> None:
    def refuse() -> None:
        if not allow_ingest:
            raise Forbidden("the server is read-only; start it with --allow-ingest to change")

    @app.post("/api/ingest", tags=["write"], summary="wbpolicy ingest PATH (--allow-ingest)")
    async def api_ingest(
        paths: Annotated[list[str], Body(embed=True, max_length=MAX_LIST)],
        force: Annotated[bool, Body(embed=True)] = False,
    ) -> JSONResponse:
        refuse()
        return JSONResponse(await run.slow(ingest_paths, service, paths, force))

    @app.delete("/api/documents/{doc_id}", tags=["write"], summary="wbpolicy remove DOC")
    async def api_remove(doc_id: DocId) -> JSONResponse:
        refuse()
        return JSONResponse(await run.slow(remove_document, service, check_doc_id(doc_id)))


def ingest_paths(service: Service, paths: Sequence[str], force: bool) -> dict[str, Any]:
    """Ingest files under the corpus folder (``$WBPOLICY_CORPUS`` or ``../shared/corpus``):
    a path outside it is refused, so a request names only documents the operator put there."""
    from dataclasses import asdict

    from wbpolicy.ingest import ingest
    from wbpolicy.settings import default_corpus_dir

    root = default_corpus_dir()
    if root is None:
        raise BadRequest("no corpus folder is configured ($WBPOLICY_CORPUS)")
    base = root.resolve()
    resolved = []
    for raw in paths:
        p = (base / raw).resolve()
        if not p.is_relative_to(base) or not p.exists():
            raise BadRequest(f"paths: {raw[:80]!r} is not a file or folder of the corpus")
        resolved.append(p)
    summary = ingest(resolved, service.settings, force=force)
    service.reopen()
    return asdict(summary)


def remove_document(service: Service, doc_id: str) -> dict[str, Any]:
    from wbpolicy.ingest import remove

    service.document(doc_id)  # 404 for an unknown document
    remove(doc_id, service.settings)
    service.reopen()
    return {"removed": doc_id}
