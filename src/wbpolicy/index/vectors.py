"""Vector indexes over passage ids: exact inner product on L2-normalised float32 vectors.

:class:`VectorIndex` wraps FAISS ``IndexIDMap2(IndexFlatIP)``; :class:`BruteForceIndex` is the
same thing in numpy (the reference the tests compare FAISS against).  ``allowed_ids`` restricts
the search *before* ranking, so ``k`` hits come back whenever ``k`` allowed vectors exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.fsutil import atomic_write

if TYPE_CHECKING:
    import numpy as np

    from wbpolicy.settings import VectorSettings


def _as_matrix(vecs: object, dim: int | None = None) -> np.ndarray:
    import numpy as np

    arr = np.ascontiguousarray(vecs, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"vector dimension {arr.shape[1]} != index dimension {dim}")
    return arr


def _as_ids(ids: object) -> np.ndarray:
    import numpy as np

    return np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)


class VectorIndex:
    def __init__(self, dim: int) -> None:
        import faiss

        self.dim = dim
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def build(self, ids: object, vecs: object) -> VectorIndex:
        """Replace the contents with ``vecs`` under ``ids``."""
        ids_ = _as_ids(ids)
        mat = _as_matrix(vecs, self.dim) if len(ids_) else None
        self._index.reset()
        if mat is not None:
            if len(mat) != len(ids_):
                raise ValueError("ids and vectors differ in length")
            self._index.add_with_ids(mat, ids_)
        return self

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype("int64")

    def search(
        self, query_vec: object, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        import faiss

        q = _as_matrix(query_vec, self.dim)
        n = len(self)
        if allowed_ids is not None:
            allowed = _as_ids(allowed_ids)
            n = min(n, len(allowed))
        k = min(k, n)
        if k <= 0:
            return []
        params = None
        if allowed_ids is not None:
            sel = faiss.IDSelectorBatch(allowed)
            params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        scores, ids = self._index.search(q, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def describe(self) -> dict[str, Any]:
        return {"kind": "flat", "metric": "inner_product"}

    def save(self, path: Path | str) -> None:
        import faiss

        path = Path(path)

        def write(tmp: Path) -> None:
            faiss.write_index(self._index, str(tmp))

        atomic_write(path, write)

    @classmethod
    def load(cls, path: Path | str) -> VectorIndex:
        import faiss

        index = faiss.read_index(str(path))
        obj = cls.__new__(cls)
        obj.dim = index.d
        obj._index = index
        return obj


def build_faiss(dim: int, ids: object, vecs: object, settings: VectorSettings) -> VectorIndex:
    """The FAISS index for these vectors under ``settings`` (exact for now)."""
    return VectorIndex(dim).build(ids, vecs)


class BruteForceIndex:
    """numpy exact search with the :class:`VectorIndex` API."""

    def __init__(self, dim: int) -> None:
        import numpy as np

        self.dim = dim
        self._ids = np.zeros(0, dtype=np.int64)
        self._vecs = np.zeros((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def build(self, ids: object, vecs: object) -> BruteForceIndex:
        import numpy as np

        self._ids = _as_ids(ids)
        self._vecs = (
            _as_matrix(vecs, self.dim) if len(self._ids) else np.zeros((0, self.dim), np.float32)
        )
        if len(self._vecs) != len(self._ids):
            raise ValueError("ids and vectors differ in length")
        return self

    def ids(self) -> np.ndarray:
        return self._ids.copy()

    def search(
        self, query_vec: object, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        import numpy as np

        q = _as_matrix(query_vec, self.dim)[0]
        ids, vecs = self._ids, self._vecs
        if allowed_ids is not None:
            mask = np.isin(ids, _as_ids(allowed_ids))
            ids, vecs = ids[mask], vecs[mask]
        k = min(k, len(ids))
        if k <= 0:
            return []
        scores = vecs @ q
        # stable: ties keep insertion order, like FAISS's flat scan
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def save(self, path: Path | str) -> None:
        import numpy as np

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, ids=self._ids, vecs=self._vecs)

        atomic_write(Path(path), write)

    @classmethod
    def load(cls, path: Path | str) -> BruteForceIndex:
        import numpy as np

        with np.load(path) as data:
            obj = cls(int(data["vecs"].shape[1]))
            obj.build(data["ids"], data["vecs"])
        return obj
