"""An index that defends itself: read-only media, newer schemas, damaged or locked files, the
check and rebuild commands, no index created by mistake, live counts, and no control characters
stored (each test fails on the code before these defences)."""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wbpolicy.cli import main
from wbpolicy.errors import (
    IndexBusy,
    IndexDamaged,
    IndexNotFound,
    IndexReadOnly,
    IndexTooNew,
    WbpolicyError,
)
from wbpolicy.index import Index, store
from wbpolicy.index.store import MIGRATIONS, translate_error
from wbpolicy.settings import Settings
from wbpolicy.text.controls import strip_controls, strip_controls_mapped

MODEL = "hash:64"


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """The tiny index, written and closed (as after an ingest)."""
    from tiny_index import build_tiny_index

    path = tmp_path / "idx"
    build_tiny_index(path).close()
    return path


def cli(index: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--index", str(index), "--model", MODEL, *args])


def assert_one_line_error(r: Result, *fragments: str) -> str:
    """Exit 1 through click (not an uncaught exception), one stderr line, no traceback."""
    assert r.exit_code == 1, (r.exit_code, r.output, r.exception)
    assert isinstance(r.exception, SystemExit), r.exception
    err = r.stderr.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for f in fragments:
        assert f in err, (f, err)
    return err


def listing(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path / "wbpolicy.sqlite", isolation_level=None)


@contextmanager
def read_only_mount(src: Path, dst: Path) -> Iterator[Path]:
    """``src`` bind-mounted read-only at ``dst``: the file system refuses writes, root's too."""
    dst.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(src), str(dst)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"a read-only bind mount is impossible here (needs root and mount): {exc}")
    try:
        r = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(dst)], capture_output=True, text=True
        )
        if r.returncode:
            pytest.skip(f"cannot remount the bind mount read-only: {r.stderr.strip()}")
        yield dst
    finally:
        gc.collect()  # connections the commands left to the garbage collector
        if subprocess.run(["umount", str(dst)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(dst)], capture_output=True)


def bump_generation(path: Path) -> None:
    """A committed write the FAISS file has not seen (an interrupted ingest)."""
    conn = raw(path)
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    conn.close()


# -- 1. read-only --------------------------------------------------------------------------------


def test_reads_work_and_writes_are_refused_on_a_read_only_file_system(
    tiny_dir: Path, tmp_path: Path
) -> None:
    bump_generation(tiny_dir)  # stale vectors: must be rebuilt in memory, not saved
    doc = tmp_path / "new.txt"
    doc.write_text("A new document about cyber threats in the region.", encoding="utf-8")
    before = listing(tiny_dir)
    with read_only_mount(tiny_dir, tmp_path / "ro") as ro:
        r = cli(ro, "docs")
        assert r.exit_code == 0, r.output
        assert "report" in r.stdout
        r = cli(ro, "search", "--json", "cyber threats")
        assert r.exit_code == 0, r.output
        hits = json.loads(r.stdout)["hits"]
        assert hits
        r = cli(ro, "show", hits[0]["doc_id"], "--passage", str(hits[0]["passage_id"]))
        assert r.exit_code == 0, r.output
        r = cli(ro, "index", "info", "--json")
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["counts"]["passages"] == 20
        for args in (("remove", "law-rs"), ("index", "rebuild"), ("ingest", "-q", str(doc))):
            assert_one_line_error(cli(ro, *args), f"index at {ro} is read-only")
    assert listing(tiny_dir) == before  # nothing written, nothing created


def test_an_index_left_in_wal_mode_reads_from_a_read_only_file_system(
    tiny_dir: Path, tmp_path: Path
) -> None:
    conn = raw(tiny_dir)
    assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    conn.close()  # WAL mode at rest, no -wal/-shm file: SQLite cannot create them on ro media
    with read_only_mount(tiny_dir, tmp_path / "ro") as ro:
        r = cli(ro, "docs", "--json")
        assert r.exit_code == 0, r.output
        assert len(json.loads(r.stdout)["documents"]) == 3


def test_a_read_creates_no_file(tiny_dir: Path) -> None:
    before = listing(tiny_dir)
    bump_generation(tiny_dir)
    before = listing(tiny_dir)
    with Index.open(Settings(index_dir=tiny_dir, model=MODEL)) as index:
        assert index.search("cyber threats", top_k=3).hits  # rebuilds the vectors in memory
        assert index.info()["counts"]["documents"] == 3
    assert listing(tiny_dir) == before  # no -wal/-shm, FAISS file or manifest written


def test_a_file_system_refusing_writes_is_reported_as_read_only(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(index_dir=tiny_dir, model=MODEL)

    def refuse(*a: object, **k: object) -> object:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store.tempfile, "mkstemp", refuse)
    with pytest.raises(IndexReadOnly, match=f"index at {tiny_dir} is read-only"):
        Index.open(settings, readonly=False)
    assert_one_line_error(cli(tiny_dir, "remove", "law-rs"), "is read-only")
    # reads do not care
    with Index.open(settings) as index:
        assert index.count("documents") == 3


def test_a_failed_cache_write_and_sqlite_readonly_are_converted(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wbpolicy.index.vectors import VectorIndex

    def refuse(self: object, path: object) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(VectorIndex, "save", refuse)
    with Index.open(Settings(index_dir=tiny_dir, model=MODEL), readonly=False) as index:
        with pytest.raises(IndexReadOnly, match="is read-only"):
            index.rebuild_vectors()
    exc = sqlite3.OperationalError("attempt to write a readonly database")
    exc.sqlite_errorcode = 8  # type: ignore[attr-defined]
    exc.sqlite_errorname = "SQLITE_READONLY"  # type: ignore[attr-defined]
    err = translate_error(exc, tiny_dir)
    assert isinstance(err, IndexReadOnly) and isinstance(err, sqlite3.OperationalError)
    assert str(err).startswith(f"index at {tiny_dir} is read-only")


# -- 2. schema version ---------------------------------------------------------------------------


def test_an_index_of_a_newer_schema_is_refused_and_left_alone(
    tiny_dir: Path, tmp_path: Path
) -> None:
    conn = raw(tiny_dir)
    conn.execute("PRAGMA user_version=7")
    conn.close()
    before = listing(tiny_dir)
    doc = tmp_path / "new.txt"
    doc.write_text("Another document.", encoding="utf-8")
    message = (
        f"index at {tiny_dir} has schema version 7; this wbpolicy supports up to "
        f"{len(MIGRATIONS)}: upgrade wbpolicy"
    )
    for args in (
        ("docs",),
        ("search", "cyber"),
        ("index", "info"),
        ("ingest", "-q", str(doc)),
        ("remove", "law-rs"),
        ("index", "rebuild"),
    ):
        assert_one_line_error(cli(tiny_dir, *args), message)
    with pytest.raises(IndexTooNew):
        Index.open(Settings(index_dir=tiny_dir, model=MODEL), readonly=False)
    assert listing(tiny_dir) == before
    conn = raw(tiny_dir)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    conn.close()


# -- 3. damaged or locked ------------------------------------------------------------------------


def test_a_truncated_store_is_one_line_for_every_command(tiny_dir: Path, tmp_path: Path) -> None:
    db = tiny_dir / "wbpolicy.sqlite"
    with open(db, "r+b") as fh:
        fh.truncate(db.stat().st_size // 2)
    doc = tmp_path / "new.txt"
    doc.write_text("Another document.", encoding="utf-8")
    for args in (("docs",), ("search", "cyber"), ("ingest", "-q", str(doc)), ("index", "rebuild")):
        assert_one_line_error(cli(tiny_dir, *args), str(tiny_dir), "truncated")
    r = cli(tiny_dir, "index", "check", "--json")
    assert r.exit_code == 1
    assert [p["code"] for p in json.loads(r.stdout)["problems"]] == ["truncated"]


def test_a_file_of_garbage_named_as_the_store_is_one_line(tiny_dir: Path) -> None:
    db = tiny_dir / "wbpolicy.sqlite"
    db.write_bytes(bytes(range(256)) * 64)
    for args in (("docs",), ("index", "info"), ("remove", "law-rs")):
        assert_one_line_error(cli(tiny_dir, *args), str(tiny_dir), "not a SQLite database")
    with pytest.raises(IndexDamaged):
        Index.open(Settings(index_dir=tiny_dir, model=MODEL))
    r = cli(tiny_dir, "index", "check")
    assert r.exit_code == 1 and "not-a-database" in r.stdout


def test_a_store_damaged_inside_is_one_line(tiny_dir: Path) -> None:
    """Pages of a table overwritten: the header is fine, SQLite finds the damage on reading."""
    conn = raw(tiny_dir)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'documents'").fetchone()
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(tiny_dir / "wbpolicy.sqlite", "r+b") as fh:
        fh.seek((root[0] - 1) * page_size)
        fh.write(b"\xff" * page_size)
    assert_one_line_error(cli(tiny_dir, "docs"), str(tiny_dir), "wbpolicy index check")
    r = cli(tiny_dir, "index", "check", "--json")
    assert r.exit_code == 1
    assert "sqlite-integrity" in {p["code"] for p in json.loads(r.stdout)["problems"]}


def test_a_locked_store_is_waited_for_then_reported(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.BUSY_TIMEOUT_S >= 1  # a short lock is waited out
    holder = sqlite3.connect(
        tiny_dir / "wbpolicy.sqlite", isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN EXCLUSIVE")
    try:
        monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2)
        for args in (("remove", "law-rs"), ("index", "rebuild"), ("docs",)):
            assert_one_line_error(
                cli(tiny_dir, *args), str(tiny_dir), "another wbpolicy process is writing; try"
            )
        with pytest.raises(IndexBusy):  # the writer's open already needs the lock
            Index.open(Settings(index_dir=tiny_dir, model=MODEL), readonly=False).close()
        monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 10.0)
        threading.Timer(0.5, lambda: holder.execute("ROLLBACK")).start()
        r = cli(tiny_dir, "remove", "law-rs")  # waits for the lock, then removes
        assert r.exit_code == 0, r.output
    finally:
        holder.close()
    with Index.open(Settings(index_dir=tiny_dir, model=MODEL)) as index:
        assert index.count("documents") == 2


# -- 4. index check / index rebuild --------------------------------------------------------------


def _break_fts_blocks(path: Path) -> None:
    conn = raw(path)
    rows = conn.execute("SELECT id, length(block) FROM passages_fts_data WHERE id > 10").fetchall()
    for i, n in rows:
        conn.execute("UPDATE passages_fts_data SET block = ? WHERE id = ?", (b"\xff" * n, i))
    conn.close()


def test_check_passes_a_healthy_index(tiny_dir: Path) -> None:
    r = cli(tiny_dir, "index", "check", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["healthy"] is True and report["problems"] == []
    assert report["fts_check"] == "integrity-check"
    assert {"sqlite", "fts", "vectors", "manifest"} <= set(report["checked"])
    r = cli(tiny_dir, "index", "check")
    assert r.exit_code == 0 and "healthy" in r.stdout


@pytest.mark.parametrize("damage", ["blocks", "shadow-table"])
def test_a_damaged_fts_table_is_found_refused_by_search_and_rebuilt(
    tiny_dir: Path, damage: str
) -> None:
    if damage == "blocks":
        _break_fts_blocks(tiny_dir)
    else:
        conn = raw(tiny_dir)
        conn.execute("DROP TABLE passages_fts_idx")
        conn.close()
    r = cli(tiny_dir, "index", "check", "--json")
    assert r.exit_code == 1
    codes = {p["code"] for p in json.loads(r.stdout)["problems"]}
    assert "fts-damaged" in codes
    # lexical search does not quietly return nothing
    for mode in ("hybrid", "lexical"):
        assert_one_line_error(
            cli(tiny_dir, "search", "--mode", mode, "cyber threats"),
            str(tiny_dir),
            "run `wbpolicy index rebuild`",
        )
    r = cli(tiny_dir, "index", "rebuild", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["fts_rows"] == 20
    r = cli(tiny_dir, "index", "check")
    assert r.exit_code == 0, r.output
    r = cli(tiny_dir, "search", "--json", "--mode", "lexical", "Montenegro critical infrastructure")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["hits"][0]["doc_id"] == "strategy-me"


def test_a_plain_connection_reader_also_refuses_a_damaged_fts_table(tiny_dir: Path) -> None:
    from wbpolicy.index.reader import Reader

    _break_fts_blocks(tiny_dir)
    conn = raw(tiny_dir)
    try:
        with pytest.raises(IndexDamaged, match="wbpolicy index rebuild"):
            Reader(conn).fts('"cyber"', 5, None, (1.0, 1.0, 1.0))
        with pytest.raises(IndexDamaged):
            Reader(conn).fts_count('"cyber"')
    finally:
        conn.close()


def test_the_fts_definition_rebuild_uses_is_the_migration_one() -> None:
    from wbpolicy.index.store import FTS_CREATE

    assert "".join(FTS_CREATE.split()) in "".join(MIGRATIONS[0].split())


def test_a_bad_match_expression_is_still_no_hits(tiny_dir: Path) -> None:
    with Index.open(Settings(index_dir=tiny_dir, model=MODEL)) as index:
        assert index.reader.fts('"unterminated', 5, None, (1.0, 1.0, 1.0)) == []
        assert index.reader.fts_count("AND OR (") is None


def test_check_finds_fts_rows_out_of_step_with_the_passages(tiny_dir: Path) -> None:
    conn = raw(tiny_dir)
    conn.execute("DELETE FROM passages_fts WHERE rowid = (SELECT MIN(id) FROM passages)")
    conn.execute("INSERT INTO passages_fts(rowid, text, section, title) VALUES(9999, 'x', '', '')")
    conn.close()
    r = cli(tiny_dir, "index", "check", "--json")
    assert r.exit_code == 1
    codes = {p["code"] for p in json.loads(r.stdout)["problems"]}
    assert {"fts-missing-rows", "fts-extra-rows"} <= codes
    assert cli(tiny_dir, "index", "rebuild").exit_code == 0
    assert cli(tiny_dir, "index", "check").exit_code == 0


def test_check_compares_faiss_and_manifest_with_the_store(tiny_dir: Path) -> None:
    manifest_path = tiny_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model_id"] = "another-model"
    manifest["dimensions"] = 384
    manifest_path.write_text(json.dumps(manifest))
    r = cli(tiny_dir, "index", "check", "--json")
    assert r.exit_code == 1
    codes = {p["code"] for p in json.loads(r.stdout)["problems"]}
    assert {"manifest-model", "manifest-dimensions"} <= codes
    r = cli(tiny_dir, "index", "check")
    assert "manifest-model" in r.stdout and "wbpolicy index rebuild" in r.stdout

    (tiny_dir / "vectors.faiss").unlink()
    bump_generation(tiny_dir)
    codes = {
        p["code"] for p in json.loads(cli(tiny_dir, "index", "check", "--json").stdout)["problems"]
    }
    assert {"faiss-missing", "vectors-stale"} <= codes

    r = cli(tiny_dir, "index", "rebuild")
    assert r.exit_code == 0 and "20 passages" in r.stdout
    assert cli(tiny_dir, "index", "check").exit_code == 0

    # a FAISS file of another index: count and ids disagree
    other = tiny_dir.parent / "other"
    from wbpolicy.index.vectors import VectorIndex

    VectorIndex(64).build([1, 2], [[1.0] * 64, [0.5] * 64]).save(other / "vectors.faiss")
    os.replace(other / "vectors.faiss", tiny_dir / "vectors.faiss")
    codes = {
        p["code"] for p in json.loads(cli(tiny_dir, "index", "check", "--json").stdout)["problems"]
    }
    assert "faiss-count" in codes


# -- 5. no index created as a side effect -------------------------------------------------------


@pytest.mark.parametrize("kind", ["absent", "empty", "empty-db"])
def test_a_mistyped_index_path_creates_nothing(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "mistyped"
    if kind != "absent":
        path.mkdir()
    if kind == "empty-db":
        (path / "wbpolicy.sqlite").touch()
    before = listing(path) if path.exists() else None
    for args in (
        ("docs",),
        ("search", "cyber"),
        ("ask", "What is KOS-CERT?"),
        ("show", "report"),
        ("index", "info"),
        ("index", "check"),
        ("index", "rebuild"),
        # (ingest.remove opens an empty database file with create=True: it needs create=False)
        *([] if kind == "empty-db" else [("remove", "report")]),
    ):
        r = cli(path, *args)
        assert r.exit_code == 1, (args, r.output)
        assert "Traceback" not in r.stderr and "no " in r.stderr and str(path) in r.stderr, args
        assert (listing(path) if path.exists() else None) == before, args
    with pytest.raises(IndexNotFound):
        Index.open(Settings(index_dir=path, model=MODEL), readonly=False, create=False)
    assert (listing(path) if path.exists() else None) == before


def test_rebuild_says_no_index_at_path(tmp_path: Path) -> None:
    path = tmp_path / "nope"
    assert_one_line_error(cli(path, "index", "rebuild"), f"no index at {path}")
    assert not path.exists()


# -- 7. live counts ------------------------------------------------------------------------------


def test_index_info_shows_live_counts_beside_stale_manifest_ones(tiny_dir: Path) -> None:
    settings = Settings(index_dir=tiny_dir, model=MODEL)
    with Index.open(settings, readonly=False) as index:
        assert index.writer.remove_document("law-rs")  # committed; FAISS and manifest not redone
    r = cli(tiny_dir, "index", "info", "--json")
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["counts"]["documents"] == 2
    assert info["counts"]["passages"] == 14
    assert info["counts"]["vectors"] == 14
    assert info["manifest_counts"]["passages"] == 20
    assert info["store_generation"] != info["generation"]
    r = cli(tiny_dir, "index", "info")
    assert r.exit_code == 0
    assert '"passages": 14' in r.stdout and "stale" in r.stdout
    assert cli(tiny_dir, "index", "rebuild").exit_code == 0
    info = json.loads(cli(tiny_dir, "index", "info", "--json").stdout)
    assert "manifest_counts" not in info and info["counts"]["passages"] == 14


# -- 8. control characters -----------------------------------------------------------------------


def test_strip_controls_removes_exactly_the_dangerous_characters() -> None:
    kept = "plain text, é – “quotes” \t tab \n newline 😀 \u00a0 \u200b"
    assert strip_controls(kept) == kept
    for cp in [
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        0x7F,
        *range(0x80, 0xA0),
        0xE000,
        0xE003,
        0xF8FF,
    ]:
        assert strip_controls(f"a{chr(cp)} b") == "a b", hex(cp)
    assert strip_controls("\x1b[31mred\x1b[0m") == "[31mred[0m"
    assert strip_controls("Article 5\fArticle 6") == "Article 5 Article 6"  # no merged words
    assert strip_controls("line\r\nnext") == "line\nnext"
    assert strip_controls("see the site\ue003http://x.org\ue004 for more") == (
        "see the site http://x.org for more"
    )
    text = "ab\x1b[1mcd\x07\x07ef\x0cgh"
    clean, remap = strip_controls_mapped(text)
    assert clean == "ab[1mcdef gh"
    for i, ch in enumerate(text):
        if strip_controls(ch):
            assert clean[remap(i)] == ch
    assert remap(0) == 0 and remap(len(text)) == len(clean)


def test_the_writer_stores_no_control_characters_and_keeps_offsets(tmp_path: Path) -> None:
    from wbpolicy.embed import load_embedder
    from wbpolicy.index.writer import PreparedDocument
    from wbpolicy.models import (
        Citation,
        Document,
        Entity,
        Extraction,
        Footnote,
        PageText,
        Passage,
        Table,
    )

    text = (
        "Intro \x1b[31mred\x1b[0m alert\x07 with a note here; see the site\ue003http://x.org"
        "\ue004 and words on page two\x9b."
    )
    note = text.index("note")
    words = text.index("words")
    red = text.index("red")
    two = text.index("page two")
    passage = Passage(
        text=text,
        kind="body",
        section=("1 Intro\x1b[2J", "1.1 Sub\x07"),
        pages=(1, 2),
        char_start=100,
        char_end=100 + len(text),
        citations=(Citation("7\x1b", "A note\x1b[0m text", "http://n.org", 1, note + 4),),
        page_breaks=((0, 1), (words, 2)),
    )
    entities = [
        Entity("red", "ORG", "red-org", red, red + 3),
        Entity("page two", "ORG", None, two, two + 8),
    ]
    emb = load_embedder(MODEL)
    settings = Settings(index_dir=tmp_path / "idx", model=MODEL)
    doc = Document(
        "ctl",
        "Title\x1b]0;pwned\x07 of the doc",
        "report",
        "AL",
        2020,
        path="/x/ctl.txt",
        format="txt",
        sha256="1" * 64,
    )
    extraction = Extraction(
        path=doc.path,
        format="txt",
        title=doc.title,
        pages=(PageText(1, "Page one \x1b[2J text"), PageText(2, "two")),
        blocks=(),
        footnotes=(Footnote("7", "A note\x1b[0m text", 1),),
        tables=(Table(1, (("a\x1b", "b"),), ("S\x07",), "Cap\x1b"),),
    )
    with Index.open(settings, readonly=False) as index:
        index.embedder = emb
        index.writer.write_document(
            PreparedDocument(
                doc,
                extraction,
                [passage],
                [entities],
                [{"AL": "document"}],
                emb.embed([text], kind="passage"),
                "key",
            ),
            model_id=emb.model_id,
            dim=emb.dim,
            chunking={},
            run_id=0,
        )
        conn = index.store.conn
        row = conn.execute("SELECT * FROM passages").fetchone()
        stored = row["text"]
        assert not any(not strip_controls(c) for c in stored)
        assert stored == (
            "Intro [31mred[0m alert with a note here; see the site http://x.org and words on "
            "page two."
        )
        assert (row["char_start"], row["char_end"]) == (100, 100 + len(text))
        breaks = json.loads(row["page_breaks"])
        assert breaks[0] == [0, 1] and stored[breaks[1][0] :].startswith("words on page two")
        cite = conn.execute("SELECT marker, text, offset FROM citations").fetchone()
        assert (cite["marker"], cite["text"]) == ("7", "A note[0m text")
        assert stored[: cite["offset"]].endswith("note")
        spans = {
            r["text"]: stored[r["start"] : r["end"]]
            for r in conn.execute('SELECT text, start, "end" FROM mentions')
        }
        assert spans == {"red": "red", "page two": "page two"}
        assert row["section"] == "1 Intro[2J > 1.1 Sub"
        assert (
            conn.execute("SELECT title FROM documents").fetchone()[0] == "Title]0;pwned of the doc"
        )
        fts = conn.execute("SELECT text, section, title FROM passages_fts").fetchone()
        assert tuple(fts) == (stored, row["section"], "Title]0;pwned of the doc")
        assert conn.execute("SELECT text FROM footnotes").fetchone()[0] == "A note[0m text"
        assert conn.execute("SELECT text FROM pages WHERE page = 1").fetchone()[0] == (
            "Page one [2J text"
        )
        table = conn.execute("SELECT section, caption, rows FROM doc_tables").fetchone()
        assert (table[0], table[1], json.loads(table[2])) == ("S", "Cap", [["a", "b"]])
        # the hit a search returns quotes the same characters at the same offsets
        hit = index.reader.hits([(int(row["id"]), 1.0)], 1)[0]
        assert hit.page_of(stored.index("words"))[0] == 2
        assert hit.page_of(stored.index("alert"))[0] == 1


def test_record_failure_strips_controls(tiny_dir: Path) -> None:
    with Index.open(Settings(index_dir=tiny_dir, model=MODEL), readonly=False) as index:
        run_id = index.writer.start_run()
        index.writer.record_failure(run_id, "/x/bad.pdf", "corrupt", "bad byte \x1b[2J here")
        msg = index.store.conn.execute(
            "SELECT message FROM problems WHERE path = '/x/bad.pdf'"
        ).fetchone()[0]
    assert msg == "bad byte [2J here"


def test_wbpolicy_errors_of_the_store_are_sqlite_errors_too() -> None:
    """Code that catches sqlite3.Error keeps catching the store's failures."""
    for cls in (store.StoreBusy, store.StoreReadOnly, store.StoreDamaged, store.FtsDamaged):
        err = cls("x")
        assert isinstance(err, WbpolicyError) and isinstance(err, sqlite3.DatabaseError)
