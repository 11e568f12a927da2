"""The documents the tool knows about: ``corpus/manifest.json`` in the repository.

The manifest holds metadata only (title, kind, country, year, language, format, sha256 and the
public source URL where there is one); the documents themselves are not committed.  It is
generated from the workplace's ``../shared/corpus/MANIFEST.json`` by
``scripts/build_corpus_manifest.py``.

* :meth:`CorpusManifest.lookup` recognises a file by its content hash, so ingest can label
  documents with a known kind/country/year (a same-named file with other bytes is not that one).
* :func:`import_corpus` checks which manifest documents a folder holds, and whether they are
  intact (same sha256).
* :func:`fetch` downloads documents that have a public URL.  Offline (no route to the host for
  the first download attempted) it raises :class:`~wbpolicy.errors.OfflineError` at once and
  writes nothing; later per-file failures (HTTP errors, hash mismatches) are reported in the
  :class:`FetchReport` instead.  Documents whose corpus copy was derived from the source (e.g. a
  text kept from a longer file) cannot be reproduced by a download and are listed as such.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from wbpolicy.settings import _project_root

from .errors import OfflineError, WbpolicyError
from .fsutil import sha256_file

log = logging.getLogger(__name__)

MANIFEST_RELPATH = Path("corpus") / "manifest.json"
SKIP_FILES = frozenset({"manifest.json", "readme.md", "readme.txt", "readme"})


@dataclass(frozen=True)
class ManifestEntry:
    doc_id: str
    file: str  # path relative to the corpus folder, e.g. "strategies/me-...-2013-2017.txt"
    title: str
    kind: str
    country: str | None
    year: int | None
    language: str | None
    format: str
    sha256: str
    url: str | None = None  # public source, where there is one
    cited_in_report: bool | None = None
    derived: bool = False  # the corpus copy was converted/cut from the source at ``url``
    bytes: int | None = None

    @property
    def name(self) -> str:
        return Path(self.file).name

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CorpusManifest:
    entries: tuple[ManifestEntry, ...] = ()
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | str | None = None) -> CorpusManifest:
        """Load ``path`` (default: the repository's ``corpus/manifest.json``).

        With no path and no manifest to be found (e.g. an installed copy without the checkout)
        an empty manifest is returned; an explicit path that does not exist is an error.
        """
        if path is None:
            found = default_manifest_path()
            if found is None:
                log.debug("no corpus manifest found; using an empty one")
                return cls((), None)
            path = found
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise WbpolicyError(f"corpus manifest not found: {path}") from exc
        except json.JSONDecodeError as exc:
            raise WbpolicyError(f"corpus manifest {path} is not valid JSON: {exc}") from exc
        items = raw["documents"] if isinstance(raw, dict) else raw
        return cls(tuple(_entry_from_json(d) for d in items), path)

    def lookup(self, path: Path | str, sha256: str | None = None) -> ManifestEntry | None:
        """The entry for a file, recognised by its content hash only: a file that merely shares
        a corpus document's name (a draft, an edited copy) is another document."""
        if not sha256:
            return None
        return next((e for e in self.entries if e.sha256 == sha256), None)

    __call__ = lookup

    @property
    def reserved_ids(self) -> frozenset[str]:
        """Ids that belong to manifest documents: no other file may take one."""
        return frozenset(e.doc_id for e in self.entries)

    def get(self, doc_id: str) -> ManifestEntry | None:
        return next((e for e in self.entries if e.doc_id == doc_id), None)

    def __len__(self) -> int:
        return len(self.entries)


def _entry_from_json(d: dict) -> ManifestEntry:
    return ManifestEntry(
        doc_id=d["doc_id"],
        file=d["file"],
        title=d["title"],
        kind=d["kind"],
        country=d.get("country"),
        year=d.get("year"),
        language=d.get("language"),
        format=d["format"],
        sha256=d["sha256"],
        url=d.get("url"),
        cited_in_report=d.get("cited_in_report"),
        derived=bool(d.get("derived", False)),
        bytes=d.get("bytes"),
    )


def default_manifest_path() -> Path | None:
    root = _project_root()
    candidates = [root / MANIFEST_RELPATH] if root else []
    candidates.append(Path.cwd() / MANIFEST_RELPATH)
    return next((c for c in candidates if c.is_file()), None)


def default_fetch_dir() -> Path:
    """Where ``fetch`` saves documents by default: ``corpus/files`` in the checkout (not
    committed), else ``./corpus/files``."""
    root = _project_root()
    return (root if root else Path.cwd()) / "corpus" / "files"


# ---------------------------------------------------------------------------------------------
# building the manifest from the shared corpus metadata
# ---------------------------------------------------------------------------------------------


def source_url(source: dict | None) -> str | None:
    """Public raw URL of a ``{"repo", "path", "commit"}`` source, or None."""
    if not source or not source.get("repo") or not source.get("path"):
        return None
    ref = source.get("commit") or "HEAD"
    return "https://raw.githubusercontent.com/{}/{}/{}".format(
        quote(source["repo"], safe="/"), quote(ref, safe=""), quote(source["path"], safe="/")
    )


def normalise_kind(shared_kind: str, file: str) -> str:
    from wbpolicy.knowledge import knowledge

    # the shared manifest's folder names ("strategies", "international") are kind aliases
    kind = knowledge().kinds.normalise(shared_kind)
    if kind and kind != "other":
        return kind
    return "profile" if "cyberwellness-profile" in Path(file).name else "other"


def entries_from_shared(shared: list[dict]) -> list[ManifestEntry]:
    """Manifest entries from the shared ``MANIFEST.json`` records (metadata only)."""
    out = []
    for d in shared:
        out.append(
            ManifestEntry(
                doc_id=Path(d["file"]).stem,
                file=d["file"],
                title=d["title"],
                kind=normalise_kind(d.get("kind", "other"), d["file"]),
                country=d.get("country"),
                year=d.get("year"),
                language=d.get("language"),
                format=d.get("format") or Path(d["file"]).suffix.lstrip(".").lower(),
                sha256=d["sha256"],
                url=source_url(d.get("source")),
                cited_in_report=d.get("cited_in_report"),
                derived=bool(d.get("conversion")),
                bytes=d.get("bytes"),
            )
        )
    return sorted(out, key=lambda e: e.file)


def write_manifest(entries: Iterable[ManifestEntry], path: Path) -> None:
    data = [e.to_json() for e in entries]
    _atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# checking a folder against the manifest
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusCheck:
    src_dir: Path
    present: tuple[tuple[ManifestEntry, Path], ...] = ()  # found with the expected sha256
    missing: tuple[ManifestEntry, ...] = ()
    changed: tuple[tuple[ManifestEntry, Path, str], ...] = ()  # found, other sha256 (actual)
    unknown: tuple[Path, ...] = ()  # files the manifest does not list

    @property
    def files(self) -> list[Path]:
        """Every document file to ingest: present, changed and unknown ones."""
        return sorted(
            [p for _, p in self.present] + [p for _, p, _ in self.changed] + list(self.unknown)
        )

    @property
    def ok(self) -> bool:
        return not self.missing and not self.changed

    def describe(self) -> list[str]:
        """Human-readable summary lines (for stderr)."""
        total = len(self.present) + len(self.missing) + len(self.changed)
        lines = [
            (
                f"{self.src_dir}: {len(self.present)} of {total} manifest documents present "
                "and intact"
            )
        ]
        for e in self.missing:
            lines.append(f"  missing: {e.file}")
        for e, p, actual in self.changed:
            lines.append(f"  changed (sha256 {actual[:12]}..., manifest {e.sha256[:12]}...): {p}")
        if self.unknown:
            lines.append(
                f"  {len(self.unknown)} file(s) not in the manifest: "
                + ", ".join(p.name for p in self.unknown[:10])
                + (" ..." if len(self.unknown) > 10 else "")
            )
        return lines


def import_corpus(src_dir: Path | str, manifest: CorpusManifest | None = None) -> CorpusCheck:
    """Check which manifest documents ``src_dir`` holds (at ``entry.file`` or anywhere below by
    name, or by content) and whether their sha256 matches."""
    src = Path(src_dir)
    if not src.is_dir():
        raise WbpolicyError(f"corpus folder not found: {src}")
    manifest = manifest if manifest is not None else CorpusManifest.load()
    files = [
        p
        for p in sorted(src.rglob("*"))
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(src).parts)
        and p.name.lower() not in SKIP_FILES
    ]
    by_rel = {p.relative_to(src).as_posix(): p for p in files}
    by_name: dict[str, list[Path]] = {}
    for p in files:
        by_name.setdefault(p.name, []).append(p)
    hashes: dict[Path, str] = {}

    def digest(p: Path) -> str:
        if p not in hashes:
            hashes[p] = sha256_file(p)
        return hashes[p]

    present, missing, changed = [], [], []
    claimed: set[Path] = set()
    for e in manifest.entries:
        cand = by_rel.get(e.file) or next(iter(by_name.get(e.name, [])), None)
        if cand is None:
            missing.append(e)
            continue
        claimed.add(cand)
        actual = digest(cand)
        if actual == e.sha256:
            present.append((e, cand))
        else:
            changed.append((e, cand, actual))
    # a renamed copy of a known document still counts as present
    known = {e.sha256: e for e in missing}
    unknown = []
    for p in files:
        if p in claimed:
            continue
        if known and digest(p) in known:
            e = known.pop(digest(p))
            missing.remove(e)
            present.append((e, p))
        else:
            unknown.append(p)
    return CorpusCheck(src, tuple(present), tuple(missing), tuple(changed), tuple(unknown))


# ---------------------------------------------------------------------------------------------
# downloading
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchReport:
    dest_dir: Path
    downloaded: tuple[str, ...] = ()  # doc_ids
    already_present: tuple[str, ...] = ()
    no_url: tuple[str, ...] = ()  # no public source
    not_fetchable: tuple[str, ...] = ()  # corpus copy derived from the source: cannot verify
    failed: tuple[tuple[str, str], ...] = ()  # (doc_id, reason), incl. sha256 mismatches
    bytes_downloaded: int = 0

    def to_json(self) -> dict:
        d = asdict(self)
        d["dest_dir"] = str(self.dest_dir)
        d["failed"] = [{"doc_id": i, "reason": r} for i, r in self.failed]
        return d


@dataclass
class _FetchState:
    downloaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    no_url: list[str] = field(default_factory=list)
    not_fetchable: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    nbytes: int = 0
    attempted: bool = False  # a download was attempted (offline detection applies to the first)


def fetch(
    dest_dir: Path | str,
    entries: Iterable[ManifestEntry] | None = None,
    timeout: float = 10,
    *,
    manifest: CorpusManifest | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> FetchReport:
    """Download manifest documents that have a public URL into ``dest_dir/<entry.file>``.

    Files already present with the right sha256 are skipped; each download is verified against
    the manifest's sha256 and written atomically (temporary file + ``os.replace``), so a mismatch
    or an interrupted download never leaves a bad file.  ``progress(doc_id, status)`` is called
    per document.  Raises OfflineError when the first download attempted cannot reach its host.
    """
    dest = Path(dest_dir)
    if entries is None:
        entries = (manifest if manifest is not None else CorpusManifest.load()).entries
    st = _FetchState()
    for e in entries:
        _notify(progress, e.doc_id, _fetch_one(e, dest / e.file, timeout, st))
    return FetchReport(
        dest,
        tuple(st.downloaded),
        tuple(st.present),
        tuple(st.no_url),
        tuple(st.not_fetchable),
        tuple(st.failed),
        st.nbytes,
    )


def _fetch_one(e: ManifestEntry, target: Path, timeout: float, st: _FetchState) -> str:
    """Fetch one document into ``target``; its status, recorded in ``st``."""
    if target.is_file() and sha256_file(target) == e.sha256:
        st.present.append(e.doc_id)
        return "present"
    if not e.url:
        st.no_url.append(e.doc_id)
        return "no-url"
    if e.derived:
        st.not_fetchable.append(e.doc_id)
        return "not-fetchable"
    first = not st.attempted
    st.attempted = True
    try:
        data = _download(e.url, timeout)
    except _Unreachable as exc:
        if first and not st.downloaded:
            raise OfflineError(
                f"offline: cannot reach {exc.host} ({exc.reason}); nothing was downloaded"
            ) from exc
        st.failed.append((e.doc_id, f"cannot reach {exc.host} ({exc.reason})"))
        return "failed"
    except _HttpFailure as exc:
        st.failed.append((e.doc_id, str(exc)))
        return "failed"
    actual = hashlib.sha256(data).hexdigest()
    if actual != e.sha256:
        st.failed.append(
            (
                e.doc_id,
                f"sha256 mismatch: expected {e.sha256[:12]}..., got "
                f"{actual[:12]}... ({len(data)} bytes); not written",
            )
        )
        return "mismatch"
    _atomic_write(target, data)
    st.downloaded.append(e.doc_id)
    st.nbytes += len(data)
    return "downloaded"


def _notify(progress: Callable[[str, str], None] | None, doc_id: str, status: str) -> None:
    if progress is not None:
        progress(doc_id, status)


class _Unreachable(Exception):
    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host, self.reason = host, reason


class _HttpFailure(Exception):
    pass


def _download(url: str, timeout: float) -> bytes:
    parts = urlsplit(url)
    host = parts.netloc or url
    req = urllib.request.Request(url, headers={"User-Agent": "wbpolicy-corpus-fetch"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        raise _HttpFailure(f"HTTP {exc.code} {exc.reason} for {url}") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = getattr(reason, "strerror", None) or str(reason)
        raise _Unreachable(host, text) from exc
    except TimeoutError as exc:
        raise _Unreachable(host, f"timed out after {timeout:g}s") from exc
    except (ConnectionError, OSError) as exc:
        raise _Unreachable(host, exc.strerror or str(exc)) from exc


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
