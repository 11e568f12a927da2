"""The Milvus vector backend against Milvus Lite (embedded, a local file): the same hits as FAISS,
filters before ranking, the backend recorded in the manifest, incremental sync, removal, the
index check and rebuild, and one-line errors for a server that cannot be reached or a Lite file
that is held or damaged."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tiny_index import build_tiny_index

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from wbpolicy.cli import main  # noqa: E402
from wbpolicy.errors import WbpolicyError  # noqa: E402
from wbpolicy.index import Index  # noqa: E402
from wbpolicy.index.milvus import (  # noqa: E402
    COLLECTION,
    PROP_GENERATION,
    MilvusSettings,
    MilvusVectors,
    connect,
    sync_collection,
)
from wbpolicy.index.vectors import VectorIndex  # noqa: E402
from wbpolicy.settings import Settings  # noqa: E402

SYNC = re.compile(r"(\d+) inserted, (\d+) deleted, (\d+) kept")
QUERIES = ["national CERT incident response", "Montenegro critical infrastructure"]


def _write_docs(root: Path) -> Path:
    src = root / "docs"
    src.mkdir()
    (src / "alpha-strategy.md").write_text(
        "# 1 Introduction\n\nThe Alpha strategy of Montenegro sets up a national CERT for "
        "incident response.\n\n# 2 Partnership\n\nGovernment and industry of Montenegro sign a "
        "public-private partnership on cyber security exercises every year.\n\n# 3 Threats\n\n"
        "Montenegro protects critical infrastructure from cyber threats to its citizens.\n",
        encoding="utf-8",
    )
    (src / "beta-law.txt").write_text(
        "LAW ON INFORMATION SECURITY OF SERBIA\n\nArticle 1\n\nThis law regulates the protection "
        "of networks and information systems of operators of essential services in Serbia.\n\n"
        "Article 2\n\nThe national CERT of Serbia handles incidents reported by operators.\n",
        encoding="utf-8",
    )
    return src


def _gamma(src: Path) -> Path:
    path = src / "gamma-report.txt"
    path.write_text(
        "REGIONAL REPORT ON ALBANIA\n\nSummary\n\nAlbania set up a national CERT and a "
        "cybersecurity strategy with public-private partnership.\n",
        encoding="utf-8",
    )
    return path


def _run(*args: str, ok: bool = True):
    r = CliRunner().invoke(main, list(args))
    if ok:
        assert r.exit_code == 0, r.output
    return r


def _hits(base: list[str], query: str, *extra: str) -> list[tuple[str, str, float]]:
    r = _run(*base, "search", query, "--json", "-k", "10", *extra)
    return [(h["doc_id"], h["text"], h["score"]) for h in json.loads(r.stdout)["hits"]]


def _same(got: list[tuple[str, str, float]], want: list[tuple[str, str, float]]) -> None:
    assert [(d, t) for d, t, _ in got] == [(d, t) for d, t, _ in want]
    assert [s for *_, s in got] == pytest.approx([s for *_, s in want], abs=1e-4)


def _syncs(caplog: pytest.LogCaptureFixture) -> list[tuple[int, int, int]]:
    out = []
    for rec in caplog.records:
        m = SYNC.search(rec.getMessage())
        if rec.name == "wbpolicy.index.milvus" and m:
            out.append((int(m[1]), int(m[2]), int(m[3])))
    return out


@pytest.fixture()
def milvus_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="wbpolicy.index.milvus")
    return caplog


def test_cli_milvus_backend_gives_the_faiss_hits_and_is_recorded(tmp_path: Path, milvus_log):
    src = _write_docs(tmp_path)
    mil = ["--index", str(tmp_path / "mil"), "--model", "hash:64"]
    fai = ["--index", str(tmp_path / "fai"), "--model", "hash:64"]
    _run(*mil, "--backend", "milvus", "ingest", "-q", str(src))
    _run(*fai, "ingest", "-q", str(src))
    assert (tmp_path / "mil" / "milvus.db").is_dir()
    assert not (tmp_path / "mil" / "vectors.faiss").exists()
    manifest = json.loads((tmp_path / "mil" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"] == {
        "name": "milvus",
        "uri": str(tmp_path / "mil" / "milvus.db"),
        "collection": COLLECTION,
    }
    assert manifest["vector_index"]["index_type"] == "FLAT"
    assert manifest["counts"]["vectors"] == manifest["counts"]["passages"] > 0
    info = json.loads(_run(*mil, "index", "info", "--json").stdout)
    assert info["backend"]["name"] == "milvus"
    milvus_log.clear()
    # later commands find the backend in the manifest: no --backend
    for query in QUERIES:
        for mode in ("dense", "hybrid"):
            _same(_hits(mil, query, "--mode", mode), _hits(fai, query, "--mode", mode))
    # filters apply before ranking: the Serbian law's passages only, all of them
    for extra in (["--country", "RS"], ["--doc", "beta-law"]):
        got = _hits(mil, "Montenegro partnership", "--mode", "dense", *extra)
        assert got and {d for d, *_ in got} == {"beta-law"}
        _same(got, _hits(fai, "Montenegro partnership", "--mode", "dense", *extra))
    # every search above went through the collection, none through a fallback
    assert not [r for r in milvus_log.records if "in-memory copy" in r.getMessage()]


def test_library_search_matches_faiss_with_every_filter_strategy(tmp_path: Path, milvus_log):
    build_tiny_index(tmp_path).close()  # FAISS-backed: the reference
    faiss_index = Index.open(Settings(index_dir=tmp_path, model="hash:64"))
    ref = faiss_index.vectors
    assert isinstance(ref, VectorIndex)
    with Index.open(
        Settings(index_dir=tmp_path, model="hash:64", backend="milvus"), readonly=False
    ) as writable:
        assert writable.rebuild_vectors() == len(ref)
        vecs = writable.vectors
        assert isinstance(vecs, MilvusVectors)
        assert vecs.last_sync is not None and vecs.last_sync.inserted == len(ref)
    reader = Index.open(Settings(index_dir=tmp_path, model="hash:64", backend="milvus"))
    mv = reader.vectors
    assert isinstance(mv, MilvusVectors)
    assert len(mv) == len(ref) and mv.ids().tolist() == sorted(ref.ids().tolist())
    assert mv.describe()["kind"] == "flat" and mv.describe()["metric"] == "inner_product"
    ids, mat = reader.stored_vectors()
    # a list of 3 ids per expression: 8 allowed is cut into slices, 18 allowed searches
    # `id not in` the other two, 3 allowed is one `id in` list
    tight = MilvusVectors(mv.client, mv.uri, mv.dim, mv._universe, MilvusSettings(id_filter_max=3))
    subsets = [None, ids[::7], ids[::2][:8], ids[2:], ids[[1, 5]], np.array([], np.int64)]
    for q in mat[::3]:
        for allowed in subsets:
            for vectors in (mv, tight):
                got = vectors.search(q, 5, allowed)
                want = ref.search(q, 5, allowed)
                assert [i for i, _ in got] == [i for i, _ in want] or _tied(got, want)
                assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)
                if allowed is not None:
                    assert {i for i, _ in got} <= set(allowed.tolist())
                    assert len(got) == min(5, len(allowed))
    # the search path uses the collection (no fallback) and ranks like FAISS
    hit = reader.search("Montenegro critical infrastructure", top_k=3, mode="dense").hits
    want_hits = faiss_index.search("Montenegro critical infrastructure", top_k=3, mode="dense")
    assert [h.passage_id for h in hit] == [h.passage_id for h in want_hits.hits]
    assert not [r for r in milvus_log.records if "in-memory copy" in r.getMessage()]


def _tied(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> bool:
    """Equal scores may come in another order (the tiny index holds one text twice)."""
    return sorted(round(s, 5) for _, s in got) == sorted(round(s, 5) for _, s in want)


def test_incremental_sync_removal_and_metadata(tmp_path: Path, milvus_log):
    src = _write_docs(tmp_path)
    idx = tmp_path / "idx"
    base = ["--index", str(idx), "--model", "hash:64"]
    _run(*base, "--backend", "milvus", "ingest", "-q", str(src))
    with Index.open(Settings(index_dir=idx, model="hash:64")) as index:
        first = index.count("embeddings")
        beta = len(index.reader.allowed_ids(_doc_filter("beta-law")) or ())
        alpha = len(index.reader.allowed_ids(_doc_filter("alpha-strategy")) or ())
    assert _syncs(milvus_log) == [(first, 0, 0)]

    milvus_log.clear()
    connect(str(idx / "milvus.db")).release_collection(COLLECTION)  # as a new process finds it
    _gamma(src)
    _run(*base, "ingest", "-q", str(src))  # the manifest says milvus
    with Index.open(Settings(index_dir=idx, model="hash:64")) as index:
        grown = index.count("embeddings")
        assert isinstance(index.vectors, MilvusVectors) and len(index.vectors) == grown
    assert grown > first
    assert _syncs(milvus_log) == [(grown - first, 0, first)]  # the new file only

    milvus_log.clear()
    _run(*base, "remove", "beta-law")
    assert _syncs(milvus_log) == [(0, beta, grown - beta)]
    assert _hits(base, "information security", "--doc", "beta-law") == []

    # a metadata edit rewrites the edited document's rows only, and Milvus can filter on them
    milvus_log.clear()
    _run(*base, "docs", "set", "alpha-strategy", "--country", "XK")
    assert _syncs(milvus_log) == [(alpha, alpha, grown - beta - alpha)]
    with Index.open(Settings(index_dir=idx, model="hash:64")) as index:
        vecs = index.vectors
        assert isinstance(vecs, MilvusVectors)
        rows = vecs.client.query(COLLECTION, filter='country == "XK"', output_fields=["doc_id"])
        assert {r["doc_id"] for r in rows} == {"alpha-strategy"} and len(rows) == alpha
        rows = vecs.client.query(COLLECTION, filter="year >= 0", output_fields=["id"])
        assert sorted(r["id"] for r in rows) == vecs.ids().tolist()
        assert len(rows) == index.count("embeddings")


def _doc_filter(doc_id: str):
    from wbpolicy.models import Filters

    return Filters(doc_ids=(doc_id,))


def test_index_check_rebuild_and_read_only_fallback(tmp_path: Path, milvus_log):
    src = _write_docs(tmp_path)
    idx = tmp_path / "idx"
    base = ["--index", str(idx), "--model", "hash:64"]
    _run(*base, "--backend", "milvus", "ingest", "-q", str(src))
    report = json.loads(_run(*base, "index", "check", "--json").stdout)
    assert report["healthy"] and "milvus" in report["checked"]
    assert report["milvus_vectors"] == report["counts"]["vectors"]

    client = connect(str(idx / "milvus.db"))
    client.delete(COLLECTION, ids=[1])
    r = _run(*base, "index", "check", "--json", ok=False)
    assert r.exit_code == 1
    codes = {p["code"] for p in json.loads(r.stdout)["problems"]}
    assert codes == {"milvus-count"}

    milvus_log.clear()
    _run(*base, "index", "rebuild")
    n = report["counts"]["vectors"]
    assert _syncs(milvus_log) == [(1, 0, n - 1)]  # the missing row, nothing else
    assert json.loads(_run(*base, "index", "check", "--json").stdout)["healthy"]

    # a collection of another generation: a read-only open writes nothing and searches an exact
    # copy from SQLite; the check says so
    client.alter_collection_properties(COLLECTION, properties={PROP_GENERATION: "999"})
    milvus_log.clear()
    with Index.open(Settings(index_dir=idx, model="hash:64")) as index:
        assert isinstance(index.vectors, VectorIndex) and len(index.vectors) == n
    assert any("in-memory copy" in r.getMessage() for r in milvus_log.records)
    assert _syncs(milvus_log) == []
    r = _run(*base, "index", "check", "--json", ok=False)
    assert {p["code"] for p in json.loads(r.stdout)["problems"]} == {"milvus-stale"}
    _run(*base, "index", "rebuild")
    assert json.loads(_run(*base, "index", "check", "--json").stdout)["healthy"]


def test_unreachable_server_held_or_damaged_lite_file_are_one_line_errors(tmp_path: Path):
    src = _write_docs(tmp_path)
    idx = tmp_path / "idx"
    base = ["--index", str(idx), "--model", "hash:64"]
    _run(*base, "ingest", "-q", str(src))  # FAISS: this process never opens the Lite file
    down = ["--backend", "milvus", "--milvus-uri", "http://127.0.0.1:1"]
    for cmd in (["search", "national CERT"], ["index", "rebuild"]):
        r = _run(*base, *down, *cmd, ok=False)
        assert r.exit_code == 1, r.output
        assert r.stderr.startswith("Error: cannot reach the Milvus server at http://127.0.0.1:1")
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output

    damaged = tmp_path / "damaged.db"
    damaged.write_text("not a Milvus Lite directory", encoding="utf-8")
    r = _run(
        *base, "--backend", "milvus", "--milvus-uri", str(damaged), "index", "rebuild", ok=False
    )
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1, r.output
    assert "cannot be opened" in r.stderr
    r = _run(*base, "--backend", "milvus", "--milvus-uri", str(damaged), "index", "check", ok=False)
    assert r.exit_code == 1 and "milvus-unreadable: the Milvus Lite file" in r.stdout, r.output
    # a read-only search answers from SQLite, and says why
    hits = _hits([*base, "--backend", "milvus", "--milvus-uri", str(damaged)], "national CERT")
    assert hits and hits[0][0] in {"alpha-strategy", "beta-law"}

    # another process holds the Lite file: writes refuse in one line, searches still answer
    lite = idx / "milvus.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from pymilvus import MilvusClient
                MilvusClient({str(lite)!r})
                print("ready", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        r = _run(*base, "--backend", "milvus", "index", "rebuild", ok=False)
        assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1, r.output
        assert "in use by another process" in r.stderr
        hits = _hits([*base, "--backend", "milvus"], "national CERT")
        assert hits and hits[0][0] in {"alpha-strategy", "beta-law"}
    finally:
        holder.communicate("", timeout=30)


def test_full_text_bm25_is_opt_in_and_filters_before_ranking(tmp_path: Path):
    build_tiny_index(tmp_path).close()
    uri = str(tmp_path / "fulltext.db")
    with Index.open(Settings(index_dir=tmp_path, model="hash:64")) as index:
        n = index.count("embeddings")
        law = sorted(index.reader.allowed_ids(_doc_filter("law-rs")) or ())
        first = sync_collection(index, uri, MilvusSettings(full_text=True))
        again = sync_collection(index, uri, MilvusSettings(full_text=True))
    assert (first.inserted, again.inserted, again.kept) == (n, 0, n)
    reader = Index.open(
        Settings(index_dir=tmp_path, model="hash:64", backend="milvus", milvus_uri=uri)
    )
    vecs = reader.vectors
    assert isinstance(vecs, MilvusVectors) and vecs.full_text
    assert vecs.describe()["full_text"] == "BM25"
    top = reader.reader.hits(vecs.lexical_search("KOS-CERT regulator", 3), 3)
    assert "KOS-CERT" in top[0].text
    scored = vecs.lexical_search("cyber threats", 10)
    assert [s for _, s in scored] == sorted((s for _, s in scored), reverse=True)
    assert scored and all(s > 0 for _, s in scored)
    # the law's passages only, though the Montenegrin strategy says "cyber threats" more often
    inside = vecs.lexical_search("cyber threats", 3, np.array(law, dtype=np.int64))
    assert len(inside) == 3 and {i for i, _ in inside} <= set(law)
    # a collection built without text says so
    plain = tmp_path / "plain.db"
    with Index.open(Settings(index_dir=tmp_path, model="hash:64")) as index:
        sync_collection(index, str(plain))
    other = Index.open(
        Settings(index_dir=tmp_path, model="hash:64", backend="milvus", milvus_uri=str(plain))
    ).vectors
    assert isinstance(other, MilvusVectors) and not other.full_text
    with pytest.raises(WbpolicyError, match="keeps no text"):
        other.lexical_search("cyber threats", 3)
