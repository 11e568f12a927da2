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
    index: Index, query: Query, k: int, allowed: set[int] | None
) -> list[tuple[int, float]]:
    import numpy as np

    vec = query_vector(index, query.dense_text or query.text)
    allowed_arr = None
    if allowed is not None:
        allowed_arr = np.fromiter(sorted(allowed), dtype="int64", count=len(allowed))
    res = index.vectors.search(vec, k, allowed_arr)
    return [(int(pid), float(score)) for pid, score in res]
