"""Ingest: incremental, atomic (exception and SIGKILL), problems reported, model mismatch
refused."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from wbpolicy.embed import HashEmbedder
from wbpolicy.errors import IndexMismatch, IndexNotFound, NotFound
from wbpolicy.index import Index
from wbpolicy.ingest import ingest, remove
from wbpolicy.settings import Settings

TOPICS = {
    "alpha": "Albania adopted a law on electronic communications. The national CERT was founded.",
    "beta": "Serbia drafted a strategy for information security. Awareness remains limited.",
    "gamma": "Montenegro trains police officers in digital forensics. Courts lack experts.",
}


def write_docs(folder: Path, topics: dict[str, str], suffix: str = ".txt") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, body in topics.items():
        path = folder / f"{name}{suffix}"
        path.write_text(
            f"{body}\n\nA second paragraph about {name} follows here.\n", encoding="utf-8"
        )
        out.append(path)
    return out


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "idx", model="hash:64")


def consistency(settings: Settings) -> dict[str, int]:
    """Open read-only and check SQLite and the vectors agree; return the counts."""
    with Index.open(settings) as index:
        conn = index.store.conn
        n_pass = index.count("passages")
        missing = conn.execute(
            "SELECT COUNT(*) FROM passages p LEFT JOIN embeddings e ON e.passage_id = p.id "
            "WHERE e.passage_id IS NULL"
        ).fetchone()[0]
        n_fts = conn.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0]
        fts_orphans = conn.execute(
            "SELECT COUNT(*) FROM passages_fts WHERE rowid NOT IN (SELECT id FROM passages)"
        ).fetchone()[0]
        assert missing == 0 and n_fts == n_pass and fts_orphans == 0
        vecs = index.vectors
        assert len(vecs) == n_pass
        ids = {r[0] for r in conn.execute("SELECT id FROM passages")}
        assert set(vecs.ids().tolist()) == ids
        return {"documents": index.count("documents"), "passages": n_pass}


def top_doc(settings: Settings, query: str) -> str:
    with Index.open(settings) as index:
        q = index.embedder.embed([query], "query")
        pid = index.vectors.search(q, 1)[0][0]
        return index.store.conn.execute(
            "SELECT d.doc_id FROM passages p JOIN documents d ON d.id = p.doc_pk WHERE p.id = ?",
            (pid,),
        ).fetchone()[0]


def test_ingest_then_unchanged_then_modified_then_removed(tmp_path, settings):
    with pytest.raises(IndexNotFound, match="wbpolicy ingest"):
        Index.open(settings)
    docs = write_docs(tmp_path / "corpus", TOPICS)
    events = []
    s1 = ingest([tmp_path / "corpus"], settings, progress=lambda *a: events.append(a))
    assert (s1.documents, s1.unchanged, s1.failed) == (3, 0, ())
    assert s1.pages == 3 and s1.passages >= 3
    assert events[0] == ("document", str(docs[0]), 0, 3) and events[-1][2:] == (3, 3)
    assert consistency(settings) == {"documents": 3, "passages": s1.passages}
    assert top_doc(settings, "Serbia strategy information security") == "beta"

    manifest = json.loads(settings.manifest_path.read_text())
    with Index.open(settings) as index:
        assert manifest["generation"] == index.store.generation
        assert manifest["model_id"] == "hash:64" and manifest["dimensions"] == 64
        assert manifest["chunking"]["max_tokens"] == settings.max_tokens
        assert manifest["counts"]["passages"] == s1.passages == manifest["counts"]["vectors"]
        generation = index.store.generation

    s2 = ingest([tmp_path / "corpus"], settings)
    assert (s2.documents, s2.unchanged, s2.passages) == (0, 3, 0)
    with Index.open(settings) as index:
        assert index.store.generation == generation  # no work, no write
        old = {
            r["text"]: r["id"]
            for r in index.store.conn.execute(
                "SELECT p.id, p.text FROM passages p JOIN documents d ON d.id = p.doc_pk "
                "WHERE d.doc_id = 'beta'"
            )
        }
        max_id = index.store.conn.execute("SELECT MAX(id) FROM passages").fetchone()[0]

    new = [
        "Serbia replaced its strategy with a cyber defence doctrine.",
        "The doctrine names a coordinating body.",
    ]
    docs[1].write_text("\n\n".join(new) + "\n", "utf-8")
    s3 = ingest([tmp_path / "corpus"], settings)
    assert (s3.documents, s3.unchanged) == (1, 2)
    with Index.open(settings) as index:
        rows = index.store.conn.execute(
            "SELECT p.id, p.text FROM passages p JOIN documents d ON d.id = p.doc_pk "
            "WHERE d.doc_id = 'beta'"
        ).fetchall()
        assert [r["text"] for r in rows] == ["\n\n".join(new)]
        assert all(r["id"] > max_id for r in rows) and not set(old.values()) & {
            r["id"] for r in rows
        }
        hits = index.store.conn.execute(
            "SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'awareness'"
        ).fetchall()
        assert hits == []  # the old version's text is gone from full-text search too
        runs = [r[0] for r in index.store.conn.execute("SELECT status FROM runs ORDER BY id")]
        assert runs == ["done", "done", "done"]
    consistency(settings)

    remove("beta", settings)
    assert consistency(settings)["documents"] == 2
    with pytest.raises(NotFound):
        remove("beta", settings)


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path, settings):
    folder = tmp_path / "mixed"
    write_docs(folder, {"good": TOPICS["alpha"]})
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "letter.docx").write_bytes(b"PK\x03\x04 not really a docx")
    summary = ingest([folder], settings)
    assert summary.documents == 1
    fatal = {Path(p.path).name: p for p in summary.problems if p.fatal}
    assert set(fatal) == {"empty.txt", "letter.docx"}
    assert all(p.message for p in fatal.values())
    assert {Path(p).name for p in summary.failed} == {"empty.txt", "letter.docx"}
    with Index.open(settings) as index:
        rows = index.store.conn.execute(
            "SELECT path, code, fatal FROM problems WHERE doc_pk IS NULL"
        ).fetchall()
        assert {Path(r["path"]).name for r in rows} == {"empty.txt", "letter.docx"}
        assert all(r["fatal"] == 1 for r in rows)
    # a second run records each failing file once, not once per run
    ingest([folder], settings)
    with Index.open(settings) as index:
        n = index.store.conn.execute("SELECT COUNT(*) FROM problems WHERE fatal = 1").fetchone()[0]
        assert n == 2


class FailingEmbedder(HashEmbedder):
    def __init__(self, dim: int, fail_on_call: int) -> None:
        super().__init__(dim)
        self.calls = 0
        self.fail_on_call = fail_on_call

    def embed(self, texts, kind="passage"):
        self.calls += 1
        if kind == "passage" and self.calls == self.fail_on_call:
            # what no per-file boundary may swallow (an ordinary exception fails only its file)
            raise MemoryError("embedding backend crashed")
        return super().embed(texts, kind)


def test_exception_mid_ingest_leaves_a_consistent_index(tmp_path, settings):
    ingest(write_docs(tmp_path / "first", TOPICS), settings)
    before = consistency(settings)
    more = {f"extra{i}": f"Extra document {i} on Kosovo and cyber incidents." for i in range(4)}
    with pytest.raises(MemoryError, match="crashed"):
        ingest(
            write_docs(tmp_path / "second", more),
            settings,
            embedder=FailingEmbedder(64, fail_on_call=3),
        )
    after = consistency(settings)  # the FAISS file is stale; the reader rebuilt from SQLite
    assert after["documents"] == before["documents"] + 2
    with Index.open(settings) as index:
        manifest = json.loads(settings.manifest_path.read_text())
        assert manifest["generation"] != index.store.generation
        status = index.store.conn.execute("SELECT status FROM runs ORDER BY id DESC").fetchone()
        assert status[0] == "failed"
        names = {r[0] for r in index.store.conn.execute("SELECT doc_id FROM documents")}
        assert names == set(TOPICS) | {"extra0", "extra1"}
    assert top_doc(settings, "Montenegro police digital forensics") == "gamma"
    # the next run finishes the job and rewrites FAISS + manifest
    summary = ingest([tmp_path / "second"], settings)
    assert (summary.documents, summary.unchanged) == (2, 2)
    with Index.open(settings) as index:
        assert (
            json.loads(settings.manifest_path.read_text())["generation"] == index.store.generation
        )


SLOW_INGEST = """
import sys, time
from pathlib import Path
from wbpolicy.settings import Settings
from wbpolicy.embed import HashEmbedder
from wbpolicy.ingest import ingest

class Slow(HashEmbedder):
    def embed(self, texts, kind="passage"):
        time.sleep(0.4)
        return super().embed(texts, kind)

ingest([Path(sys.argv[2])], Settings(index_dir=Path(sys.argv[1]), model="hash:64"),
       embedder=Slow(64))
"""


def test_sigkill_mid_ingest_leaves_previous_index_intact(tmp_path, settings):
    ingest(write_docs(tmp_path / "first", TOPICS), settings)
    many = {
        f"doc{i:02d}": f"Document {i} describes incident response team number {i}."
        for i in range(15)
    }
    write_docs(tmp_path / "many", many)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_INGEST, str(settings.index_dir), str(tmp_path / "many")],
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with closing(sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True)) as conn:
                if conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= 6:
                    break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    counts = consistency(settings)
    assert 6 <= counts["documents"] < 3 + 15
    assert top_doc(settings, "Albania electronic communications law CERT") == "alpha"
    with Index.open(settings) as index:
        names = {r[0] for r in index.store.conn.execute("SELECT doc_id FROM documents")}
        assert set(TOPICS) <= names
    # resuming completes the rest and marks the killed run as interrupted
    summary = ingest([tmp_path / "many"], settings)
    assert summary.documents + summary.unchanged == 15 and summary.unchanged >= 3
    assert consistency(settings)["documents"] == 18
    with Index.open(settings) as index:
        runs = [r[0] for r in index.store.conn.execute("SELECT status FROM runs ORDER BY id")]
        assert runs == ["done", "interrupted", "done"]


def test_model_mismatch_is_refused_unless_forced(tmp_path, settings):
    ingest(write_docs(tmp_path / "c", TOPICS), settings)
    with pytest.raises(IndexMismatch, match="built with model hash:64.*uses hash:32"):
        ingest([tmp_path / "c"], settings, embedder=HashEmbedder(32))
    with Index.open(settings.with_(model="hash:32")) as index, pytest.raises(IndexMismatch):
        index.embedder  # noqa: B018 - loading the query embedder performs the check
    summary = ingest([tmp_path / "c"], settings.with_(model="hash:32"), force=True)
    assert summary.documents == 3
    with Index.open(settings.with_(model="hash:32")) as index:
        assert index.model_id == "hash:32" and index.vectors.dim == 32
    consistency(settings.with_(model="hash:32"))


def test_an_unchanged_bad_file_is_reported_without_being_read_again(
    tmp_path, settings, monkeypatch
):
    import wbpolicy.extract

    folder = tmp_path / "bad"
    write_docs(folder, {"good": TOPICS["alpha"]})
    broken = folder / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    first = ingest([folder], settings)
    assert [Path(p).name for p in first.failed] == ["broken.pdf"]
    calls: list[str] = []
    real = wbpolicy.extract.extract

    def counting(path, **kw):
        calls.append(Path(path).name)
        return real(path, **kw)

    monkeypatch.setattr(wbpolicy.extract, "extract", counting)
    again = ingest([folder], settings)
    assert calls == [] and again.unchanged == 1
    assert [(Path(p.path).name, p.code) for p in again.problems] == [
        ("broken.pdf", first.problems[0].code)
    ]
    broken.write_bytes(b"%PDF-1.4 still truncated, other bytes")
    ingest([folder], settings)
    assert calls == ["broken.pdf"]


def test_two_concurrent_ingests_both_land(tmp_path, settings):
    """One writer at a time: two ingest processes into one index interleave document by
    document (each waits out the other's short transaction) and both finish."""
    ingest(write_docs(tmp_path / "first", TOPICS), settings)
    a = {f"a{i}": f"Alpha document {i} on incident response in Albania." for i in range(4)}
    b = {f"b{i}": f"Beta document {i} on awareness campaigns in Serbia." for i in range(4)}
    write_docs(tmp_path / "a", a)
    write_docs(tmp_path / "b", b)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SLOW_INGEST, str(settings.index_dir), str(tmp_path / name)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    assert consistency(settings)["documents"] == len(TOPICS) + 8
    with Index.open(settings) as index:
        runs = [r[0] for r in index.store.conn.execute("SELECT status FROM runs ORDER BY id")]
        assert runs == ["done", "done", "done"]


def test_progress_is_reported_inside_a_large_file(tmp_path, settings, monkeypatch):
    import wbpolicy.ingest as ingest_module

    monkeypatch.setattr(ingest_module._ReportingEmbedder, "step", 8)  # "large": > 8 passages
    big = tmp_path / "big.txt"
    big.write_text(
        "\n\n".join(f"Paragraph {i} on incident response in the region." for i in range(700)),
        encoding="utf-8",
    )
    events: list[tuple[str, int, int]] = []
    summary = ingest([big], settings, progress=lambda e, p, i, n: events.append((e, i, n)))
    assert summary.documents == 1
    inside = [(i, n) for e, i, n in events if e == "embedding"]
    assert len(inside) >= 2 and inside[-1][0] == inside[-1][1] == summary.passages
    assert [i for i, _ in inside] == sorted(i for i, _ in inside)
