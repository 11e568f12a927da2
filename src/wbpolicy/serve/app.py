"""The FastAPI application: the JSON API (the CLI's ``--json``, one set of serialisers), the
rendered pages, the analyst's web page, and errors as JSON.

``create_app(settings)`` opens the index once for the process.  Every call runs in a worker
thread under the service's lock and a per-request time limit; errors carry a message and the
right status (400 bad parameter, 404 unknown document/page/passage, 422 validation, 503 over
the time limit), never a stack trace.  Read-only unless ``allow_ingest``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from wbpolicy import __version__
from wbpolicy.errors import IndexMismatch, IndexNotFound, NotFound, WbpolicyError
from wbpolicy.serve import api
from wbpolicy.serve.api import Forbidden
from wbpolicy.serve.pages import PageRenderer
from wbpolicy.serve.service import Busy, Service, run_with_deadline
from wbpolicy.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


def _status(exc: WbpolicyError) -> int:
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Busy | IndexNotFound | IndexMismatch):
        return 503
    return 400


def error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    kind = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    kind |= {422: "validation", 500: "internal", 503: "unavailable"}
    body = {"error": kind.get(status, "error"), "status": status, "message": message, **extra}
    return JSONResponse(body, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    async def domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, WbpolicyError)
        return error_response(_status(exc), str(exc).splitlines()[0] if str(exc) else "error")

    async def validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        detail = [
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        where = "; ".join(f"{'.'.join(d['loc'][1:]) or d['loc'][0]}: {d['msg']}" for d in detail)
        return error_response(422, f"invalid request: {where}", detail=detail)

    async def http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, str(exc.detail))

    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s", request.url.path, exc_info=exc)
        return error_response(500, "internal error; the server's log has the details")

    app.add_exception_handler(WbpolicyError, domain)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, internal)


class Runner:
    """Runs blocking calls in a worker thread within a time limit: index calls one at a time
    (the index lock), page rendering beside them.  ``slow`` is for the matrix (one evidence
    search per cell) and ingest."""

    def __init__(self, service: Service, time_limit: float, slow_limit: float = 120.0) -> None:
        self.service = service
        self.time_limit = time_limit
        self.slow_limit = max(time_limit, slow_limit)
        self.limiter = anyio.CapacityLimiter(4)

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` under the index lock."""
        return await self._run(self.time_limit, True, functools.partial(fn, *args, **kwargs))

    async def slow(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._run(self.slow_limit, True, functools.partial(fn, *args, **kwargs))

    async def shared(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn`` without the index lock: page rendering, which takes the index lock only for
        its short look-ups and has a lock of its own."""
        return await self._run(self.time_limit, False, functools.partial(fn, *args, **kwargs))

    async def _run(self, limit: float, exclusive: bool, call: Callable[[], T]) -> T:
        deadline = time.monotonic() + limit
        work = (
            functools.partial(run_with_deadline, self.service.lock, deadline, call)
            if exclusive
            else call
        )
        try:
            with anyio.fail_after(limit):
                return await anyio.to_thread.run_sync(
                    work, abandon_on_cancel=True, limiter=self.limiter
                )
        except TimeoutError as exc:
            raise Busy(f"the request took longer than its limit of {limit:g} s") from exc


def create_app(
    settings: Settings,
    *,
    allow_ingest: bool = False,
    time_limit: float = 30.0,
    allowed_hosts: Sequence[str] | None = None,
    service: Service | None = None,
) -> FastAPI:
    """The application for the index of ``settings`` (opened once, here)."""
    service = service or Service(settings)
    renderer = PageRenderer()
    run = Runner(service, time_limit)
    writes = Runner(service, time_limit, slow_limit=3600.0)  # an ingest embeds documents
    app = FastAPI(
        title="wbpolicy",
        version=__version__,
        description=(
            "Search policy documents with evidence: verbatim passages and answers with "
            "document, page, section and footnotes. The JSON of each endpoint is what the "
            "matching CLI command prints with --json."
        ),
        docs_url=None,  # the interactive docs load their assets from a CDN
        redoc_url=None,
    )
    app.state.service = service
    app.state.renderer = renderer
    app.state.run = run
    app.state.allow_ingest = allow_ingest
    _install_error_handlers(app)
    _install_headers(app, allowed_hosts)
    api.install_api(app, service, renderer, run, writes, allow_ingest=allow_ingest)
    from wbpolicy.serve.web import install_web

    install_web(app, service, renderer, run)
    return app


def _install_headers(app: FastAPI, allowed_hosts: Sequence[str] | None) -> None:
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'"
        )
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
