"""Dense retrieval: the query embedding against the FAISS index, filters applied before
ranking (the allowed ids are handed to FAISS)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from wbpolicy.query import Query

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from wbpolicy.index import Index, VectorStore


def dense_texts(query: Query, translations: bool) -> list[str]:
    """The texts a dense search embeds: the query, and with ``translations`` its renderings."""
    texts = [query.dense_text or query.text]
    if translations:
        texts += list(query.dense_translations)
    return list(dict.fromkeys(texts))


def prefetch_dense(
    index: Index,
    query: Query,
    k: int,
    allowed: set[int] | None,
    translations: bool = False,
) -> Callable[[], list[tuple[int, float]]]:
    """:func:`dense_search` on a worker thread while the caller does other work (hybrid search:
    the lexical queries); the model and FAISS run outside the GIL, so the two share the cores.
    The returned call waits for the hits (the same as :func:`dense_search`'s) and caches the
    query's vectors, for score completion and for ``ask``, which searches a question again."""
    texts = dense_texts(query, translations)
    # loaded here, not on the worker: a lazy load is not for two threads at once, and a
    # rebuild of the vector index reads the store through this thread's connection
    embedder = index.embedder
    store = index.vectors
    known = {t: index.query_vectors[t] for t in texts if t in index.query_vectors}

    def run() -> tuple[dict[str, np.ndarray], list[tuple[int, float]]]:
        vecs = {
            t: known[t] if t in known else _vector(embedder.embed([t], kind="query")) for t in texts
        }
        return vecs, _nearest(store, list(vecs.values()), k, allowed)

    future = _pool().submit(run)

    def finish() -> list[tuple[int, float]]:
        vecs, hits = future.result()
        for text, vec in vecs.items():
            if text not in known:
                _remember(index, text, vec)
        return hits

    return finish


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="wbpolicy-embed")


def _vector(vec: Any) -> np.ndarray:
    import numpy as np

    return np.asarray(vec, dtype="float32").reshape(1, -1)[0]


def _remember(index: Index, text: str, vec: Any) -> np.ndarray:
    cached = _vector(vec)
    if len(index.query_vectors) > 64:
        index.query_vectors.clear()
    index.query_vectors[text] = cached
    return cached


def query_vector(index: Index, text: str) -> np.ndarray:
    """The query embedding; the index keeps the last one, so score completion (and ``ask``,
    which searches one question several times) embeds a text once."""
    cached = index.query_vectors.get(text)
    if cached is None:
        cached = _remember(index, text, index.embedder.embed([text], kind="query"))
    return cached


def dense_search(
    index: Index,
    query: Query,
    k: int,
    allowed: set[int] | None,
    translations: bool = False,
) -> list[tuple[int, float]]:
    """The ``k`` nearest passages.  With ``translations`` (hybrid search), the query's concepts
    written in the languages of the countries it names are embedded too and each passage keeps
    its best cosine: the English-only model then meets a Serbian or Albanian passage half-way."""
    vecs = [query_vector(index, t) for t in dense_texts(query, translations)]
    return _nearest(index.vectors, vecs, k, allowed)


def _nearest(
    store: VectorStore, vecs: Sequence[np.ndarray], k: int, allowed: set[int] | None
) -> list[tuple[int, float]]:
    """The ``k`` passages nearest to any of ``vecs`` (each keeping its best cosine), only
    ``allowed`` ones if given (handed to the vector index: filtered before ranking)."""
    import numpy as np

    allowed_arr = None
    if allowed is not None:
        allowed_arr = np.fromiter(sorted(allowed), dtype="int64", count=len(allowed))
    best: dict[int, float] = {}
    for vec in vecs:
        for pid, score in store.search(vec, k, allowed_arr):
            best[int(pid)] = max(best.get(int(pid), -1.0), float(score))
    return sorted(best.items(), key=lambda x: (-x[1], x[0]))[:k]
