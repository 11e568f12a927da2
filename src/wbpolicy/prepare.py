"""The per-document work of an ingest, which needs no index: extraction (PDFs in worker
processes), document metadata, chunking, tagging and embedding.  The result, a
:class:`~wbpolicy.index.writer.PreparedDocument`, goes to the one writer."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.chunk import chunk
from wbpolicy.errors import ExtractionError
from wbpolicy.fsutil import path_text
from wbpolicy.index.writer import PreparedDocument, entity_id
from wbpolicy.models import Document, Entity, Extraction, Passage, section_str
from wbpolicy.settings import ChunkSettings, Settings

if TYPE_CHECKING:
    from wbpolicy.embed import Embedder
    from wbpolicy.extract.layout import TextLayout
    from wbpolicy.extract.pdf.layout import PdfLayout

log = logging.getLogger(__name__)


def embedding_input(p: Passage, title: str | None, c: ChunkSettings | None = None) -> str:
    """What the model reads of a passage (the stored text stays verbatim)."""
    from wbpolicy.embed import passage_input

    c = c or ChunkSettings()
    if c.embed_context == "none":
        return p.text
    context_title = (title or "")[: c.context_max_chars]
    section = section_str(p.section)
    if section and len(section) > c.context_max_chars:
        section = section[-c.context_max_chars :]  # the innermost headings say the most
    return passage_input(p.text, context_title or None, section)


@dataclass(frozen=True)
class Job:
    """A file that needs (re)indexing."""

    position: int
    path: Path
    sha256: str
    doc_id: str
    entry: Any
    # the file's resolved path, as the driver's file system sees it (a job prepared on another
    # machine must not resolve it there); None: resolve ``path`` where the job is prepared
    resolved: str | None = None


# --------------------------------------------------------------------------------------------
# preparing documents: extraction in parallel, the rest in this process

Prepared = tuple[Job, PreparedDocument | ExtractionError]
# (jobs, embedder, settings, index key) -> prepared documents, in any order; the one writer
# writes each as it comes.  Another implementation may fan the work out to other machines.
Preparer = Callable[[list[Job], "Embedder", Settings, str], Iterator[Prepared]]


def prepare_locally(
    jobs: list[Job], embedder: Embedder, settings: Settings, key: str
) -> Iterator[Prepared]:
    for job, extracted in _extractions(jobs, settings):
        if isinstance(extracted, ExtractionError):
            yield job, extracted
        else:
            yield job, prepare_safely(job, extracted, embedder, settings, key)


def prepare_file(
    job: Job, embedder: Embedder, settings: Settings, key: str, source: Path | None = None
) -> PreparedDocument | ExtractionError:
    """Extract and prepare one job's file, each step inside the file's error boundary and time
    limit, in this process (e.g. a Ray task: :mod:`wbpolicy.distributed`).  ``source`` is where
    the file's bytes are when not at ``job.path`` (a copy on another machine)."""
    src = source or job.path
    limit = settings.ingest.time_limit(_size(src))
    extracted = extract_safely(src, settings.pdf_layout, settings.text_layout, limit)
    if isinstance(extracted, ExtractionError):
        return extracted
    return prepare_safely(job, extracted, embedder, settings, key, limit=limit)


def prepare_safely(
    job: Job,
    extraction: Extraction,
    embedder: Embedder,
    settings: Settings,
    key: str,
    limit: float | None = None,
) -> PreparedDocument | ExtractionError:
    """:func:`prepare` inside the file's error boundary and time limit (``limit`` seconds; None:
    the file's own from the settings): a failure in chunking, tagging or embedding comes back as
    an ExtractionError naming the stage."""
    stage = ["metadata"]
    if limit is None:
        limit = settings.ingest.time_limit(_size(job.path))
    try:
        with time_limit(limit):
            return prepare(job, extraction, embedder, settings.chunk, key, stage)
    except FileTimeout:
        return ExtractionError(job.path, "timeout", f"{stage[-1]} took over {limit:.0f} s")
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - one odd file must not sink the batch
        log.debug("%s of %s failed", stage[-1], job.path, exc_info=True)
        reason = f"{stage[-1]} failed: {type(exc).__name__}: {exc}"
        return ExtractionError(job.path, "failed", reason)


class FileTimeout(BaseException):
    """One file's work ran past ``IngestSettings.file_timeout_s``.  Not an Exception, so that an
    extractor's ``except Exception`` (a PDF's "unparseable" boundary) cannot report it as a
    corrupt file: the boundaries here catch it by name."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`FileTimeout` in this thread after ``seconds`` (0: no limit).  Uses a real-time
    timer signal, so it works in the main thread of a process only (elsewhere: no limit)."""
    import signal
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_safely(
    path: Path,
    pdf_layout: PdfLayout | None = None,
    text_layout: TextLayout | None = None,
    timeout_s: float = 0,
) -> Extraction | ExtractionError:
    """Extract one file; every failure comes back as an ExtractionError value (an extractor bug
    on one odd file must not sink the whole run), and so does running past ``timeout_s``."""
    from wbpolicy.extract import extract

    try:
        with time_limit(timeout_s):
            return extract(path, pdf_layout=pdf_layout, text_layout=text_layout)
    except FileTimeout:
        return ExtractionError(path, "timeout", f"extraction took over {timeout_s:.4g} s")
    except ExtractionError as exc:
        return exc
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001
        log.debug("extracting %s failed", path, exc_info=True)
        return ExtractionError(path, "corrupt", f"could not be read: {type(exc).__name__}: {exc}")


def _workers(settings: Settings, jobs: list[Job]) -> int:
    """Worker processes worth starting: PDFs are what is slow to extract."""
    pdf_bytes = sum(_size(j.path) for j in jobs if j.path.suffix.lower() == ".pdf")
    if len(jobs) < 2 or pdf_bytes < settings.ingest.parallel_min_bytes:
        return 0
    wanted = settings.ingest.workers or (os.cpu_count() or 1)
    return max(0, min(wanted, len(jobs)))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _extractions(
    jobs: list[Job], settings: Settings
) -> Iterator[tuple[Job, Extraction | ExtractionError]]:
    """Extractions in job order; with several files, computed ahead in worker processes."""
    workers = _workers(settings, jobs)
    if workers <= 1:
        for job in jobs:
            yield (
                job,
                extract_safely(
                    job.path,
                    settings.pdf_layout,
                    settings.text_layout,
                    settings.ingest.time_limit(_size(job.path)),
                ),
            )
        return
    import multiprocessing

    # spawn: the main process holds model threads, which forked children must not inherit
    ctx = multiprocessing.get_context("spawn")
    ahead = max(workers, settings.ingest.prefetch)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: list[tuple[Job, Future[Extraction | ExtractionError]]] = []
        queue = iter(jobs)
        try:
            for job in queue:
                fut = pool.submit(
                    extract_safely,
                    job.path,
                    settings.pdf_layout,
                    settings.text_layout,
                    settings.ingest.time_limit(_size(job.path)),
                )
                pending.append((job, fut))
                if len(pending) >= ahead:
                    yield _result(*pending.pop(0))
            while pending:
                yield _result(*pending.pop(0))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _result(
    job: Job, fut: Future[Extraction | ExtractionError]
) -> tuple[Job, Extraction | ExtractionError]:
    try:
        return job, fut.result()
    except Exception as exc:  # noqa: BLE001 - a worker that died takes only its own file
        return job, ExtractionError(
            job.path, "corrupt", f"could not be read: {type(exc).__name__}: {exc}"
        )


def document_metadata(job: Job, extraction: Extraction) -> Document:
    """The document's fields: what the metadata lookup gave (the user's options and sidecars,
    the corpus manifest), and for what it left unset, inference from the document itself —
    its title and first page before its file name (see :mod:`wbpolicy.docmeta`)."""
    entry = job.entry
    complete = entry is not None and getattr(entry, "complete", True)
    name = path_text(job.path.name)  # a file name need not be valid UTF-8
    title = (getattr(entry, "title", None) or extraction.title or Path(name).stem).strip()
    kind = getattr(entry, "kind", None)
    country = getattr(entry, "country", None)
    year = getattr(entry, "year", None)
    if not complete:
        from wbpolicy.enrich.classify import infer_country, infer_kind, infer_year

        sample = "\n\n".join(b.text for b in extraction.blocks[:60])
        kind = kind or infer_kind(title, sample, name)
        country = country or infer_country(title, sample, name)
        year = year or infer_year(title, name)
    return Document(
        doc_id=job.doc_id,
        title=title,
        kind=kind or "other",
        country=country,
        year=year,
        language=getattr(entry, "language", None) or extraction.language,
        source_url=getattr(entry, "url", None),
        path=job.resolved or path_text(job.path.resolve()),
        format=extraction.format,
        sha256=job.sha256,
    )


# --------------------------------------------------------------------------------------------
# per-document work outside the transaction


def prepare(
    job: Job,
    extraction: Extraction,
    embedder: Embedder,
    c: ChunkSettings,
    key: str,
    stage: list[str] | None = None,
) -> PreparedDocument:
    """Chunk, tag and embed one extracted document (no index access: runs anywhere).  ``stage``,
    when given, is appended the name of each stage as it starts (for error messages)."""
    from wbpolicy.enrich.classify import passage_countries

    stage = stage if stage is not None else []
    stage.append("metadata")
    doc = document_metadata(job, extraction)
    stage.append("chunking")
    passages = chunk(
        extraction, embedder.count_tokens, c.max_tokens, c.min_tokens, c.max_sentence_chars
    )
    stage.append("tagging")
    entities = _tag([p.text for p in passages])
    countries = [
        dict(passage_countries(p.section, doc.country, ents))
        for p, ents in zip(passages, entities, strict=True)
    ]
    instruments = title_instruments(doc.title)
    stage.append("embedding")
    vectors = embedder.embed([embedding_input(p, doc.title, c) for p in passages], "passage")
    return PreparedDocument(
        doc=doc,
        extraction=extraction,
        passages=passages,
        entities=entities,
        countries=countries,
        vectors=vectors,
        index_key=key,
        entity_names=_entity_names(entities),
        title_instruments=instruments,
    )


def title_instruments(title: str) -> tuple[str, ...]:
    """The instruments a document's title names (a convention's text need not name itself)."""
    return tuple(e.id for e in _tag([title])[0] if e.label == "INSTRUMENT" and e.id)


def _tag(texts: list[str]) -> list[list[Entity]]:
    if not texts:
        return []
    from wbpolicy.enrich.tag import get_tagger

    return [list(ents) for ents in get_tagger().tag_many(texts)]


def _entity_names(entities: list[list[Entity]]) -> dict[str, str]:
    """The gazetteer's canonical name of each entity, else its surface text."""
    from wbpolicy.knowledge import knowledge

    know = knowledge()
    out: dict[str, str] = {}
    for ents in entities:
        for e in ents:
            eid = entity_id(e)
            entry = know.entry(eid)
            out.setdefault(eid, entry.name if entry is not None else e.text)
    return out
