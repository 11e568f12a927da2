"""Passage retrieval: dense (FAISS), lexical (SQLite FTS5 BM25) and hybrid (fused) search.

Filters are applied before ranking: the allowed passage ids are computed in SQL and handed to both
retrievers, so a filtered query still returns ``top_k`` hits when that many exist.  The query is
read once by :func:`wbpolicy.query.analyse`; a :class:`~wbpolicy.query.Query` can be passed in
directly (``ask`` does, so a question is never analysed twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import WbpolicyError
from wbpolicy.models import Filters, Hit
from wbpolicy.query import Query, analyse
from wbpolicy.search.dense import dense_search, prefetch_dense
from wbpolicy.search.fusion import complete, fuse
from wbpolicy.search.lexical import lexical_search
from wbpolicy.search.rerank import rerank_head
from wbpolicy.settings import SearchSettings

if TYPE_CHECKING:
    from wbpolicy.index import Index

MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str
    hits: tuple[Hit, ...]
    understood: dict[str, Any] = field(default_factory=dict)
    # why there are no hits, when the reason is known ("no strategy about Kosovo (XK) is indexed")
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "hits": [h.to_json() for h in self.hits],
            "mode": self.mode,
            "understood": self.understood,
            "message": self.message,
        }


def search(
    index: Index,
    query: str | Query,
    top_k: int = 10,
    filters: Filters | None = None,
    mode: str = "hybrid",
    settings: SearchSettings | None = None,
) -> SearchResult:
    """Rank passages of ``index`` for ``query``; see the module docstring."""
    if mode not in MODES:
        raise WbpolicyError(f"unknown search mode {mode!r} (choose from {', '.join(MODES)})")
    s = settings or SearchSettings()
    q = query if isinstance(query, Query) else analyse(query, s)
    top_k = max(0, int(top_k))
    result = SearchResult(q.text, mode, (), q.to_json())
    if top_k == 0 or not q.text.strip():
        return result
    allowed = index.reader.allowed_ids(filters or Filters())
    if allowed is not None and not allowed:
        return replace(result, message=f"no passage {describe_filters(filters or Filters())}")
    scored = _rank(index, q, mode, max(s.candidates, top_k * 3), allowed, s)
    hits = index.reader.hits(scored, top_k)
    message = (
        None if hits else "no passage is about this query (nothing clears the relevance floor)"
    )
    return SearchResult(q.text, mode, tuple(hits), q.to_json(), message)


def describe_filters(f: Filters) -> str:
    """The filters in words: "in a strategy about Kosovo (XK) of 2020-2025"."""
    from wbpolicy.knowledge import knowledge

    know = knowledge()
    parts = []
    if f.doc_ids:
        parts.append(
            "in " + (f.doc_ids[0] if len(f.doc_ids) == 1 else f"{len(f.doc_ids)} documents")
        )
    if f.kinds:
        parts.append("in a " + " or ".join(dict.fromkeys(f.kinds)))
    if f.countries:
        parts.append("about " + " or ".join(know.country_name(c) for c in f.countries))
    for label, ids in (("mentioning", f.orgs), ("citing", f.instruments)):
        if ids:
            parts.append(f"{label} " + " or ".join(ids))
    if f.year_min is not None or f.year_max is not None:
        lo, hi = f.year_min, f.year_max
        if lo == hi:
            parts.append(f"of {lo}")
        else:
            parts.append(f"of {lo}-{hi}" if lo and hi else f"from {lo}" if lo else f"up to {hi}")
    return (" ".join(parts) if parts else "matches") + " is indexed"


def _rank(
    index: Index, q: Query, mode: str, depth: int, allowed: set[int] | None, s: SearchSettings
) -> list[tuple[int, float]]:
    if mode == "lexical":
        return lexical_search(index.reader, q, depth, allowed, s)
    if mode == "dense":
        dense = dense_search(index, q, depth, allowed)
        # dense alone cannot tell an unmatched query: only the lower floor applies
        return dense if _relevant(index, dense, True, s, allowed is not None) else []
    # hybrid: the query and its renderings are embedded and searched on a worker thread while
    # the lexical search runs; the lexical list is read deeper once: the passages below the
    # cut-off are the completion's lexical scores (an FTS query restricted to given rowids is
    # far slower)
    dense_hits = prefetch_dense(index, q, depth, allowed, translations=True)
    lexical = lexical_search(index.reader, q, max(depth, s.complete_lex_depth), allowed, s)
    dense = dense_hits()
    if not _relevant(index, dense, bool(lexical), s, allowed is not None):
        return []
    lexical, lexical_more = lexical[:depth], lexical[depth:]
    dense, lexical = complete(index, q, dense, lexical, lexical_more)
    scored = fuse(dense, lexical, s, floors=(s.dense_floor, 0.0))
    return rerank_head(index.reader, scored, q, s)


def _relevant(
    index: Index,
    dense: list[tuple[int, float]],
    matched: bool,
    s: SearchSettings,
    filtered: bool = False,
) -> bool:
    """Whether anything in the index is about the query at all (the floors in SearchSettings).
    Within filters the user chose, a lexical match is enough: a few passages about one country
    may all be far from the query's meaning and still be what there is."""
    if not getattr(index.embedder, "semantic", True):
        return True
    best = dense[0][1] if dense else 0.0
    if matched:
        return filtered or best >= s.relevance_floor
    return best >= s.relevance_floor_unmatched


def hits_for_passages(index: Index, passage_ids: Sequence[int]) -> list[Hit]:
    """Hits for given passages, in the given order (score 0): for listings such as
    ``wbpolicy entities ID``."""
    return index.reader.hits([(int(p), 0.0) for p in passage_ids], len(passage_ids))


__all__ = ["MODES", "SearchResult", "hits_for_passages", "search"]
