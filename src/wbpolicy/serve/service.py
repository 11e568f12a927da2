"""One loaded index for a long-lived process, and the calls the CLI makes.

Every method calls the library function its CLI command calls, with the CLI's own defaults and
its own filter building, so the API, the web page and the MCP tools return what ``--json``
prints.  An opened :class:`~wbpolicy.index.Index` is one SQLite connection with per-index caches
(query vectors, the citation linker, FAISS): calls are serialised by one lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from wbpolicy.errors import NotFound, WbpolicyError
from wbpolicy.settings import Settings

if TYPE_CHECKING:
    from wbpolicy.answer import Answer, Brief, Matrix
    from wbpolicy.index import Index
    from wbpolicy.index.catalog import PageView, PassageView
    from wbpolicy.models import Document, Filters, Hit
    from wbpolicy.search import SearchResult

log = logging.getLogger(__name__)
T = TypeVar("T")

# how many hits the facet counts are taken over
FACET_DEPTH = 50
# CLI option names -> API parameter names, for error messages
_PARAM_NAMES = {
    "--country": "country",
    "--countries": "countries",
    "--kind": "kind",
    "--org": "org",
    "--instrument": "instrument",
    "--year": "year",
    "ENTITY_ID": "entity_id",
}


class BadRequest(WbpolicyError):
    """A parameter the request got wrong (HTTP 400)."""


class Busy(WbpolicyError):
    """The request ran out of its time limit (HTTP 503)."""


def cli_default(command: Any, name: str) -> Any:
    """The default of a CLI command's option: the API's defaults are the CLI's."""
    for param in command.params:
        if param.name == name:
            return param.default
    raise KeyError(name)


@dataclass(frozen=True)
class FilterArgs:
    """Filters as the CLI's options give them (names or ids; resolved like the CLI does)."""

    docs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    year: str | None = None

    def is_empty(self) -> bool:
        return not any(
            (self.docs, self.kinds, self.countries, self.orgs, self.instruments, self.year)
        )


def _bad_parameter(fn: Callable[[], T]) -> T:
    """Run a CLI resolver; its click.BadParameter becomes a :class:`BadRequest`."""
    import click

    try:
        return fn()
    except click.ClickException as exc:
        hint = getattr(exc, "param_hint", None)
        name = _PARAM_NAMES.get(str(hint), str(hint).strip("-")) if hint else None
        raise BadRequest(f"{name}: {exc.message}" if name else exc.message) from exc


def resolve_filters(args: FilterArgs) -> Filters:
    """The CLI's own filter building (names -> ids, year ranges)."""
    from wbpolicy.cli.query import build_filters

    return _bad_parameter(
        lambda: build_filters(
            args.docs, args.kinds, args.countries, args.orgs, args.instruments, args.year
        )
    )


def resolve_countries(values: Sequence[str]) -> tuple[str, ...] | None:
    """``--countries`` of brief and matrix: ids or names; None for the default region."""
    from wbpolicy.cli.resolve import resolve_entities

    ids = _bad_parameter(lambda: resolve_entities(tuple(values), "COUNTRY", "--countries"))
    return ids or None


class Service:
    """The index of one process and the library calls, serialised by :attr:`lock`."""

    def __init__(self, settings: Settings, *, matrix_cache: int = 16) -> None:
        from wbpolicy.index import Index

        self.settings = settings
        self.lock = threading.RLock()
        self.index: Index = Index.open(settings, readonly=True)
        self._matrices: OrderedDict[tuple[Any, ...], Matrix] = OrderedDict()
        self._matrix_cache = matrix_cache
        self._documents: tuple[int, dict[str, Document]] | None = None

    # -- life cycle ------------------------------------------------------------------------------
    def warm(self) -> float:
        """Load the embedder, the vectors and the knowledge now, not on the first request."""
        t0 = time.perf_counter()
        with self.lock:
            self.index.vectors  # noqa: B018 - loads FAISS (or rebuilds it in memory)
            self.search("warm up the national CERT", top_k=1)
            self.ask("What does the strategy say about the national CERT?")
        return time.perf_counter() - t0

    def reopen(self) -> None:
        """Open the index again (after an ingest or a removal)."""
        from wbpolicy.index import Index

        with self.lock:
            self.index.close()
            self.index = Index.open(self.settings, readonly=True)
            self._matrices.clear()
            self._documents = None

    def close(self) -> None:
        with self.lock:
            self.index.close()

    def generation(self) -> int:
        with self.lock:
            return self.index.reader.generation()

    def documents_by_id(self) -> dict[str, Document]:
        """The stored documents (metadata and file path), cached per index generation."""
        with self.lock:
            gen = self.index.reader.generation()
            if self._documents is None or self._documents[0] != gen:
                self._documents = (gen, self.index.reader.documents())
            return self._documents[1]

    def document(self, doc_id: str) -> Document:
        doc = self.documents_by_id().get(doc_id)
        if doc is None:
            raise NotFound(f"no document {doc_id!r}; /api/documents lists the documents")
        return doc

    # -- what the CLI's commands call ----------------------------------------------------------
    def search(
        self,
        q: str,
        *,
        top_k: int | None = None,
        mode: str = "hybrid",
        filters: FilterArgs | None = None,
    ) -> SearchResult:
        """``wbpolicy search Q --json``."""
        from wbpolicy.cli import query as cli
        from wbpolicy.search import search

        if not q.strip():
            raise BadRequest("q: the query is empty")
        resolved = resolve_filters(filters or FilterArgs())
        k = top_k if top_k is not None else cli_default(cli.search, "top_k")
        with self.lock:
            return search(self.index, q, top_k=k, filters=resolved, mode=mode)

    def ask(self, q: str, *, top_k: int | None = None) -> Answer:
        """``wbpolicy ask Q --json``."""
        from wbpolicy.answer import ask
        from wbpolicy.cli import query as cli

        if not q.strip():
            raise BadRequest("q: the question is empty")
        k = top_k if top_k is not None else cli_default(cli.ask, "top_k")
        with self.lock:
            return ask(self.index, q, top_k=k)

    def brief(
        self, topic: str, *, countries: Sequence[str] = (), per_country: int | None = None
    ) -> Brief:
        """``wbpolicy brief TOPIC``."""
        from wbpolicy.answer import brief
        from wbpolicy.cli import report_cmd as cli

        if not topic.strip():
            raise BadRequest("topic: the topic is empty")
        ids = resolve_countries(countries)
        n = per_country if per_country is not None else cli_default(cli.brief, "per_country")
        with self.lock:
            return brief(self.index, topic, countries=ids, per_country=n)

    def matrix(self, *, topics: Sequence[str] = (), countries: Sequence[str] = ()) -> Matrix:
        """``wbpolicy matrix``; kept in a small cache (it runs one evidence search per cell)."""
        from wbpolicy.answer import matrix
        from wbpolicy.cli import report_cmd as cli
        from wbpolicy.cli.common import csv_list

        names = tuple(topics) or csv_list(cli_default(cli.matrix, "topics"))
        ids = resolve_countries(countries)
        with self.lock:
            key = (names, ids, self.index.reader.generation())
            if key in self._matrices:
                self._matrices.move_to_end(key)
                return self._matrices[key]
            result = matrix(self.index, names, countries=ids)
            self._matrices[key] = result
            while len(self._matrices) > self._matrix_cache:
                self._matrices.popitem(last=False)
            return result

    def documents_json(self) -> dict[str, Any]:
        """``wbpolicy docs --json``."""
        from wbpolicy.index.catalog import list_documents

        with self.lock:
            return {"documents": [d.to_json() for d in list_documents(self.settings)]}

    def document_json(self, doc_id: str) -> dict[str, Any]:
        """``wbpolicy show DOC --json``."""
        from wbpolicy.index.catalog import get_document

        with self.lock:
            return get_document(self.settings, doc_id).to_json()

    def page(self, doc_id: str, page: int) -> PageView:
        """``wbpolicy show DOC --page N --json``."""
        from wbpolicy.index.catalog import show_page

        with self.lock:
            return show_page(self.settings, doc_id, page)

    def page_words(self, doc_id: str, page: int) -> list[tuple[str, float, float, float, float]]:
        """An OCR'd page's stored word boxes ([] for a page with a text layer)."""
        with self.lock:
            return self.index.reader.page_words(doc_id, page)

    def passage(self, passage_id: int) -> PassageView:
        """``wbpolicy show DOC --passage ID --json``."""
        from wbpolicy.index.catalog import show_passage

        with self.lock:
            return show_passage(self.settings, passage_id)

    def entities_json(self, *, label: str | None = None, country: str | None = None) -> dict:
        """``wbpolicy entities --json``."""
        from wbpolicy.cli.resolve import resolve_entities
        from wbpolicy.index import entities as ent

        ids = (
            _bad_parameter(lambda: resolve_entities((country,), "COUNTRY", "--country"))
            if country
            else ()
        )
        with self.lock:
            rows = ent.list_entities(
                self.index, label=label.upper() if label else None, country=ids[0] if ids else None
            )
            return {"entities": [r.to_json() for r in rows]}

    def entity_json(self, entity_id: str, *, limit: int | None = None) -> dict[str, Any]:
        """``wbpolicy entities ID --json``."""
        from wbpolicy.cli import entities_cmd
        from wbpolicy.cli.resolve import resolve_entities
        from wbpolicy.index import entities as ent

        resolved = _bad_parameter(lambda: resolve_entities((entity_id,), None, "ENTITY_ID"))[0]
        n = limit if limit is not None else cli_default(entities_cmd.entities, "limit")
        with self.lock:
            return ent.entity_detail(self.index, resolved, limit=n).to_json()

    def health(self) -> dict[str, Any]:
        with self.lock:
            return {
                "status": "ok",
                "index": str(self.settings.index_dir),
                "model": self.index.model_id,
                "generation": self.index.reader.generation(),
                "documents": self.index.count("documents"),
                "passages": self.index.count("passages"),
            }

    # -- what only the server adds ---------------------------------------------------------------
    def facets(self, hits: Sequence[Hit]) -> dict[str, list[dict[str, Any]]]:
        """Counts of the hits per country (passages about it), document kind, organisation and
        instrument (passages mentioning it) and document year: the values a filter can take."""
        from wbpolicy.knowledge import knowledge

        ids = [h.passage_id for h in hits]
        docs = self.documents_by_id()
        with self.lock:
            about = self.index.reader.passage_countries(ids)
            mentions = self.index.reader.mentions(ids)
        know = knowledge()
        counts: dict[str, Counter[str]] = {k: Counter() for k in FACETS}
        for h in hits:
            counts["country"].update(about.get(h.passage_id, {}).keys())
            counts["kind"].update([h.doc_kind or "other"])
            labels = {(m["label"], m["entity_id"]) for m in mentions.get(h.passage_id, [])}
            counts["org"].update(e for lab, e in labels if lab == "ORG")
            counts["instrument"].update(e for lab, e in labels if lab == "INSTRUMENT")
            year = docs[h.doc_id].year if h.doc_id in docs else None
            if year is not None:
                counts["year"].update([str(year)])

        def label(facet: str, value: str) -> str:
            entry = know.entry(value) if facet in ("country", "org", "instrument") else None
            if entry is not None:
                return str(entry.name)
            return value.rpartition(":")[2].replace("-", " ") if facet != "year" else value

        return {
            facet: [
                {"value": v, "label": label(facet, v), "count": n}
                for v, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
            for facet, c in counts.items()
        }

    def search_with_facets(
        self, q: str, *, top_k: int, mode: str, filters: FilterArgs
    ) -> tuple[SearchResult, dict[str, list[dict[str, Any]]]]:
        """The first ``top_k`` hits and the facet counts over the first :data:`FACET_DEPTH`."""
        from dataclasses import replace

        deep = self.search(q, top_k=max(top_k, FACET_DEPTH), mode=mode, filters=filters)
        facets = self.facets(deep.hits)
        return replace(deep, hits=deep.hits[:top_k]), facets


FACETS = ("country", "kind", "org", "instrument", "year")


def run_with_deadline(lock: threading.RLock, deadline: float, fn: Callable[[], T]) -> T:
    """``fn`` under ``lock`` unless ``deadline`` (``time.monotonic``) passes while waiting."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not lock.acquire(timeout=remaining):
        raise Busy("the request waited longer than its time limit; try again")
    try:
        if time.monotonic() > deadline:
            raise Busy("the request waited longer than its time limit; try again")
        return fn()
    finally:
        lock.release()
