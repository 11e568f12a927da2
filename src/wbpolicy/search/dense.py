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

    from wbpolicy.index import Index


def dense_texts(query: Query, translations: bool) -> list[str]:
    """The texts a dense search embeds: the query, and with ``translations`` its renderings."""
    texts = [query.dense_text or query.text]
    if translations:
        texts += list(query.dense_translations)
    return list(dict.fromkeys(texts))


def prefetch_vectors(index: Index, texts: Sequence[str]) -> Callable[[], None]:
    """Start embedding the ``texts`` not cached yet on a worker thread (the model runs outside
    the GIL) while the caller does other work (hybrid search: the lexical query); the returned
    call waits and caches them, so ``query_vector`` finds them.  The vectors are those
    ``query_vector`` would compute, one text per call."""
    missing = [t for t in dict.fromkeys(texts) if t not in index.query_vectors]
    if not missing:
        return lambda: None
    embedder = index.embedder  # loaded here: a lazy load is not for two threads at once

    def embed_all() -> list[Any]:
        return [embedder.embed([t], kind="query") for t in missing]

    future = _pool().submit(embed_all)

    def finish() -> None:
        for text, vec in zip(missing, future.result(), strict=True):
            _remember(index, text, vec)

    return finish


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="wbpolicy-embed")


def _remember(index: Index, text: str, vec: Any) -> np.ndarray:
    import numpy as np

    cached = np.asarray(vec, dtype="float32").reshape(1, -1)[0]
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
    import numpy as np

    allowed_arr = None
    if allowed is not None:
        allowed_arr = np.fromiter(sorted(allowed), dtype="int64", count=len(allowed))
    texts = dense_texts(query, translations)
    best: dict[int, float] = {}
    for text in texts:
        for pid, score in index.vectors.search(query_vector(index, text), k, allowed_arr):
            best[int(pid)] = max(best.get(int(pid), -1.0), float(score))
    return sorted(best.items(), key=lambda x: (-x[1], x[0]))[:k]
