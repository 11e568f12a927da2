"""Corpus manifest, folder check and fetch (against a local HTTP server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from wbpolicy.corpus import (
    CorpusManifest,
    ManifestEntry,
    entries_from_shared,
    fetch,
    import_corpus,
    source_url,
    write_manifest,
)
from wbpolicy.errors import OfflineError, WbpolicyError
from wbpolicy.knowledge import knowledge

KINDS = knowledge().kinds.ids

REPO = Path(__file__).resolve().parents[1]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry(doc_id: str, data: bytes, url: str | None = None, **kw) -> ManifestEntry:
    return ManifestEntry(
        doc_id=doc_id,
        file=f"docs/{doc_id}.txt",
        title=doc_id.title(),
        kind="strategy",
        country="AL",
        year=2014,
        language="en",
        format="txt",
        sha256=_sha(data),
        url=url,
        **kw,
    )


SHARED = [
    {
        "file": "strategies/al-strategy.txt",
        "title": "AL",
        "kind": "strategies",
        "country": "AL",
        "year": 2014,
        "language": "sq",
        "format": "txt",
        "sha256": "a" * 64,
        "bytes": 10,
        "source": {
            "repo": "someone/repo",
            "path": "dir/Al Strategy (2014).txt",
            "commit": "c0ffee",
        },
        "cited_in_report": True,
        "conversion": None,
    },
    {
        "file": "other/itu-cyberwellness-profile-al.txt",
        "title": "ITU",
        "kind": "other",
        "country": "AL",
        "year": 2014,
        "language": "en",
        "format": "txt",
        "sha256": "b" * 64,
        "source": {"repo": None, "path": None, "commit": None},
        "cited_in_report": False,
        "conversion": None,
    },
    {
        "file": "other/enisa-guide.txt",
        "title": "ENISA",
        "kind": "other",
        "country": "EU",
        "year": 2012,
        "language": "en",
        "format": "txt",
        "sha256": "c" * 64,
        "source": {"repo": "x/y", "path": "g.txt", "commit": "1"},
        "conversion": None,
    },
    {
        "file": "international/coe-185.txt",
        "title": "CoE",
        "kind": "international",
        "country": "CoE",
        "year": 2001,
        "language": "en",
        "format": "txt",
        "sha256": "d" * 64,
        "source": {"repo": "x/y", "path": "c.md", "commit": "2"},
        "conversion": "Kept lines 1-9",
    },
    {
        "file": "eu/gdpr.txt",
        "title": "GDPR",
        "kind": "eu",
        "country": "EU",
        "year": 2016,
        "language": "en",
        "format": "txt",
        "sha256": "e" * 64,
        "source": None,
    },
    {
        "file": "laws/rs-law.html",
        "title": "Law",
        "kind": "laws",
        "country": "RS",
        "year": 2025,
        "language": "sr",
        "format": "html",
        "sha256": "f" * 64,
        "source": None,
    },
    {
        "file": "report/r.pdf",
        "title": "R",
        "kind": "report",
        "country": "WB",
        "year": 2016,
        "language": "en",
        "format": "pdf",
        "sha256": "0" * 64,
        "source": None,
    },
]


def test_entries_from_shared_normalises_kinds_and_urls() -> None:
    entries = {e.doc_id: e for e in entries_from_shared(SHARED)}
    assert {k: e.kind for k, e in entries.items()} == {
        "al-strategy": "strategy",
        "itu-cyberwellness-profile-al": "profile",
        "enisa-guide": "other",
        "coe-185": "convention",
        "gdpr": "regulation",
        "rs-law": "law",
        "r": "report",
    }
    assert all(e.kind in KINDS for e in entries.values())
    assert entries["al-strategy"].url == (
        "https://raw.githubusercontent.com/someone/repo/c0ffee/dir/Al%20Strategy%20%282014%29.txt"
    )
    assert entries["itu-cyberwellness-profile-al"].url is None
    assert entries["gdpr"].url is None
    assert entries["coe-185"].derived is True and entries["al-strategy"].derived is False
    assert entries["al-strategy"].cited_in_report is True
    assert entries["enisa-guide"].cited_in_report is None
    assert source_url({"repo": "a/b", "path": "p.pdf", "commit": None}) == (
        "https://raw.githubusercontent.com/a/b/HEAD/p.pdf"
    )


def test_manifest_roundtrip_and_lookup(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    entries = entries_from_shared(SHARED)
    write_manifest(entries, path)
    assert [d["doc_id"] for d in json.loads(path.read_text(encoding="utf-8"))] == [
        e.doc_id for e in entries
    ]
    m = CorpusManifest.load(path)
    assert m.entries == tuple(entries) and len(m) == 7
    by_hash = m.lookup(Path("/anywhere/renamed.txt"), "a" * 64)
    assert by_hash is not None and by_hash.doc_id == "al-strategy"
    # a same-named file with other bytes is another document, not the manifest's
    assert m.lookup(Path("/x/rs-law.html"), "9" * 64) is None
    assert "rs-law" in m.reserved_ids
    assert m.lookup(Path("/x/unknown.txt"), "9" * 64) is None
    assert m.get("gdpr").country == "EU"
    with pytest.raises(WbpolicyError):
        CorpusManifest.load(tmp_path / "missing.json")


def test_import_corpus_reports_present_missing_changed_unknown(tmp_path: Path) -> None:
    good, other, moved = b"good text", b"other text", b"moved text"
    entries = (
        _entry("good", good),
        _entry("changed", other),
        _entry("gone", b"x"),
        _entry("moved", moved),
    )
    manifest = CorpusManifest(entries)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "good.txt").write_bytes(good)
    (tmp_path / "docs" / "changed.txt").write_bytes(b"edited text")
    (tmp_path / "elsewhere.txt").write_bytes(moved)  # renamed copy: found by content
    (tmp_path / "new.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "MANIFEST.json").write_text("[]", encoding="utf-8")
    (tmp_path / ".hidden").write_text("x", encoding="utf-8")
    check = import_corpus(tmp_path, manifest)
    assert sorted((e.doc_id, p.name) for e, p in check.present) == [
        ("good", "good.txt"),
        ("moved", "elsewhere.txt"),
    ]
    assert [e.doc_id for e in check.missing] == ["gone"]
    assert [(e.doc_id, p.name, a) for e, p, a in check.changed] == [
        ("changed", "changed.txt", _sha(b"edited text"))
    ]
    assert [p.name for p in check.unknown] == ["new.pdf"]
    assert [p.relative_to(tmp_path).as_posix() for p in check.files] == [
        "docs/changed.txt",
        "docs/good.txt",
        "elsewhere.txt",
        "new.pdf",
    ]
    assert check.ok is False
    with pytest.raises(WbpolicyError):
        import_corpus(tmp_path / "nope", manifest)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "served"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_fetch_downloads_verifies_and_skips(http_root: tuple[Path, str], tmp_path: Path) -> None:
    root, base = http_root
    ok, bad = b"the real document", b"expected bytes"
    (root / "ok.txt").write_bytes(ok)
    (root / "bad.txt").write_bytes(b"tampered bytes")
    dest = tmp_path / "corpus"
    (dest / "docs").mkdir(parents=True)
    have = b"already here"
    (dest / "docs" / "have.txt").write_bytes(have)
    entries = [
        _entry("ok", ok, f"{base}/ok.txt"),
        _entry("bad", bad, f"{base}/bad.txt"),
        _entry("missing", b"404", f"{base}/nothing-here.txt"),
        _entry("have", have, f"{base}/have.txt"),
        _entry("nourl", b"n"),
        _entry("derived", b"d", f"{base}/ok.txt", derived=True),
    ]
    seen: list[tuple[str, str]] = []
    report = fetch(dest, entries, timeout=5, progress=lambda d, s: seen.append((d, s)))
    assert report.downloaded == ("ok",)
    assert report.already_present == ("have",)
    assert report.no_url == ("nourl",)
    assert report.not_fetchable == ("derived",)
    assert [d for d, _ in report.failed] == ["bad", "missing"]
    assert "sha256 mismatch" in report.failed[0][1]
    assert "HTTP 404" in report.failed[1][1]
    assert report.bytes_downloaded == len(ok)
    assert (dest / "docs" / "ok.txt").read_bytes() == ok
    assert not (dest / "docs" / "bad.txt").exists()  # a mismatch is never written
    assert not [p for p in (dest / "docs").iterdir() if p.name.startswith(".")]  # no temp left
    assert ("ok", "downloaded") in seen and ("bad", "mismatch") in seen
    again = fetch(dest, entries[:1], timeout=5)
    assert again.downloaded == () and again.already_present == ("ok",)


def test_fetch_offline_raises_and_writes_nothing(tmp_path: Path) -> None:
    # port 9 (discard) on loopback: nothing listens, the connection is refused at once
    entries = [
        _entry("a", b"a", "http://127.0.0.1:9/a.txt"),
        _entry("b", b"b", "http://127.0.0.1:9/b.txt"),
    ]
    with pytest.raises(OfflineError) as ei:
        fetch(tmp_path / "dest", entries, timeout=2)
    msg = str(ei.value)
    assert msg.startswith("offline: cannot reach 127.0.0.1:9 (")
    assert msg.endswith("); nothing was downloaded")
    assert not (tmp_path / "dest").exists()


def test_fetch_later_network_failure_is_per_file(
    http_root: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = http_root
    (root / "a.txt").write_bytes(b"aaa")
    entries = [_entry("a", b"aaa", f"{base}/a.txt"), _entry("b", b"b", "http://127.0.0.1:9/b.txt")]
    report = fetch(tmp_path, entries, timeout=2)
    assert report.downloaded == ("a",)
    assert [d for d, _ in report.failed] == ["b"]
    assert report.failed[0][1].startswith("cannot reach 127.0.0.1:9")


def test_repo_manifest_is_well_formed() -> None:
    m = CorpusManifest.load()
    assert m.path == REPO / "corpus" / "manifest.json"
    assert len(m) == 57
    ids = [e.doc_id for e in m.entries]
    assert len(set(ids)) == len(ids)
    assert all(e.kind in KINDS and len(e.sha256) == 64 for e in m.entries)
    report = m.get("wb-cybersecurity-report-2016")
    assert report is not None and report.kind == "report" and report.url is None
    assert {e.kind for e in m.entries if e.doc_id.startswith("itu-cyberwellness")} == {"profile"}
    assert all(
        e.url is None or e.url.startswith("https://raw.githubusercontent.com/") for e in m.entries
    )


@pytest.mark.corpus
def test_repo_manifest_matches_shared_corpus(corpus_dir: Path, corpus_manifest: list) -> None:
    m = CorpusManifest.load()
    assert [e.to_json() for e in m.entries] == [
        e.to_json() for e in entries_from_shared(corpus_manifest)
    ]
    check = import_corpus(corpus_dir, m)
    assert check.ok
    assert len(check.present) == 57 and check.unknown == ()


def test_check_describe_and_report_json(tmp_path: Path) -> None:
    data = b"doc"
    m = CorpusManifest((_entry("a", data), _entry("b", b"other")))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_bytes(data)
    lines = import_corpus(tmp_path, m).describe()
    assert lines == [
        f"{tmp_path}: 1 of 2 manifest documents present and intact",
        "  missing: docs/b.txt",
    ]
    report = fetch(tmp_path, m.entries[:1])
    assert json.loads(json.dumps(report.to_json())) == {
        "dest_dir": str(tmp_path),
        "downloaded": [],
        "already_present": ["a"],
        "no_url": [],
        "not_fetchable": [],
        "failed": [],
        "bytes_downloaded": 0,
    }
