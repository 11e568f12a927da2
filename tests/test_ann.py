"""The approximate vector indexes (IVF lists and the HNSW graph): recall against exact search,
filters applied before ranking, the kind chosen by size, saved and restored with its parameters,
recorded in the manifest."""

from __future__ import annotations

import json
from dataclasses import replace

import faiss
import numpy as np
import pytest

from tiny_index import build_tiny_index
from wbpolicy.index import Index
from wbpolicy.index.vectors import (
    BruteForceIndex,
    VectorIndex,
    build_faiss,
    choose_kind,
    ivf_lists,
    params_path,
)
from wbpolicy.settings import Settings, VectorSettings

DIM = 32
# a low threshold so a few thousand vectors get an approximate index, small enough to build in
# a blink: a graph, or 27 lists of which a query scans 20 (these clumps are loose: the lists
# cut through them)
SMALL = VectorSettings(
    ann_threshold=1_000,
    ann_kind="hnsw",
    hnsw_m=16,
    hnsw_ef_construction=40,
    hnsw_ef_search=64,
    exact_filter_max=200,
    ivf_lists_per_sqrt=0.5,
    ivf_nprobe=20,
    ivf_filter_nprobe_max=20,
)


def clustered(n: int, seed: int, centres: int = 40, spread: float = 0.35) -> np.ndarray:
    """Unit vectors in clumps around random centres, like passages around topics."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, DIM)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    x = c[rng.integers(0, centres, n)] + spread * rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module", params=["hnsw", "ivf"])
def data(request):
    vecs = clustered(3_000, 1)
    ids = np.arange(3_000, dtype=np.int64) * 7 + 11  # sparse ids, like passages.id
    ann = build_faiss(DIM, ids, vecs, replace(SMALL, ann_kind=request.param))
    assert ann.kind == request.param
    return ids, vecs, ann, BruteForceIndex(DIM).build(ids, vecs)


def test_recall_against_exact(data):
    ids, vecs, ann, exact = data
    queries = clustered(60, 2)
    recalls = []
    for q in queries:
        want = {i for i, _ in exact.search(q, 10)}
        got = ann.search(q, 10)
        assert len(got) == 10
        recalls.append(len(want & {i for i, _ in got}) / 10)
        scores = [s for _, s in got]
        assert scores == sorted(scores, reverse=True)
    assert np.mean(recalls) >= 0.95


def far_ids(ids: np.ndarray, vecs: np.ndarray, q: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` vectors least like ``q``: nowhere near where the graph walk starts looking."""
    return ids[np.argsort(vecs @ q)[:n]]


@pytest.mark.parametrize("n_allowed", [15, 60, 200])
def test_tight_filter_far_from_query_is_exact(data, n_allowed):
    ids, vecs, ann, exact = data
    q = clustered(1, 3)[0]
    allowed = far_ids(ids, vecs, q, n_allowed)
    got = ann.search(q, 10, allowed_ids=allowed)
    assert len(got) == 10
    assert {i for i, _ in got} <= set(allowed.tolist())
    want = exact.search(q, 10, allowed_ids=allowed)
    assert [i for i, _ in got] == [i for i, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)
    # fewer allowed than asked for: all of them, best first; unknown ids are ignored
    few = np.concatenate([allowed[:4], [10**9, -5]])
    assert sorted(i for i, _ in ann.search(q, 10, allowed_ids=few)) == sorted(allowed[:4])
    assert ann.search(q, 10, allowed_ids=np.array([], dtype=np.int64)) == []


def test_broad_filter_searches_within_the_filter(data):
    ids, vecs, ann, exact = data
    assert len(ann.search(vecs[0], 10, allowed_ids=ids[:1_500])) == 10
    recalls = []
    for seed in range(10):
        q = clustered(1, 10 + seed)[0]
        # more than exact_filter_max ids: a graph walk / a list scan with an IDSelector
        allowed = np.random.default_rng(seed).choice(ids, 600, replace=False)
        assert len(allowed) > SMALL.exact_filter_max
        got = ann.search(q, 10, allowed_ids=allowed)
        assert len(got) == 10 and {i for i, _ in got} <= set(allowed.tolist())
        want = {i for i, _ in exact.search(q, 10, allowed_ids=allowed)}
        recalls.append(len(want & {i for i, _ in got}) / 10)
    assert np.mean(recalls) >= 0.9
    # the worst case: only the vectors least like the query are allowed; still k allowed
    # hits, never a disallowed one
    q = clustered(1, 4)[0]
    allowed = far_ids(ids, vecs, q, 1_500)
    got = ann.search(q, 10, allowed_ids=allowed)
    assert len(got) == 10 and {i for i, _ in got} <= set(allowed.tolist())


def test_walk_that_runs_short_falls_back_to_a_scan(data, monkeypatch):
    ids, vecs, ann, exact = data
    scans = []
    scan = VectorIndex._exact_subset
    monkeypatch.setattr(
        VectorIndex, "_exact_subset", lambda self, *a: scans.append(1) or scan(self, *a)
    )
    q = clustered(1, 5)[0]
    allowed = far_ids(ids, vecs, q, 250)  # above exact_filter_max: the index goes first ...
    got = ann.search(q, 300, allowed_ids=allowed)
    assert scans == [1]  # ... finds fewer than all 250, and the scan completes it
    assert [i for i, _ in got] == [i for i, _ in exact.search(q, 300, allowed_ids=allowed)]


def test_k_above_ef_search_still_gives_k(data):
    ids, vecs, ann, _ = data
    got = ann.search(vecs[0], 150)  # efSearch is 64 (HNSW): the search widens to k
    assert len(got) == 150 and len({i for i, _ in got}) == 150
    assert got[0][0] == ids[0]


def test_save_load_keeps_kind_and_parameters(tmp_path, data):
    ids, vecs, ann, _ = data
    path = tmp_path / "vectors.faiss"
    ann.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "vectors.faiss",
        "vectors.faiss.params.json",
    ]
    loaded = VectorIndex.load(path)
    assert loaded.kind == ann.kind
    assert loaded.describe() == ann.describe()
    inner = faiss.downcast_index(loaded._index.index)
    if ann.kind == "hnsw":
        assert loaded.describe()["ef_search"] == 64 and loaded.describe()["m"] == 16
        # FAISS itself does not keep efSearch: the sidecar restored it
        assert inner.hnsw.efSearch == 64
    else:
        assert loaded.describe()["nprobe"] == 20 and loaded.describe()["nlist"] == 27
        assert ann.describe()["trained_on"] == 27 * 40  # a sample of 40 vectors a list
        assert inner.nprobe == 20
    assert len(loaded) == len(ids) and loaded.ids().tolist() == ids.tolist()
    for q in clustered(5, 5):
        assert loaded.search(q, 10) == ann.search(q, 10)
        allowed = ids[::40]
        assert loaded.search(q, 5, allowed) == ann.search(q, 5, allowed)
    # saving a flat index over it drops the stale sidecar
    VectorIndex(DIM).build(ids, vecs).save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"]
    assert VectorIndex.load(path).describe() == {"kind": "flat", "metric": "inner_product"}


def test_auto_kind_by_threshold():
    s = VectorSettings(ann_threshold=100)
    assert choose_kind(99, s) == "flat"
    assert choose_kind(100, s) == "ivf"  # the default approximate kind
    assert choose_kind(100, replace(s, ann_kind="hnsw")) == "hnsw"
    assert choose_kind(10**7, VectorSettings(kind="flat", ann_threshold=100)) == "flat"
    assert choose_kind(5, VectorSettings(kind="hnsw")) == "hnsw"
    with pytest.raises(ValueError):
        choose_kind(5, VectorSettings(kind="annoy"))
    with pytest.raises(ValueError):
        choose_kind(500, replace(s, ann_kind="annoy"))
    vecs = clustered(120, 6)
    assert build_faiss(DIM, np.arange(99), vecs[:99], s).kind == "flat"
    built = build_faiss(DIM, np.arange(120), vecs, s)
    # 120 vectors leave 40 training vectors for each of 3 lists
    assert built.kind == "ivf" and len(built) == 120 and built.nlist == 3
    assert build_faiss(DIM, np.arange(120), vecs, replace(s, ann_kind="hnsw")).kind == "hnsw"


def test_ivf_build_is_deterministic_and_rebuilt_for_new_vectors():
    s = replace(SMALL, ann_kind="ivf")
    vecs = clustered(2_000, 8)
    ids = np.arange(2_000, dtype=np.int64)
    a, b = build_faiss(DIM, ids, vecs, s), build_faiss(DIM, ids, vecs, s)
    for q in clustered(5, 9):
        assert a.search(q, 10) == b.search(q, 10)
    # building again with more vectors retrains: more lists, every vector findable
    a.build(np.arange(3_000, dtype=np.int64), clustered(3_000, 10))
    assert len(a) == 3_000 and a.nlist == ivf_lists(3_000, s) > ivf_lists(2_000, s)
    assert a.search(clustered(3_000, 10)[2_999], 1)[0][0] == 2_999


def test_manifest_records_the_kind(tmp_path):
    index = build_tiny_index(tmp_path / "idx")
    flat_hits = index.search("cyber threats to citizens", mode="dense").hits
    assert index.manifest["vector_index"] == {"kind": "flat", "metric": "inner_product"}
    index.close()
    settings = Settings(
        index_dir=tmp_path / "idx", model="hash:64", vectors=VectorSettings(kind="hnsw")
    )
    with Index.open(settings, readonly=False) as index:
        index.rebuild_vectors()
    manifest = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
    assert manifest["vector_index"]["kind"] == "hnsw"
    assert manifest["vector_index"]["ef_search"] == VectorSettings().hnsw_ef_search
    assert params_path(settings.faiss_path).is_file()
    # the IVF kind, built by auto above a (low) threshold, is recorded with its lists
    ivf = settings.with_(vectors=VectorSettings(ann_threshold=10, ivf_train_per_list=2))
    with Index.open(ivf, readonly=False) as index:
        index.rebuild_vectors()
        assert index.vectors.kind == "ivf"
    manifest = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
    assert manifest["vector_index"]["kind"] == "ivf"
    assert manifest["vector_index"]["nprobe"] == VectorSettings().ivf_nprobe
    with Index.open(Settings(index_dir=tmp_path / "idx", model="hash:64")) as index:
        assert index.vectors.kind == "ivf"
        ivf_hits = index.search("cyber threats to citizens", mode="dense").hits
        # a tiny index: nprobe covers every list, so the ranking is exact
        assert [h.passage_id for h in ivf_hits] == [h.passage_id for h in flat_hits]
    with Index.open(settings, readonly=False) as index:  # back to the graph
        index.rebuild_vectors()
    # a later read-only open (default settings) loads the saved graph, not a rebuilt flat index
    with Index.open(Settings(index_dir=tmp_path / "idx", model="hash:64")) as index:
        assert index.vectors.kind == "hnsw"
        hits = index.search("cyber threats to citizens", mode="dense").hits
        assert [h.passage_id for h in hits] == [h.passage_id for h in flat_hits]


def test_one_query_runs_on_one_thread_and_restores_the_setting(data):
    ids, vecs, ann, _ = data
    before = faiss.omp_get_max_threads()
    flat = VectorIndex(DIM).build(ids, vecs)
    got = flat.search(vecs[3], 10)
    assert faiss.omp_get_max_threads() == before
    flat.search_threads = 0  # FAISS's own threading: the same answer
    assert flat.search(vecs[3], 10) == got
    assert ann.search(vecs[3], 10)[0][0] == got[0][0] == ids[3]
