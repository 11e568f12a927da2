"""FAISS vector index against the numpy reference, filtering before ranking, atomic save."""

from __future__ import annotations

import numpy as np
import pytest

from wbpolicy.index.vectors import BruteForceIndex, VectorIndex


def unit_rows(n: int, dim: int, seed: int) -> np.ndarray:
    m = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


@pytest.fixture()
def data():
    vecs = unit_rows(300, 24, 1)
    ids = np.arange(300, dtype=np.int64) * 11 + 5  # sparse, non-contiguous ids like passages.id
    return ids, vecs


@pytest.mark.parametrize("k", [1, 7, 50])
def test_faiss_matches_brute_force(data, k):
    ids, vecs = data
    fi, bf = VectorIndex(24).build(ids, vecs), BruteForceIndex(24).build(ids, vecs)
    for q in unit_rows(10, 24, 2):
        got, want = fi.search(q, k), bf.search(q, k)
        assert [i for i, _ in got] == [i for i, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_allowed_ids_filter_before_ranking(data):
    ids, vecs = data
    fi, bf = VectorIndex(24).build(ids, vecs), BruteForceIndex(24).build(ids, vecs)
    allowed = ids[::17]  # 18 ids, mostly not among the global top hits
    q = unit_rows(1, 24, 3)[0]
    got = fi.search(q, 10, allowed_ids=allowed)
    assert len(got) == 10
    assert {i for i, _ in got} <= set(allowed.tolist())
    want = bf.search(q, 10, allowed_ids=allowed)
    assert [i for i, _ in got] == [i for i, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)
    # asking for more than exist returns all allowed ones, best first
    all_allowed = fi.search(q, 100, allowed_ids=allowed)
    assert sorted(i for i, _ in all_allowed) == sorted(allowed.tolist())
    scores = [s for _, s in all_allowed]
    assert scores == sorted(scores, reverse=True)
    assert fi.search(q, 5, allowed_ids=np.array([], dtype=np.int64)) == []
    # an exact match is found through the filter
    assert fi.search(vecs[17], 1, allowed_ids=ids[[3, 17]])[0][0] == ids[17]


def test_save_load_roundtrip_and_empty(tmp_path, data):
    ids, vecs = data
    path = tmp_path / "v.faiss"
    VectorIndex(24).build(ids, vecs).save(path)
    loaded = VectorIndex.load(path)
    assert len(loaded) == 300 and loaded.dim == 24
    assert loaded.ids().tolist() == ids.tolist()
    assert loaded.search(vecs[4], 1)[0][0] == ids[4]
    assert [p.name for p in tmp_path.iterdir()] == ["v.faiss"]  # no temp file left behind
    empty = VectorIndex(24).build([], np.zeros((0, 24), np.float32))
    assert empty.search(vecs[0], 5) == []
    bf_path = tmp_path / "b.npz"
    BruteForceIndex(24).build(ids, vecs).save(bf_path)
    assert BruteForceIndex.load(bf_path).search(vecs[9], 1)[0][0] == ids[9]


def test_dimension_mismatch_is_an_error(data):
    ids, vecs = data
    with pytest.raises(ValueError):
        VectorIndex(8).build(ids, vecs)
