"""Dense retrieval: the query embedding against the FAISS index, filters applied before
ranking (the allowed ids are handed to FAISS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wbpolicy.query import Query

if TYPE_CHECKING:
    import numpy as np

    from wbpolicy.index import Index


def query_vector(index: Index, text: str) -> np.ndarray:
    """The query embedding; the index keeps the last one, so score completion (and ``ask``,
    which searches one question several times) embeds a text once."""
    import numpy as np

    cached = index.query_vectors.get(text)
    if cached is None:
        vec = index.embedder.embed([text], kind="query")
        cached = np.asarray(vec, dtype="float32").reshape(1, -1)[0]
        if len(index.query_vectors) > 64:
            index.query_vectors.clear()
        index.query_vectors[text] = cached
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
    texts = [query.dense_text or query.text]
    if translations:
        texts += list(query.dense_translations)
    best: dict[int, float] = {}
    for text in texts:
        for pid, score in index.vectors.search(query_vector(index, text), k, allowed_arr):
            best[int(pid)] = max(best.get(int(pid), -1.0), float(score))
    return sorted(best.items(), key=lambda x: (-x[1], x[0]))[:k]
