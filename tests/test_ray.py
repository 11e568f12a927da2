"""Distributed ingest with Ray (issue 15): a local Ray runtime (2 CPUs, started once for this
module) prepares the files a plain ingest prepares, and the two indexes hold the same documents,
pages, passages, footnotes, entities, problems and vectors; a bad file fails alone with its path;
the per-file time limit holds inside a worker; ``ingest --ray`` works end to end; a missing Ray
or an unreachable cluster is one line and exit 1."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from pdf_fixtures import build_all
from wbpolicy.cli import main
from wbpolicy.settings import IngestSettings, Settings, load_settings

pytestmark = pytest.mark.model

ray = pytest.importorskip("ray")

# small files of the shared corpus (seconds to extract): two PDFs and a text file
CORPUS_FILES = (
    "other/us-cybercom-command-vision-2018.pdf",
    "strategies/us-dod-cyber-strategy-summary-2018.pdf",
    "other/itu-cyberwellness-profile-al.txt",
)
# the generated PDFs that cannot be indexed, with why
BAD = {"truncated": "corrupt", "empty": "empty", "notapdf": "corrupt", "encrypted": "encrypted"}
NOTE = (
    "# Cooperation\n\nKosovo* signed the Budapest Convention; KOS-CERT reports to the RCC.\n\n"
    "## Training\n\nAlbania and Montenegro train police officers in digital forensics.\n"
)


@pytest.fixture(scope="module")
def preparer() -> Any:
    from wbpolicy.distributed import RaySettings, ray_preparer

    with ray_preparer(None, RaySettings(num_cpus=2)) as prep:
        yield prep


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> list[Path]:
    """The generated fixture PDFs (good and bad), a markdown note, and the corpus files above
    where the shared corpus is present (found through its MANIFEST.json)."""
    folder = tmp_path_factory.mktemp("batch")
    pdfs = build_all(folder / "pdf")
    note = folder / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    files = [pdfs["structured"], pdfs["mixed"], note, *(pdfs[k] for k in BAD)]
    try:
        corpus = request.getfixturevalue("corpus_manifest")
        corpus_dir: Path = request.getfixturevalue("corpus_dir")
    except pytest.skip.Exception:
        return files
    known = {e["file"] for e in corpus}
    files += [corpus_dir / f for f in CORPUS_FILES if f in known]
    return files


@pytest.fixture(scope="module")
def both(
    batch: list[Path], preparer: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The batch ingested plainly and through Ray, into two fresh indexes, OCR off."""
    from wbpolicy.embed import load_embedder
    from wbpolicy.ingest import ingest

    root = tmp_path_factory.mktemp("indexes")
    plain = load_settings(index_dir=root / "plain", ocr=False)
    embedder = load_embedder(plain.model, batch_size=plain.batch_size)
    through_ray = replace(plain, index_dir=root / "ray")
    return {
        "plain": (plain, ingest(batch, plain, embedder=embedder)),
        "ray": (through_ray, ingest(batch, through_ray, embedder=embedder, preparer=preparer)),
    }


def snapshot(settings: Settings) -> tuple[dict[str, list[Any]], dict[tuple[str, int], Any]]:
    """Every row an ingest writes, keyed by document id and passage ordinal rather than by row
    ids (Ray returns documents in completion order), and each passage's vector."""
    conn = sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True)
    try:
        docs = dict(conn.execute("SELECT id, doc_id FROM documents"))
        passages = {
            pid: (docs[pk], ordinal)
            for pid, pk, ordinal in conn.execute("SELECT id, doc_pk, ordinal FROM passages")
        }
        tables: dict[str, list[Any]] = {}
        for table in (
            "documents pages passages citations footnotes doc_tables problems entities mentions "
            "passage_countries document_instruments failures"
        ).split():
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            rows = []
            for values in conn.execute(f"SELECT * FROM {table}"):
                row = dict(zip(cols, values, strict=True))
                for unstable in ("run_id", "ingested_at") + (
                    ("id",) if table != "entities" else ()
                ):
                    row.pop(unstable, None)
                if "doc_pk" in row:
                    row["doc_pk"] = docs.get(row["doc_pk"])
                if "passage_id" in row:
                    row["passage_id"] = passages[row["passage_id"]]
                rows.append(tuple(sorted(row.items())))
            tables[table] = sorted(rows, key=repr)
        vectors = {
            passages[pid]: np.frombuffer(blob, dtype=np.float32)
            for pid, blob in conn.execute("SELECT passage_id, vector FROM embeddings")
        }
    finally:
        conn.close()
    return tables, vectors


def test_ray_ingest_writes_what_a_plain_ingest_writes(both: dict[str, Any]) -> None:
    (plain, plain_summary), (through_ray, ray_summary) = both["plain"], both["ray"]
    assert sorted(ray_summary.failed) == sorted(plain_summary.failed)
    assert (ray_summary.documents, ray_summary.passages, ray_summary.pages) == (
        plain_summary.documents,
        plain_summary.passages,
        plain_summary.pages,
    )
    plain_rows, plain_vectors = snapshot(plain)
    ray_rows, ray_vectors = snapshot(through_ray)
    assert plain_rows["passages"] and plain_rows["mentions"] and plain_rows["citations"]
    for table, rows in plain_rows.items():
        assert ray_rows[table] == rows, table
    assert ray_vectors.keys() == plain_vectors.keys()
    # a worker's embedder runs one ONNX thread, the driver's one per core: measured equal to
    # the last bit on the 2-core machine; float noise of a differently split sum is allowed
    worst = max(float(np.abs(ray_vectors[k] - plain_vectors[k]).max()) for k in plain_vectors)
    assert worst <= 1e-6


def test_a_bad_file_fails_alone_with_its_path(batch: list[Path], both: dict[str, Any]) -> None:
    _, summary = both["ray"]
    bad = {str(p): BAD[p.stem] for p in batch if p.stem in BAD}
    fatal = {p.path: p.code for p in summary.problems if p.fatal}
    assert fatal == bad
    assert set(summary.failed) == set(bad)
    assert summary.documents == len(batch) - len(bad)


@pytest.mark.corpus
def test_corpus_files_keep_their_manifest_metadata(
    both: dict[str, Any], corpus_dir: Path, corpus_manifest: list[dict]
) -> None:
    from wbpolicy.index.catalog import list_documents

    settings, _ = both["ray"]
    entries = {(corpus_dir / e["file"]).resolve(): e for e in corpus_manifest}
    docs = {Path(d.path): d for d in list_documents(settings)}
    for name in CORPUS_FILES:
        path = (corpus_dir / name).resolve()
        doc, entry = docs[path], entries[path]
        assert (doc.title, doc.year, doc.country) == (
            entry["title"],
            entry["year"],
            entry["country"],
        )
        assert doc.passages > 3


def test_the_time_limit_holds_inside_a_worker(
    batch: list[Path], preparer: Any, tmp_path: Path
) -> None:
    """A PDF past its time limit is reported as a timeout (not as a corrupt file: the limit must
    get past the PDF extractor's own error boundary), through Ray as in a plain ingest."""
    from wbpolicy.ingest import ingest

    structured = next(p for p in batch if p.stem == "structured")
    settings = load_settings(index_dir=tmp_path / "idx", ocr=False)
    hurried = replace(settings, ingest=IngestSettings(file_timeout_s=1e-3, file_timeout_s_per_mb=0))
    for prep in (None, preparer):
        summary = ingest([structured], hurried, preparer=prep, force=True)
        assert summary.failed == (str(structured),)
        assert [(p.code, p.message) for p in summary.problems] == [
            ("timeout", "extraction took over 0.001 s")
        ]


def test_cli_ingest_with_ray(batch: list[Path], preparer: Any, tmp_path: Path) -> None:
    good = [str(p) for p in batch if p.stem in ("structured", "note")]
    result = CliRunner().invoke(
        main, ["--index", str(tmp_path / "idx"), "ingest", "--ray", "--no-ocr", "-q", *good]
    )
    assert result.exit_code == 0, result.output
    assert "documents indexed: 2," in result.output
    again = CliRunner().invoke(
        main, ["--index", str(tmp_path / "idx"), "ingest", "--ray", "--no-ocr", "-q", *good]
    )
    assert again.exit_code == 0 and "unchanged: 2," in again.output


def test_cli_without_ray_installed_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # import ray -> ImportError
    result = CliRunner().invoke(
        main, ["--index", str(tmp_path / "idx"), "ingest", "--ray", str(note)]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: --ray needs Ray, which is not installed: pip install 'wbpolicy[scale]' (or ray)"
    ]


def test_cli_unreachable_cluster_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preparer: Any
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as in a fresh process
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        result = CliRunner().invoke(
            main, ["--index", str(tmp_path / "idx"), "ingest", "--ray-address", address, str(note)]
        )
        assert result.exit_code == 1
        (line,) = result.output.strip().splitlines()
        assert line.startswith(f"Error: could not reach the Ray cluster at {address}: ")
    assert not (tmp_path / "idx").exists()  # refused before the index was opened


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ingest_on_a_running_cluster_with_token_auth(tmp_path: Path) -> None:
    """A cluster started by `ray start` (token authentication on, Ray's default since 2.59):
    `ingest --ray-address HOST:PORT` in a fresh process finds the token and writes what a plain
    ingest writes.  (Before: "Failed to connect", the client sent no token.)"""
    import os
    import subprocess
    import sys
    import time

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text(NOTE, encoding="utf-8")
    (docs / "plan.txt").write_text(
        "1 Introduction\n\nThe national CERT of Montenegro coordinates incident response.\n\n"
        "2 Education\n\nUniversities in Serbia teach information security to public servants.\n",
        encoding="utf-8",
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env.update(RAY_AUTH_MODE="token", RAY_USAGE_STATS_ENABLED="0")  # as `ray start` now does
    ray_cli = Path(sys.executable).with_name("ray")
    head = subprocess.Popen(
        [str(ray_cli), "start", "--head", "--block", "--port", str(port), "--num-cpus", "1",
         "--include-dashboard", "false", "--disable-usage-stats"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:  # the GCS answers on the port once the head is up
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            assert head.poll() is None and time.monotonic() < deadline, "ray start failed"
            time.sleep(0.5)
        client_env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
        run = [sys.executable, "-m", "wbpolicy", "--index"]
        on_cluster = subprocess.run(
            [*run, str(tmp_path / "ray"), "ingest", "--ray-address", f"127.0.0.1:{port}",
             str(docs)],
            env=client_env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert on_cluster.returncode == 0, on_cluster.stderr[-2000:]
    finally:
        head.terminate()
        head.wait(60)
    plain = subprocess.run(
        [*run, str(tmp_path / "plain"), "ingest", str(docs)],
        env=client_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr[-2000:]
    query = (
        "SELECT d.doc_id, p.ordinal, p.text, p.section, e.vector FROM passages p "
        "JOIN documents d ON d.id = p.doc_pk JOIN embeddings e ON e.passage_id = p.id "
        "ORDER BY 1, 2"
    )
    rows = {}
    for name in ("ray", "plain"):
        with sqlite3.connect(tmp_path / name / "wbpolicy.sqlite") as conn:
            rows[name] = conn.execute(query).fetchall()
    assert len(rows["ray"]) >= 4 and rows["ray"] == rows["plain"]
