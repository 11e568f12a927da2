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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.chunk import CHUNKER_VERSION
from wbpolicy.errors import ExtractionError, IndexMismatch, NotFound
from wbpolicy.fsutil import sha256_file
from wbpolicy.index import Index
from wbpolicy.index.writer import Writer
from wbpolicy.models import (
    IngestSummary,
    Passage,
    Problem,
)
from wbpolicy.prepare import Job, Preparer, embedding_input, prepare_locally
from wbpolicy.settings import Settings, index_settings
from wbpolicy.text import ascii_slug

if TYPE_CHECKING:
    from wbpolicy.embed import Embedder

log = logging.getLogger(__name__)

Progress = Callable[[str, str, int, int], None]


# (path, sha256) -> an object with doc_id, title, kind, country, year, language, url; or None
MetadataLookup = Callable[[Path, str], Any]


def chunking_settings(settings: Settings) -> dict[str, Any]:
    """Everything that shapes the stored passages and their vectors: part of the index key."""
    from wbpolicy.extract import EXTRACTOR_VERSION

    c = settings.chunk
    layouts = index_settings(settings)
    return {
        "extractor_version": EXTRACTOR_VERSION,
        # a digest of the extraction layouts: a changed threshold re-extracts every file
        "layouts": hashlib.sha256(
            json.dumps([layouts["PdfLayout"], layouts["TextLayout"]], sort_keys=True).encode()
        ).hexdigest()[:12],
        "chunker_version": CHUNKER_VERSION,
        "max_tokens": c.max_tokens,
        "min_tokens": c.min_tokens,
        "embed_context": c.embed_context,
        "context_max_chars": c.context_max_chars,
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
) -> IngestSummary:
    """Index ``paths`` (files or folders, recursive).  ``force`` re-indexes unchanged files and
    allows switching the index to another embedding model (every stored passage is re-embedded).
    ``metadata(path, sha256)`` gives a file's known metadata (default: the corpus manifest);
    ``preparer`` does the per-document work (default: :func:`prepare_locally`)."""
    from wbpolicy.extract import iter_documents

    files = [Path(p) for p in iter_documents([Path(p) for p in paths])]
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
                metadata or _manifest_lookup(),
                preparer,
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
) -> None:
    chunking = chunking_settings(settings)
    key = index_key(embedder.model_id, chunking)
    jobs = list(_jobs(writer, files, key, force, lookup, tally, run_id, progress))
    for job, prepared in (preparer or prepare_locally)(jobs, embedder, settings, key):
        if progress:
            progress("document", str(job.path), job.position, len(files))
        if isinstance(prepared, ExtractionError):
            _fail(
                writer,
                run_id,
                tally,
                job.path,
                prepared.code,
                prepared.reason,
                sha256=job.sha256,
                index_key=key,
            )
            continue
        if progress:
            progress("write", str(job.path), job.position, len(files))
        writer.write_document(
            prepared, model_id=embedder.model_id, dim=embedder.dim, chunking=chunking, run_id=run_id
        )
        tally.documents += 1
        tally.pages += len(prepared.extraction.pages)
        tally.passages += len(prepared.passages)
        tally.problems.extend(prepared.extraction.problems)
    if progress:
        progress("done", "", len(files), len(files))


def _jobs(
    writer: Writer,
    files: Sequence[Path],
    key: str,
    force: bool,
    lookup: MetadataLookup,
    tally: _Tally,
    run_id: int,
    progress: Progress | None,
) -> Iterator[Job]:
    """The files that need work, in order; unchanged ones are counted, unreadable ones failed."""
    seen: set[str] = set()
    for i, path in enumerate(files):
        try:
            sha = sha256_file(path)
        except OSError as exc:
            _fail(writer, run_id, tally, path, "unreadable", str(exc))
            continue
        entry = lookup(path, sha)
        doc_id = _doc_id(writer, path, getattr(entry, "doc_id", None), seen)
        seen.add(doc_id)
        state = writer.document_state(doc_id)
        if not force and state == (sha, key):
            tally.unchanged += 1
            if progress:
                progress("unchanged", str(path), i, len(files))
            continue
        failed = None if force else writer.known_failure(str(path.resolve()), sha, key)
        if failed is not None:  # the same bytes failed before: report, do not read again
            _fail(writer, run_id, tally, path, *failed, sha256=sha, index_key=key)
            continue
        yield Job(i, path, sha, doc_id, entry)


def _fail(
    writer: Writer, run_id: int, tally: _Tally, path: Path, code: str, reason: str, **known: str
) -> None:
    tally.problems.append(Problem(path=str(path), code=code, message=reason, fatal=True))
    tally.failed.append(str(path))
    writer.record_failure(run_id, str(path), code, reason, **known)


# --------------------------------------------------------------------------------------------
# metadata


def _manifest_lookup() -> MetadataLookup:
    from wbpolicy.corpus import CorpusManifest

    return CorpusManifest.load().lookup


def _doc_id(writer: Writer, path: Path, manifest_id: str | None, seen: set[str]) -> str:
    """The manifest's doc_id, else the file-stem slug; a different file that already owns the
    slug (same stem in another folder) gets a suffix from its path, stable across edits."""
    if manifest_id:
        return manifest_id
    base = ascii_slug(path.stem)
    resolved = str(path.resolve())
    owner = writer.document_path(base)
    taken = base in seen or (owner is not None and owner != resolved and Path(owner).exists())
    if not taken:
        return base
    return f"{base}-{hashlib.sha1(resolved.encode()).hexdigest()[:6]}"


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


def remove(doc_id: str, settings: Settings) -> None:
    """Drop a document (its passages, vectors, citations, mentions...) and refresh FAISS."""
    if not settings.db_path.is_file():
        raise NotFound(f"no document {doc_id!r}: there is no index at {settings.index_dir}")
    index = Index.open(settings, readonly=False)
    try:
        if not index.writer.remove_document(doc_id):
            raise NotFound(f"no document {doc_id!r}; `wbpolicy docs` lists the documents")
        index.rebuild_vectors()
    finally:
        index.close()
