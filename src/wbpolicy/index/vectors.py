"""Vector indexes over passage ids, inner product on L2-normalised float32 vectors (= cosine).

:class:`VectorIndex` wraps FAISS ``IndexIDMap2`` around one of three kinds: ``flat`` (an exact
scan, ``IndexFlatIP``), ``ivf`` (approximate: k-means lists, ``IndexIVFFlat``, a query scanning
its ``nprobe`` nearest lists) or ``hnsw`` (an approximate graph, ``IndexHNSWFlat``).
:func:`build_faiss` picks the kind from :class:`~wbpolicy.settings.VectorSettings`: exact below
``ann_threshold`` vectors, where a scan costs a few milliseconds, ``ann_kind`` at or above it.
:class:`BruteForceIndex` is the flat kind in numpy (the reference the tests compare against).

``allowed_ids`` restricts the search *before* ranking, so ``k`` hits come back whenever ``k``
allowed vectors exist.  The flat kind hands FAISS an ``IDSelector``.  The approximate kinds do
too for a broad filter (``SearchParametersHNSW`` / ``SearchParametersIVF``, their breadth widened
by what the filter excludes), but a graph walk or a few lists under a tight filter miss allowed
vectors, so a filter of at most ``exact_filter_max`` ids is answered by an exact scan of just
those vectors (read from the index's own storage).

FAISS does not save an HNSW index's ``efSearch`` nor an IVF index's ``nprobe``; they go into a
sidecar ``<file>.params.json`` written before the index file, so :meth:`VectorIndex.load`
restores the kind and its search parameters.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.fsutil import atomic_write, atomic_write_text

if TYPE_CHECKING:
    import numpy as np

    from wbpolicy.settings import VectorSettings

KINDS = ("flat", "ivf", "hnsw")
PARAMS_FORMAT = 1


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


def params_path(path: Path | str) -> Path:
    """The sidecar holding what the FAISS file does not (an HNSW index's search parameters)."""
    path = Path(path)
    return path.with_name(path.name + ".params.json")


def ivf_lists(n: int, settings: VectorSettings) -> int:
    """How many IVF lists for ``n`` vectors: ``ivf_lists_per_sqrt`` x sqrt(n), but no more than
    leave ``ivf_train_per_list`` training vectors a list (at least one list)."""
    import math

    want = int(round(settings.ivf_lists_per_sqrt * math.sqrt(max(n, 1))))
    return max(1, min(want, n // max(1, settings.ivf_train_per_list)))


class VectorIndex:
    """A FAISS index over passage ids: ``kind`` "flat" (exact), "ivf" or "hnsw" (approximate,
    with the parameters of ``settings``)."""

    def __init__(
        self, dim: int, kind: str = "flat", settings: VectorSettings | None = None
    ) -> None:
        import faiss

        from wbpolicy.settings import VectorSettings

        if kind not in KINDS:
            raise ValueError(f"unknown vector index kind {kind!r} (choose from {KINDS})")
        s = settings or VectorSettings()
        self.dim = dim
        self.kind = kind
        self.m = s.hnsw_m
        self.ef_construction = s.hnsw_ef_construction
        self.ef_search = s.hnsw_ef_search
        self.exact_filter_max = s.exact_filter_max
        self.filter_ef_max = s.hnsw_filter_ef_max
        self.search_threads = s.search_threads
        self.nlist = 1
        self.nprobe = s.ivf_nprobe
        self.filter_nprobe_max = s.ivf_filter_nprobe_max
        self.train_per_list = s.ivf_train_per_list
        self.trained_on = 0
        self._settings = s
        self._index: Any = faiss.IndexIDMap2(self._inner(faiss))
        self._order: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _inner(self, faiss: Any) -> Any:
        if self.kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        if self.kind == "ivf":
            quantizer = faiss.IndexFlatIP(self.dim)
            inner = faiss.IndexIVFFlat(quantizer, self.dim, self.nlist, faiss.METRIC_INNER_PRODUCT)
            inner.nprobe = self.nprobe
            inner.own_fields = True
            quantizer.this.disown()  # the IVF index frees its quantizer
            return inner
        inner = faiss.IndexHNSWFlat(self.dim, self.m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = self.ef_construction
        inner.hnsw.efSearch = self.ef_search
        return inner

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def build(self, ids: object, vecs: object) -> VectorIndex:
        """Replace the contents with ``vecs`` under ``ids``."""
        import faiss

        ids_ = _as_ids(ids)
        mat = _as_matrix(vecs, self.dim) if len(ids_) else None
        if mat is not None and len(mat) != len(ids_):
            raise ValueError("ids and vectors differ in length")
        if self.kind == "flat":
            self._index.reset()
        else:  # an HNSW graph cannot be emptied, IVF lists are trained for the new vectors
            if self.kind == "ivf":
                self.nlist = ivf_lists(len(ids_), self._settings)
            self._index = faiss.IndexIDMap2(self._inner(faiss))
        self._order = None
        if mat is not None:
            if self.kind == "ivf":
                self._train(mat)
            self._index.add_with_ids(mat, ids_)
        if self.kind == "ivf":
            ivf: Any = faiss.downcast_index(self._index.index)
            ivf.make_direct_map()
        return self

    def _train(self, mat: np.ndarray) -> None:
        """k-means for the IVF lists on a seeded sample of ``nlist x train_per_list`` vectors."""
        import numpy as np

        n = min(len(mat), self.nlist * self.train_per_list)
        rng = np.random.default_rng(self._settings.ivf_seed)
        sample = mat if n == len(mat) else mat[np.sort(rng.choice(len(mat), n, replace=False))]
        import faiss

        inner: Any = faiss.downcast_index(self._index.index)
        inner.cp.seed = self._settings.ivf_seed
        inner.train(np.ascontiguousarray(sample))
        self.trained_on = int(n)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype("int64")

    def search(
        self, query_vec: object, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        import faiss

        q = _as_matrix(query_vec, self.dim)
        n = len(self)
        allowed = None
        if allowed_ids is not None:
            allowed = _as_ids(allowed_ids)
            n = min(n, len(allowed))
        k = min(k, n)
        if k <= 0:
            return []
        approximate = self.kind != "flat"
        if approximate and allowed is not None and len(allowed) <= self.exact_filter_max:
            return self._exact_subset(q[0], k, allowed)
        params: Any = None
        keep: Any = None  # the selector's id array must outlive the search
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = self._ef(k, None if allowed is None else len(allowed))
        elif self.kind == "ivf":
            params = faiss.SearchParametersIVF()
            params.nprobe = self._nprobe(None if allowed is None else len(allowed))
        if allowed is not None:
            keep = allowed
            sel = faiss.IDSelectorBatch(allowed)
            if params is None:
                params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
            else:
                params.sel = sel
        with omp_threads(self.search_threads):
            scores, ids = self._index.search(q, k, params=params)
        del keep
        hits = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
        if len(hits) < k and approximate and allowed is not None:
            # the walk or the lists ran out before k allowed vectors: scanning them is slow, but
            # k hits whenever k allowed vectors exist is the contract
            return self._exact_subset(q[0], k, allowed)
        return hits

    def _ef(self, k: int, n_allowed: int | None) -> int:
        """The graph walk's breadth: ``ef_search`` (at least ``k``), widened for a filter in
        proportion to what it excludes (a walk that may keep one vector in ten must look at
        ten times as many), up to ``filter_ef_max``."""
        ef = max(self.ef_search, k)
        if n_allowed is None or n_allowed <= 0:
            return ef
        wide = int(ef * len(self) / n_allowed)
        return max(ef, min(wide, self.filter_ef_max))

    def _nprobe(self, n_allowed: int | None) -> int:
        """The lists an IVF query scans: ``nprobe``, widened for a filter in proportion to what
        it excludes, up to ``filter_nprobe_max`` (and the number of lists)."""
        probe = self.nprobe
        if n_allowed is not None and n_allowed > 0:
            probe = max(probe, min(int(probe * len(self) / n_allowed), self.filter_nprobe_max))
        return max(1, min(probe, self.nlist))

    def _exact_subset(self, q: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        """The exact top ``k`` among ``allowed``: their vectors scanned in place, ties in
        insertion order as in FAISS's flat scan."""
        import numpy as np

        ids, sorted_ids, order = self._id_order()
        if not len(sorted_ids):
            return []
        want = np.unique(allowed)
        at = np.searchsorted(sorted_ids, want).clip(0, len(sorted_ids) - 1)
        rows = np.sort(order[at[sorted_ids[at] == want]])
        if not len(rows):
            return []
        scores = self._vectors(rows) @ q
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(ids[rows[i]]), float(scores[i])) for i in top]

    def _id_order(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ids by internal position, the same sorted, and the positions in that order:
        copied out of FAISS once (8 MB at a million vectors, ~1 ms a copy) until a rebuild."""
        import numpy as np

        if self._order is None:
            ids = self._ids_view()
            order = np.argsort(ids, kind="stable")
            self._order = (ids, ids[order], order)
        return self._order

    def _ids_view(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self._index.id_map)

    def _vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors at internal positions ``rows``."""
        if self.kind == "ivf":  # scattered over the lists: the direct map finds them
            import faiss

            inner: Any = faiss.downcast_index(self._index.index)
            return inner.reconstruct_batch(rows.astype("int64"))
        return self._storage()[rows]

    def _storage(self) -> np.ndarray:
        """The stored vectors as an (n, dim) array over FAISS's own memory (no copy)."""
        import faiss

        inner: Any = faiss.downcast_index(self._index.index)
        flat: Any = faiss.downcast_index(inner.storage) if self.kind == "hnsw" else inner
        n = int(flat.ntotal)
        if n == 0:
            import numpy as np

            return np.zeros((0, self.dim), dtype=np.float32)
        return faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def describe(self) -> dict[str, Any]:
        """The kind and its parameters (recorded in the index manifest)."""
        if self.kind == "flat":
            return {"kind": "flat", "metric": "inner_product"}
        if self.kind == "ivf":
            return {
                "kind": "ivf",
                "metric": "inner_product",
                "nlist": self.nlist,
                "nprobe": self.nprobe,
                "trained_on": self.trained_on,
                "exact_filter_max": self.exact_filter_max,
                "filter_nprobe_max": self.filter_nprobe_max,
            }
        return {
            "kind": "hnsw",
            "metric": "inner_product",
            "m": self.m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "exact_filter_max": self.exact_filter_max,
            "filter_ef_max": self.filter_ef_max,
        }

    def save(self, path: Path | str) -> None:
        """Write the FAISS file, and for an approximate kind first its sidecar of search
        parameters (a stale sidecar beside a flat file is removed: the file's own kind wins on
        load anyway)."""
        import faiss

        path = Path(path)
        side = params_path(path)
        if self.kind != "flat":
            data = {"format": PARAMS_FORMAT, **self.describe()}
            atomic_write_text(side, json.dumps(data, indent=2) + "\n")
        elif side.exists():
            side.unlink()

        def write(tmp: Path) -> None:
            faiss.write_index(self._index, str(tmp))

        atomic_write(path, write)

    @classmethod
    def load(cls, path: Path | str) -> VectorIndex:
        """Read a saved index: its kind from the FAISS file, an approximate index's search
        parameters from the sidecar (the settings' defaults for what it lacks)."""
        import faiss

        from wbpolicy.settings import VectorSettings

        index: Any = faiss.read_index(str(path))
        inner: Any = faiss.downcast_index(index.index) if hasattr(index, "id_map") else None
        obj = cls.__new__(cls)
        s = VectorSettings()
        obj.dim = index.d
        if isinstance(inner, faiss.IndexHNSW):
            obj.kind = "hnsw"
        else:
            obj.kind = "ivf" if isinstance(inner, faiss.IndexIVF) else "flat"
        obj.m, obj.ef_construction = s.hnsw_m, s.hnsw_ef_construction
        obj.ef_search, obj.exact_filter_max = s.hnsw_ef_search, s.exact_filter_max
        obj.filter_ef_max = s.hnsw_filter_ef_max
        obj.search_threads = s.search_threads
        obj.nlist, obj.nprobe = 1, s.ivf_nprobe
        obj.filter_nprobe_max, obj.train_per_list = s.ivf_filter_nprobe_max, s.ivf_train_per_list
        obj.trained_on = 0
        obj._settings = s
        obj._index = index
        obj._order = None
        if obj.kind == "ivf":
            side = _read_params(params_path(path))
            obj.nlist = int(inner.nlist)
            obj.nprobe = int(side.get("nprobe", obj.nprobe))
            obj.trained_on = int(side.get("trained_on", 0))
            obj.exact_filter_max = int(side.get("exact_filter_max", obj.exact_filter_max))
            obj.filter_nprobe_max = int(side.get("filter_nprobe_max", obj.filter_nprobe_max))
            inner.nprobe = obj.nprobe
            if inner.direct_map.type == 0:  # a file written without one
                inner.make_direct_map()
        if obj.kind == "hnsw":
            obj.m = int(inner.hnsw.nb_neighbors(1))
            obj.ef_construction = int(inner.hnsw.efConstruction)
            side = _read_params(params_path(path))
            obj.ef_search = int(side.get("ef_search", obj.ef_search))
            obj.exact_filter_max = int(side.get("exact_filter_max", obj.exact_filter_max))
            obj.filter_ef_max = int(side.get("filter_ef_max", obj.filter_ef_max))
            inner.hnsw.efSearch = obj.ef_search
        return obj


@contextlib.contextmanager
def omp_threads(n: int) -> Iterator[None]:
    """Run FAISS with ``n`` OpenMP threads inside the block (0: leave it alone).  OpenMP keeps
    the setting per calling thread, so concurrent searches in other threads are unaffected."""
    if n <= 0:
        yield
        return
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _read_params(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def choose_kind(n: int, settings: VectorSettings) -> str:
    """``settings.kind``, with "auto" resolved by size: exact below ``ann_threshold``,
    ``ann_kind`` at or above it."""
    if settings.kind == "auto":
        if settings.ann_kind not in KINDS:
            raise ValueError(f"unknown vector index kind {settings.ann_kind!r}")
        return settings.ann_kind if n >= settings.ann_threshold else "flat"
    if settings.kind not in KINDS:
        raise ValueError(f"unknown vector index kind {settings.kind!r}")
    return settings.kind


def build_faiss(dim: int, ids: object, vecs: object, settings: VectorSettings) -> VectorIndex:
    """The FAISS index for these vectors under ``settings`` (see :func:`choose_kind`)."""
    n = len(_as_ids(ids))
    return VectorIndex(dim, choose_kind(n, settings), settings).build(ids, vecs)


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
