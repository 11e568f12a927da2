"""Ingest files into the index, incrementally and atomically: orchestration only.

For each file: hash it; skip it when the stored document has the same sha256 and was indexed with
the same model and chunking settings; otherwise extract it (in a pool of worker processes), chunk,
tag and embed it *outside* any transaction, then write everything about it in ONE transaction
that first deletes its previous version (:class:`wbpolicy.index.writer.Writer`).  An interruption
(exception, Ctrl-C, kill) therefore leaves every document fully old or fully new, and SQLite stays
the truth: the FAISS file and the manifest are rewritten atomically at the end, and readers
rebuild the vectors from SQLite whenever the store generation moved on.

Document metadata (title, kind, country, year, language, URL) comes from a lookup passed in
(default: the corpus manifest), else from inference over the file name, title and text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.chunk import CHUNKER_VERSION
from wbpolicy.docmeta import FIELDS, UserMetadata, layered_lookup
from wbpolicy.errors import ExtractionError, IndexMismatch, NotFound, WbpolicyError
from wbpolicy.fsutil import path_text, regular_file_problem, sha256_file
from wbpolicy.index import Index
from wbpolicy.index.writer import Writer
from wbpolicy.models import (
    IngestSummary,
    Passage,
    Problem,
)
from wbpolicy.prepare import Job, Preparer, embedding_input, prepare_locally
from wbpolicy.settings import Settings, index_settings
from wbpolicy.text.translit import readable_slug

if TYPE_CHECKING:
    from wbpolicy.embed import Embedder

log = logging.getLogger(__name__)

Progress = Callable[[str, str, int, int], None]


# (path, sha256) -> an object with doc_id, title, kind, country, year, language, url; or None
MetadataLookup = Callable[[Path, str], Any]


def chunking_settings(settings: Settings) -> dict[str, Any]:
    """Everything that shapes the stored passages and their vectors: part of the index key."""
    from wbpolicy.enrich.tag import TAGGER_VERSION
    from wbpolicy.extract import EXTRACTOR_VERSION
    from wbpolicy.extract.ocr import ocr_enabled
    from wbpolicy.knowledge import facts_digest

    c = settings.chunk
    layouts = index_settings(settings)
    return {
        "extractor_version": EXTRACTOR_VERSION,
        # a digest of the extraction layouts: a changed threshold re-extracts every file
        "layouts": hashlib.sha256(
            json.dumps([layouts["PdfLayout"], layouts["TextLayout"]], sort_keys=True).encode()
        ).hexdigest()[:12],
        "chunker_version": CHUNKER_VERSION,
        # pages without a text layer are read only with OCR on and Tesseract installed: a change
        # of either re-reads the documents (a scan that failed before goes in)
        "ocr": ocr_enabled(settings.pdf_layout),
        # entities and passage countries: changed facts or rules re-tag every document
        "tagging": f"{TAGGER_VERSION}:{facts_digest()}",
        "max_tokens": c.max_tokens,
        "min_tokens": c.min_tokens,
        "embed_context": c.embed_context,
        "context_max_chars": c.context_max_chars,
        "max_sentence_chars": c.max_sentence_chars,
        "document_text": "blocks joined by \\n\\n",
    }


def index_key(model_id: str, chunking: dict[str, Any]) -> str:
    blob = json.dumps({"model": model_id, "chunking": chunking}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# the run


@dataclass
class _Tally:
    documents: int = 0
    unchanged: int = 0
    pages: int = 0
    passages: int = 0
    problems: list[Problem] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> IngestSummary:
        return IngestSummary(
            documents=self.documents,
            unchanged=self.unchanged,
            pages=self.pages,
            passages=self.passages,
            problems=tuple(self.problems),
            failed=tuple(self.failed),
        )


def ingest(
    paths: Iterable[Path | str],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    force: bool = False,
    metadata: MetadataLookup | None = None,
    preparer: Preparer | None = None,
    replace: str | None = None,
    given: UserMetadata | None = None,
) -> IngestSummary:
    """Index ``paths`` (files or folders, recursive).  ``force`` re-indexes unchanged files and
    allows switching the index to another embedding model (every stored passage is re-embedded).
    ``metadata(path, sha256)`` gives a file's known metadata (default: the corpus manifest);
    ``preparer`` does the per-document work (default: :func:`prepare_locally`).  ``replace``
    gives the one file named the id of an existing document, which it replaces wherever that
    document came from; ``given`` sets metadata fields of the one file named, above its
    sidecars and the manifest (:mod:`wbpolicy.docmeta`)."""
    from wbpolicy.extract import iter_documents

    roots = tuple(Path(p) for p in paths)
    files = [Path(p) for p in iter_documents(roots)]
    for option, used in (("--replace", replace is not None), ("metadata options", given)):
        if used and len(files) != 1:
            raise WbpolicyError(f"{option}: name exactly one file ({len(files)} found)")
    lookup = layered_lookup(metadata or _manifest_lookup(), given, roots)
    index = Index.open(settings, readonly=False)
    try:
        if embedder is None:
            from wbpolicy.embed import load_embedder

            embedder = load_embedder(settings.model, batch_size=settings.batch_size)
        _check_or_switch_model(index, embedder, force, settings)
        index.embedder = embedder  # the manifest records what produced the vectors
        writer = index.writer
        run_id = writer.start_run()
        tally = _Tally()
        try:
            _run(
                index,
                writer,
                files,
                embedder,
                settings,
                run_id,
                tally,
                progress,
                force,
                lookup,
                preparer,
                replace,
            )
        except KeyboardInterrupt:
            writer.finish_run(run_id, "interrupted", tally.summary())
            raise
        except BaseException as exc:
            writer.finish_run(
                run_id, "failed", tally.summary(), error=f"{type(exc).__name__}: {exc}"
            )
            raise
        if progress:
            progress("vectors", "", len(files), len(files))
        if tally.documents:
            index.rebuild_vectors()
        else:
            index.vectors  # noqa: B018 - loads the cache, rebuilding and saving it only if stale
        writer.finish_run(run_id, "done", tally.summary())
        return tally.summary()
    finally:
        index.close()


def _run(
    index: Index,
    writer: Writer,
    files: Sequence[Path],
    embedder: Embedder,
    settings: Settings,
    run_id: int,
    tally: _Tally,
    progress: Progress | None,
    force: bool,
    lookup: MetadataLookup,
    preparer: Preparer | None = None,
    replace: str | None = None,
) -> None:
    chunking = chunking_settings(settings)
    key = index_key(embedder.model_id, chunking)
    if replace is not None and writer.document_path(replace) is None:
        raise NotFound(f"no document {replace!r} to replace; `wbpolicy docs` lists the documents")
    jobs = list(_jobs(writer, files, key, force, lookup, tally, run_id, progress, replace))
    work = embedder if progress is None else _ReportingEmbedder(embedder, progress)
    for job, prepared in (preparer or prepare_locally)(jobs, work, settings, key):
        shown = path_text(job.path)
        if progress:
            progress("document", shown, job.position, len(files))
        if isinstance(prepared, ExtractionError):
            _fail(
                writer,
                run_id,
                tally,
                shown,
                prepared.code,
                prepared.reason,
                sha256=job.sha256,
                index_key=key,
            )
            continue
        if progress:
            progress("write", shown, job.position, len(files))
        try:
            writer.write_document(
                prepared,
                model_id=embedder.model_id,
                dim=embedder.dim,
                chunking=chunking,
                run_id=run_id,
            )
        except (KeyboardInterrupt, MemoryError, WbpolicyError, sqlite3.OperationalError):
            raise  # the index itself cannot be written: stop, the transaction rolled back
        except Exception as exc:  # noqa: BLE001 - e.g. text the store refuses: this file only
            log.debug("writing %s failed", shown, exc_info=True)
            _fail(writer, run_id, tally, shown, "failed", f"could not be stored: {_one_line(exc)}")
            continue
        tally.documents += 1
        tally.pages += len(prepared.extraction.pages)
        tally.passages += len(prepared.passages)
        tally.problems.extend(prepared.extraction.problems)
    if progress:
        progress("done", "", len(files), len(files))


class _ReportingEmbedder:
    """The run's embedder, reporting progress inside a large file: ``progress("embedding",
    "", done, total)`` every ``step`` passages (embedding is most of a big file's time)."""

    step = 256

    def __init__(self, inner: Embedder, progress: Progress) -> None:
        self.inner = inner
        self.progress = progress

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed(self, texts: Sequence[str], kind: Any = "passage") -> Any:
        if kind != "passage" or len(texts) <= self.step:
            return self.inner.embed(texts, kind)
        import numpy as np

        parts = []
        for start in range(0, len(texts), self.step):
            parts.append(self.inner.embed(texts[start : start + self.step], kind))
            self.progress("embedding", "", min(start + self.step, len(texts)), len(texts))
        return np.concatenate(parts)


def _jobs(
    writer: Writer,
    files: Sequence[Path],
    key: str,
    force: bool,
    lookup: MetadataLookup,
    tally: _Tally,
    run_id: int,
    progress: Progress | None,
    replace: str | None = None,
) -> Iterator[Job]:
    """The files that need work, in order; unchanged ones are counted, unreadable ones failed.
    Each file is judged inside its own error boundary: an odd file fails alone."""
    ids = _Ids(writer, getattr(lookup, "reserved_ids", frozenset()))
    seen_paths: set[str] = set()
    queued: set[str] = set()
    for i, path in enumerate(files):
        shown = path_text(path)
        try:
            resolved = path_text(path.resolve())
            if resolved in seen_paths:  # the same file named twice: once is enough
                log.info("%s: named more than once; indexed once", shown)
                continue
            seen_paths.add(resolved)
            problem = regular_file_problem(path)
            if problem is not None:
                _fail(writer, run_id, tally, shown, "unreadable", problem)
                continue
            sha = sha256_file(path)
            try:
                entry = lookup(path, sha)
            except WbpolicyError as exc:  # a sidecar naming no known country, say: this file
                _fail(writer, run_id, tally, shown, "metadata", str(exc))
                continue
            doc_id = replace or ids.assign(resolved, getattr(entry, "doc_id", None))
            state = writer.document_state(doc_id)
            if doc_id in queued:  # the same bytes as a file before it (a copy): indexed once
                log.info("%s: same document as another file of this run; indexed once", shown)
                continue
            if not force and state == (sha, key):
                tally.unchanged += 1
                if progress:
                    progress("unchanged", shown, i, len(files))
                continue
            failed = None if force else writer.known_failure(resolved, sha, key)
            if failed is not None:  # the same bytes failed before: report, do not read again
                _fail(writer, run_id, tally, shown, *failed, sha256=sha, index_key=key)
                continue
        except (KeyboardInterrupt, MemoryError, WbpolicyError, sqlite3.Error):
            raise  # the index itself is in trouble, or the user stopped the run
        except OSError as exc:
            _fail(writer, run_id, tally, shown, "unreadable", exc.strerror or str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one odd file must not sink the batch
            log.debug("preparing %s failed", shown, exc_info=True)
            _fail(writer, run_id, tally, shown, "failed", _one_line(exc))
            continue
        queued.add(doc_id)
        yield Job(i, path, sha, doc_id, entry, resolved)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def _fail(
    writer: Writer, run_id: int, tally: _Tally, path: str, code: str, reason: str, **known: str
) -> None:
    tally.problems.append(Problem(path=path, code=code, message=reason, fatal=True))
    tally.failed.append(path)
    writer.record_failure(run_id, path, code, reason, **known)


# --------------------------------------------------------------------------------------------
# metadata and identity


def _manifest_lookup() -> MetadataLookup:
    from wbpolicy.corpus import CorpusManifest

    return CorpusManifest.load()


class _Ids:
    """Document ids for the files of one run.  A file known to the metadata lookup (by content)
    takes its id; a file already stored from the same path keeps its id (it is replaced);
    any other file gets a readable slug of its name, with a suffix from its path when another
    file owns that slug already, is given it earlier in this run, or the manifest reserves it.
    Two different files therefore never share an id, and a document is replaced only by a new
    version at its own path (or by ``ingest --replace DOC``)."""

    def __init__(self, writer: Writer, reserved: frozenset[str]) -> None:
        self.writer = writer
        self.reserved = reserved
        self.given: dict[str, str] = {}  # id -> resolved path, in this run

    def assign(self, resolved: str, known_id: str | None) -> str:
        doc_id = known_id or self.writer.document_at(resolved) or self._new(resolved)
        self.given.setdefault(doc_id, resolved)
        return doc_id

    def _new(self, resolved: str) -> str:
        base = readable_slug(Path(resolved).stem)
        candidate, n = base, 0
        while self._taken(candidate, resolved):
            n += 1
            digest = hashlib.sha1(f"{resolved}\0{n}".encode()).hexdigest()[:6]
            candidate = f"{base}-{digest}"
        return candidate

    def _taken(self, doc_id: str, resolved: str) -> bool:
        if doc_id in self.reserved or self.given.get(doc_id, resolved) != resolved:
            return True
        owner = self.writer.document_path(doc_id)
        return owner is not None and owner != resolved


# --------------------------------------------------------------------------------------------
# model switches and removal


def _check_or_switch_model(
    index: Index, embedder: Embedder, force: bool, settings: Settings
) -> None:
    try:
        index.check_model(embedder.model_id)
        return
    except IndexMismatch:
        if not force:
            raise
    log.warning("re-embedding every stored passage with %s", embedder.model_id)
    writer = index.writer
    rows = writer.passages_for_embedding()
    if not rows:
        return
    inputs = [
        embedding_input(
            Passage(
                r["text"],
                "body",
                tuple(r["section"].split(" > ")) if r["section"] else (),
                (),
                0,
                0,
            ),
            r["title"],
            settings.chunk,
        )
        for r in rows
    ]
    vecs = embedder.embed(inputs, "passage")
    writer.replace_embeddings(
        [r["id"] for r in rows], vecs, model_id=embedder.model_id, dim=embedder.dim
    )


def set_metadata(doc_id: str, settings: Settings, given: UserMetadata) -> None:
    """Edit a document's metadata in place (no re-extraction, no re-embedding) and re-derive
    what depends on it: the countries its passages are about, the title's instruments."""
    from wbpolicy.enrich.classify import passage_countries

    fields: dict[str, Any] = {f: getattr(given, f) for f in FIELDS if getattr(given, f) is not None}
    if "url" in fields:
        fields["source_url"] = fields.pop("url")
    if not fields:
        raise WbpolicyError("nothing to set: give --title, --country, --kind, --year or --language")
    instruments = None
    if "title" in fields:
        from wbpolicy.prepare import title_instruments

        instruments = title_instruments(fields["title"])
    index = Index.open(settings, readonly=False, create=False)
    try:
        if not index.writer.update_metadata(doc_id, fields, passage_countries, instruments):
            raise NotFound(f"no document {doc_id!r}; `wbpolicy docs` lists the documents")
        index.rebuild_vectors()
    finally:
        index.close()


def remove(doc_id: str, settings: Settings) -> None:
    """Drop a document (its passages, vectors, citations, mentions...) and refresh FAISS."""
    index = Index.open(settings, readonly=False, create=False)
    try:
        if not index.writer.remove_document(doc_id):
            raise NotFound(f"no document {doc_id!r}; `wbpolicy docs` lists the documents")
        index.rebuild_vectors()
    finally:
        index.close()
