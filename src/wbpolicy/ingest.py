"""Ingest files into the index, incrementally and atomically.

For each file: hash it; skip it when the stored document has the same sha256 and was indexed with
the same model and chunking settings; otherwise extract, chunk, tag and embed it *outside* any
transaction, then write everything about it in ONE transaction that first deletes its previous
version.  An interruption (exception, Ctrl-C, kill) therefore leaves every document fully old or
fully new, and SQLite stays the truth: the FAISS file and the manifest are rewritten atomically
at the end, and readers rebuild the vectors from SQLite whenever the store generation moved on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.chunk import CHUNKER_VERSION, chunk
from wbpolicy.config import Settings
from wbpolicy.errors import ExtractionError, IndexMismatch, NotFound
from wbpolicy.fsutil import sha256_file
from wbpolicy.index import META_CHUNKING, META_CREATED, META_DIM, META_MODEL, Index, now_iso
from wbpolicy.models import Entity, Extraction, IngestSummary, Passage, Problem, section_str

if TYPE_CHECKING:
    import numpy as np

    from wbpolicy.embed import Embedder

log = logging.getLogger(__name__)

Progress = Callable[[str, str, int, int], None]

# What the embedding model sees for a passage: "title+section" prefixes the document title and
# section path to the verbatim text (stored text stays verbatim).  Chosen by measurement on
# ../shared/eval/dev_queries.jsonl, dense retrieval only (see the module's report).
EMBED_CONTEXT = "title+section"
# keep the prefix short so the passage itself is not pushed past the model's 256-piece window
CONTEXT_MAX_CHARS = 160
META_PASSAGE_SEQ = "passage_seq"


def chunking_settings(settings: Settings) -> dict[str, Any]:
    from wbpolicy.extract import EXTRACTOR_VERSION

    return {
        "extractor_version": EXTRACTOR_VERSION,
        "chunker_version": CHUNKER_VERSION,
        "max_tokens": settings.max_tokens,
        "min_tokens": settings.min_tokens,
        "embed_context": EMBED_CONTEXT,
        "document_text": "blocks joined by \\n\\n",
    }


def index_key(model_id: str, chunking: dict[str, Any]) -> str:
    blob = json.dumps({"model": model_id, "chunking": chunking}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def embedding_input(p: Passage, title: str | None) -> str:
    from wbpolicy.embed import passage_input

    if EMBED_CONTEXT == "none":
        return p.text
    context_title = (title or "")[:CONTEXT_MAX_CHARS]
    section = section_str(p.section)
    if section and len(section) > CONTEXT_MAX_CHARS:
        section = section[-CONTEXT_MAX_CHARS:]  # the innermost headings say the most
    return passage_input(p.text, context_title or None, section)




def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "document"


@dataclass(frozen=True)
class DocMeta:
    doc_id: str
    title: str
    kind: str
    country: str | None
    year: int | None
    language: str | None
    source_url: str | None


@dataclass
class _Prepared:
    path: Path
    sha256: str
    meta: DocMeta
    extraction: Extraction
    passages: list[Passage]
    entities: list[list[Entity]]
    countries: list[dict[str, str]]
    vectors: np.ndarray


class _Run:
    """The ``runs`` row of one ingest; written outside document transactions on purpose, so the
    run log never bumps the store generation (which would invalidate the FAISS cache)."""

    def __init__(self, index: Index) -> None:
        self.conn = index.store.conn
        # a run still 'running' was killed (single writer: BEGIN IMMEDIATE serialises ingests)
        self.conn.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
            (now_iso(),),
        )
        cur = self.conn.execute(
            "INSERT INTO runs(started_at, status) VALUES(?, 'running')", (now_iso(),)
        )
        self.id = int(cur.lastrowid or 0)

    def finish(self, status: str, summary: IngestSummary | None, error: str | None = None) -> None:
        data: dict[str, Any] = asdict(summary) if summary else {}
        if error:
            data["error"] = error
        self.conn.execute(
            "UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE id = ?",
            (status, now_iso(), json.dumps(data, ensure_ascii=False), self.id),
        )


def ingest(
    paths: Iterable[Path | str],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> IngestSummary:
    """Index ``paths`` (files or folders, recursive).  ``force`` re-indexes unchanged files and
    allows switching the index to another embedding model (every stored passage is re-embedded)."""
    from wbpolicy.extract import iter_documents

    files = [Path(p) for p in iter_documents([Path(p) for p in paths])]
    index = Index.open(settings, readonly=False)
    try:
        if embedder is None:
            from wbpolicy.embed import load_embedder

            embedder = load_embedder(settings.model, batch_size=settings.batch_size)
        _check_or_switch_model(index, embedder, force)
        run = _Run(index)
        acc = _Accumulator()
        try:
            _ingest_files(index, files, embedder, settings, run, acc, progress, force)
        except KeyboardInterrupt:
            run.finish("interrupted", acc.summary())
            raise
        except BaseException as exc:
            run.finish("failed", acc.summary(), error=f"{type(exc).__name__}: {exc}")
            raise
        if progress:
            progress("vectors", "", len(files), len(files))
        if acc.documents:
            index.rebuild_vectors()
        else:
            index.vectors  # noqa: B018 - loads the cache, rebuilding and saving it only if stale
        summary = acc.summary()
        run.finish("done", summary)
        return summary
    finally:
        index.close()


class _Accumulator:
    def __init__(self) -> None:
        self.documents = self.unchanged = self.pages = self.passages = 0
        self.problems: list[Problem] = []
        self.failed: list[str] = []

    def summary(self) -> IngestSummary:
        return IngestSummary(
            documents=self.documents,
            unchanged=self.unchanged,
            pages=self.pages,
            passages=self.passages,
            problems=tuple(self.problems),
            failed=tuple(self.failed),
        )


def _ingest_files(
    index: Index,
    files: Sequence[Path],
    embedder: Embedder,
    settings: Settings,
    run: _Run,
    acc: _Accumulator,
    progress: Progress | None,
    force: bool,
) -> None:
    chunking = chunking_settings(settings)
    key = index_key(embedder.model_id, chunking)
    lookup = _manifest_lookup()
    seen: set[str] = set()
    for i, path in enumerate(files):
        if progress:
            progress("document", str(path), i, len(files))
        try:
            sha = sha256_file(path)
        except OSError as exc:
            _fatal(index, run, acc, path, "unreadable", str(exc))
            continue
        entry = lookup(path, sha)
        doc_id = _doc_id(index, path, getattr(entry, "doc_id", None), seen)
        seen.add(doc_id)
        row = index.store.conn.execute(
            "SELECT sha256, index_key FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        if not force and row and row["sha256"] == sha and row["index_key"] == key:
            acc.unchanged += 1
            continue
        try:
            extraction = _extract(path)
        except ExtractionError as exc:
            _fatal(index, run, acc, path, exc.code, exc.reason)
            continue
        prepared = _prepare(path, sha, doc_id, entry, extraction, embedder, settings)
        if progress:
            progress("write", str(path), i, len(files))
        _write_document(index, prepared, embedder, chunking, key, run.id)
        acc.documents += 1
        acc.pages += len(extraction.pages)
        acc.passages += len(prepared.passages)
        acc.problems.extend(extraction.problems)
    if progress:
        progress("done", "", len(files), len(files))


def _extract(path: Path) -> Extraction:
    from wbpolicy.extract import extract

    try:
        return extract(path)
    except ExtractionError:
        raise
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # an extractor bug on one odd file must not sink the whole run
        log.exception("extracting %s failed", path)
        raise ExtractionError(path, "corrupt", f"could not be read: {type(exc).__name__}: {exc}")


def _fatal(index: Index, run: _Run, acc: _Accumulator, path: Path, code: str, reason: str) -> None:
    problem = Problem(path=str(path), code=code, message=reason, fatal=True)
    acc.problems.append(problem)
    acc.failed.append(str(path))
    conn = index.store.conn
    # one current record per failing path; a single autocommit statement pair, no generation bump
    conn.execute("BEGIN")
    conn.execute("DELETE FROM problems WHERE doc_pk IS NULL AND path = ?", (str(path),))
    conn.execute(
        "INSERT INTO problems(run_id, doc_pk, path, code, message, pages, fatal) "
        "VALUES(?, NULL, ?, ?, ?, '[]', 1)",
        (run.id, str(path), code, reason),
    )
    conn.execute("COMMIT")


# -- metadata --------------------------------------------------------------------------------------


def _manifest_lookup() -> Callable[[Path, str], Any]:
    from wbpolicy.corpus import CorpusManifest

    manifest = CorpusManifest.load()
    return manifest.lookup


def _doc_id(index: Index, path: Path, manifest_id: str | None, seen: set[str]) -> str:
    """The manifest's doc_id, else the file-stem slug; a different file that already owns the
    slug (same stem in another folder) gets a suffix from its path, stable across edits."""
    if manifest_id:
        return manifest_id
    base = slugify(path.stem)
    resolved = str(path.resolve())
    row = index.store.conn.execute(
        "SELECT path FROM documents WHERE doc_id = ?", (base,)
    ).fetchone()
    owner = row["path"] if row else None
    taken = base in seen or (
        owner is not None and owner != resolved and Path(owner).exists()
    )
    if not taken:
        return base
    return f"{base}-{hashlib.sha1(resolved.encode()).hexdigest()[:6]}"


_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


def _metadata(path: Path, doc_id: str, entry: Any, extraction: Extraction) -> DocMeta:
    title = (getattr(entry, "title", None) or extraction.title or path.stem).strip()
    sample = "\n\n".join(b.text for b in extraction.blocks[:60])
    kind = getattr(entry, "kind", None)
    country = getattr(entry, "country", None)
    year = getattr(entry, "year", None)
    if entry is None:
        kind, country = _infer(title, sample, path.name)
        years = _YEAR.findall(path.stem)
        year = int(years[0]) if years else None
    return DocMeta(
        doc_id=doc_id,
        title=title,
        kind=kind or "other",
        country=country,
        year=year,
        language=getattr(entry, "language", None) or extraction.language,
        source_url=getattr(entry, "url", None),
    )


def _infer(title: str, text: str, filename: str) -> tuple[str | None, str | None]:
    from wbpolicy.classify import infer_country, infer_kind

    return infer_kind(title, text, filename), infer_country(title, text, filename)


# -- per-document work outside the transaction -------------------------------------------------------


def _prepare(
    path: Path,
    sha: str,
    doc_id: str,
    entry: Any,
    extraction: Extraction,
    embedder: Embedder,
    settings: Settings,
) -> _Prepared:
    meta = _metadata(path, doc_id, entry, extraction)
    passages = chunk(extraction, embedder.count_tokens, settings.max_tokens, settings.min_tokens)
    entities = _tag([p.text for p in passages])
    countries = [
        _passage_countries(p.section, meta.country, ents)
        for p, ents in zip(passages, entities, strict=True)
    ]
    vectors = embedder.embed([embedding_input(p, meta.title) for p in passages], "passage")
    return _Prepared(path, sha, meta, extraction, passages, entities, countries, vectors)


def _tag(texts: list[str]) -> list[list[Entity]]:
    if not texts:
        return []
    from wbpolicy.tag import get_tagger

    return [list(ents) for ents in get_tagger().tag_many(texts)]


def _passage_countries(
    section: tuple[str, ...], doc_country: str | None, entities: list[Entity]
) -> dict[str, str]:
    from wbpolicy.classify import passage_countries

    return dict(passage_countries(section, doc_country, entities))


# -- the one transaction per document -------------------------------------------------------------


def _write_document(
    index: Index,
    d: _Prepared,
    embedder: Embedder,
    chunking: dict[str, Any],
    key: str,
    run_id: int,
) -> None:
    store = index.store
    ex = d.extraction
    with store.transaction() as conn:
        _delete_document(conn, d.meta.doc_id)
        conn.execute("DELETE FROM problems WHERE doc_pk IS NULL AND path = ?", (str(d.path),))
        cur = conn.execute(
            "INSERT INTO documents(doc_id, path, sha256, format, title, kind, country, year, "
            "language, source_url, n_pages, ingested_at, index_key) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                d.meta.doc_id, str(d.path.resolve()), d.sha256, ex.format, d.meta.title,
                d.meta.kind, d.meta.country, d.meta.year, d.meta.language, d.meta.source_url,
                len(ex.pages), now_iso(), key,
            ),
        )
        doc_pk = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO pages(doc_pk, page, text, has_text) VALUES(?, ?, ?, ?)",
            [(doc_pk, pg.number, pg.text, int(pg.has_text)) for pg in ex.pages],
        )
        conn.executemany(
            "INSERT INTO footnotes(doc_pk, page, marker, text, urls) VALUES(?, ?, ?, ?, ?)",
            [(doc_pk, f.page, f.marker, f.text, json.dumps(list(f.urls))) for f in ex.footnotes],
        )
        conn.executemany(
            "INSERT INTO doc_tables(doc_pk, page, section, caption, rows) VALUES(?, ?, ?, ?, ?)",
            [
                (doc_pk, t.page, section_str(t.section), t.caption,
                 json.dumps([list(r) for r in t.rows], ensure_ascii=False))
                for t in ex.tables
            ],
        )
        conn.executemany(
            "INSERT INTO problems(run_id, doc_pk, path, code, message, pages, fatal) "
            "VALUES(?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, doc_pk, p.path, p.code, p.message, json.dumps(list(p.pages)), int(p.fatal))
                for p in ex.problems
            ],
        )
        first_id = _next_passage_id(store)
        for j, p in enumerate(d.passages):
            _insert_passage(conn, first_id + j, doc_pk, d, j)
        if d.passages:
            store.set_meta(META_PASSAGE_SEQ, str(first_id + len(d.passages) - 1))
        store.set_meta(META_MODEL, embedder.model_id)
        store.set_meta(META_DIM, str(embedder.dim))
        store.set_meta(META_CHUNKING, json.dumps(chunking, sort_keys=True))
        if store.get_meta(META_CREATED) is None:
            store.set_meta(META_CREATED, now_iso())


def _next_passage_id(store: Any) -> int:
    """Passage ids are never reused, so an id seen by a client never silently changes meaning."""
    seq = int(store.get_meta(META_PASSAGE_SEQ, "0") or 0)
    top = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM passages").fetchone()[0]
    return max(seq, int(top)) + 1


def _insert_passage(conn: sqlite3.Connection, pid: int, doc_pk: int, d: _Prepared, j: int) -> None:
    p = d.passages[j]
    section = section_str(p.section)
    conn.execute(
        "INSERT INTO passages(id, doc_pk, ordinal, kind, text, section, page_start, page_end, "
        "pages, char_start, char_end) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            pid, doc_pk, p.ordinal, p.kind, p.text, section,
            min(p.pages) if p.pages else None, max(p.pages) if p.pages else None,
            json.dumps(list(p.pages)), p.char_start, p.char_end,
        ),
    )
    conn.executemany(
        "INSERT INTO citations(passage_id, marker, text, url, urls, page, offset) "
        "VALUES(?, ?, ?, ?, ?, ?, ?)",
        [
            (pid, c.marker, c.text, c.url, json.dumps(list(c.urls)), c.page, c.offset)
            for c in p.citations
        ],
    )
    import numpy as np

    vec = np.ascontiguousarray(d.vectors[j], dtype=np.float32)
    conn.execute("INSERT INTO embeddings(passage_id, vector) VALUES(?, ?)", (pid, vec.tobytes()))
    for e in d.entities[j]:
        eid = e.id or f"{e.label.lower()}:{slugify(e.text)}"
        conn.execute(
            "INSERT INTO entities(id, label, name) VALUES(?, ?, ?) ON CONFLICT(id) DO NOTHING",
            (eid, e.label, _entity_name(eid, e)),
        )
        conn.execute(
            'INSERT INTO mentions(passage_id, entity_id, label, text, start, "end", source) '
            "VALUES(?, ?, ?, ?, ?, ?, ?)",
            (pid, eid, e.label, e.text, e.start, e.end, e.source),
        )
    conn.executemany(
        "INSERT OR IGNORE INTO passage_countries(passage_id, country, source) VALUES(?, ?, ?)",
        [(pid, c, src) for c, src in d.countries[j].items()],
    )
    conn.execute(
        "INSERT INTO passages_fts(rowid, text, section, title) VALUES(?, ?, ?, ?)",
        (pid, p.text, section or "", d.meta.title),
    )


def _entity_name(eid: str, e: Entity) -> str:
    """The gazetteer's canonical name when there is one, else the surface text."""
    entry = _gazetteer().get(eid)
    return str(getattr(entry, "name", None) or e.text) if entry is not None else e.text


@lru_cache(maxsize=1)
def _gazetteer() -> Any:
    from wbpolicy.knowledge import get_gazetteer

    return get_gazetteer()


def _delete_document(conn: sqlite3.Connection, doc_id: str) -> bool:
    row = conn.execute("SELECT id FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is None:
        return False
    # FTS5 rows are not covered by the foreign-key cascade
    conn.execute(
        "DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE doc_pk = ?)",
        (row[0],),
    )
    conn.execute("DELETE FROM documents WHERE id = ?", (row[0],))
    return True


# -- model switches and removal -------------------------------------------------------------------


def _check_or_switch_model(index: Index, embedder: Embedder, force: bool) -> None:
    try:
        index.check_model(embedder.model_id)
        return
    except IndexMismatch:
        if not force:
            raise
    log.warning("re-embedding every stored passage with %s", embedder.model_id)
    _reembed_all(index, embedder)


def _reembed_all(index: Index, embedder: Embedder) -> None:
    conn = index.store.conn
    rows = conn.execute(
        "SELECT p.id, p.text, p.section, d.title FROM passages p "
        "JOIN documents d ON d.id = p.doc_pk ORDER BY p.id"
    ).fetchall()
    inputs = [
        embedding_input(
            Passage(r["text"], "body", tuple((r["section"] or "").split(" > ")) if r["section"]
                    else (), (), 0, 0),
            r["title"],
        )
        for r in rows
    ]
    vecs = embedder.embed(inputs, "passage") if rows else None
    with index.store.transaction() as tx:
        tx.execute("DELETE FROM embeddings")
        for k, r in enumerate(rows):
            assert vecs is not None
            tx.execute(
                "INSERT INTO embeddings(passage_id, vector) VALUES(?, ?)",
                (r["id"], vecs[k].astype("float32").tobytes()),
            )
        # documents keep their old index_key, so the next ingest re-chunks them as well
        index.store.set_meta(META_MODEL, embedder.model_id)
        index.store.set_meta(META_DIM, str(embedder.dim))


def remove(doc_id: str, settings: Settings) -> None:
    """Drop a document (its passages, vectors, citations, mentions...) and refresh FAISS."""
    if not settings.db_path.is_file():
        raise NotFound(f"no document {doc_id!r}: there is no index at {settings.index_dir}")
    index = Index.open(settings, readonly=False)
    try:
        with index.store.transaction() as conn:
            if not _delete_document(conn, doc_id):
                raise NotFound(f"no document {doc_id!r}; `wbpolicy docs` lists the documents")
        index.rebuild_vectors()
    finally:
        index.close()
