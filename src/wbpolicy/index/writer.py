"""Every statement ingest writes.  One document is one transaction (:meth:`Writer.write_document`);
the run log and fatal-file records are written outside document transactions on purpose, so they
never bump the store generation (which would invalidate the FAISS cache)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import IndexBusy, IndexReadOnly
from wbpolicy.index.store import FTS_CREATE, FTS_TABLE, Store
from wbpolicy.models import (
    Citation,
    Document,
    Entity,
    Extraction,
    IngestSummary,
    Passage,
    section_str,
)
from wbpolicy.text import ascii_slug
from wbpolicy.text.controls import strip_controls, strip_controls_mapped, strip_controls_opt

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# meta keys
META_MODEL = "model_id"
META_DIM = "dimensions"
META_CHUNKING = "chunking"
META_CREATED = "created_at"
META_PASSAGE_SEQ = "passage_seq"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class PreparedDocument:
    """Everything about one document, computed outside any transaction."""

    doc: Document  # path: absolute; sha256 set
    extraction: Extraction
    passages: list[Passage]
    entities: list[list[Entity]]
    countries: list[dict[str, str]]
    vectors: np.ndarray
    index_key: str
    # ids the entities carry, with their canonical names
    entity_names: dict[str, str] = field(default_factory=dict)
    title_instruments: tuple[str, ...] = ()


# -- the store boundary: no control characters in anything stored ------------------------------


def _strip_citation(c: Citation, remap: Callable[[int], int]) -> Citation:
    return replace(
        c,
        marker=strip_controls(c.marker),
        text=strip_controls(c.text),
        url=strip_controls_opt(c.url),
        urls=tuple(strip_controls(u) for u in c.urls),
        offset=remap(c.offset),
    )


def strip_passage(p: Passage, entities: Sequence[Entity] = ()) -> tuple[Passage, list[Entity]]:
    """``p`` and its entities without control characters (:mod:`wbpolicy.text.controls`) in any
    text, every offset into the passage text (page breaks, citation markers, entity spans) moved
    with its character; ``char_start``/``char_end`` point into the document text and stay."""
    text, remap = strip_controls_mapped(p.text)
    passage = replace(
        p,
        text=text,
        section=tuple(strip_controls(s) for s in p.section),
        citations=tuple(_strip_citation(c, remap) for c in p.citations),
        page_breaks=tuple((remap(off), page) for off, page in p.page_breaks),
    )
    ents = [
        replace(e, text=strip_controls(e.text), start=remap(e.start), end=remap(e.end))
        for e in entities
    ]
    return passage, ents


def strip_extraction(ex: Extraction) -> Extraction:
    """The stored parts of an extraction (pages, footnotes, tables, problems) without control
    characters; none of them carries offsets."""
    return replace(
        ex,
        title=strip_controls_opt(ex.title),
        pages=tuple(replace(pg, text=strip_controls(pg.text)) for pg in ex.pages),
        footnotes=tuple(
            replace(
                f,
                marker=strip_controls(f.marker),
                text=strip_controls(f.text),
                urls=tuple(strip_controls(u) for u in f.urls),
            )
            for f in ex.footnotes
        ),
        tables=tuple(
            replace(
                t,
                rows=tuple(tuple(strip_controls(c) for c in r) for r in t.rows),
                section=tuple(strip_controls(s) for s in t.section),
                caption=strip_controls_opt(t.caption),
            )
            for t in ex.tables
        ),
        problems=tuple(replace(pr, message=strip_controls(pr.message)) for pr in ex.problems),
    )


def strip_document(d: PreparedDocument) -> PreparedDocument:
    """``d`` as it is stored: title, section names, passage, footnote, page and table text without
    control characters, offsets remapped (see :func:`strip_passage`)."""
    passages: list[Passage] = []
    entities: list[list[Entity]] = []
    for j, p in enumerate(d.passages):
        passage, ents = strip_passage(p, d.entities[j] if j < len(d.entities) else ())
        passages.append(passage)
        entities.append(ents)
    doc = replace(
        d.doc, title=strip_controls(d.doc.title), source_url=strip_controls_opt(d.doc.source_url)
    )
    return replace(
        d,
        doc=doc,
        extraction=strip_extraction(d.extraction),
        passages=passages,
        entities=entities,
        entity_names={k: strip_controls(v) for k, v in d.entity_names.items()},
    )


def entity_id(e: Entity) -> str:
    """The stored id of a mention: the gazetteer id, else one derived from its text."""
    return e.id or f"{e.label.lower()}:{ascii_slug(e.text)}"


class Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- questions ingest asks before writing -------------------------------------------------
    def document_state(self, doc_id: str) -> tuple[str, str | None] | None:
        """(sha256, index_key) of a stored document."""
        row = self.conn.execute(
            "SELECT sha256, index_key FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return (row["sha256"], row["index_key"]) if row else None

    def document_path(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT path FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row["path"] if row else None

    def document_at(self, path: str) -> str | None:
        """The id of the document stored from ``path`` (a resolved path), if any."""
        row = self.conn.execute(
            "SELECT doc_id FROM documents WHERE path = ? ORDER BY doc_id LIMIT 1", (path,)
        ).fetchone()
        return row["doc_id"] if row else None

    # -- the run log ----------------------------------------------------------------------------
    def start_run(self) -> int:
        # a run still 'running' was killed (single writer: BEGIN IMMEDIATE serialises ingests)
        self.conn.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
            (now_iso(),),
        )
        cur = self.conn.execute(
            "INSERT INTO runs(started_at, status) VALUES(?, 'running')", (now_iso(),)
        )
        return int(cur.lastrowid or 0)

    def finish_run(
        self, run_id: int, status: str, summary: IngestSummary | None, error: str | None = None
    ) -> None:
        data: dict[str, Any] = asdict(summary) if summary else {}
        if error:
            data["error"] = error
        self.conn.execute(
            "UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE id = ?",
            (status, now_iso(), json.dumps(data, ensure_ascii=False), run_id),
        )

    def known_failure(self, path: str, sha256: str, index_key: str) -> tuple[str, str] | None:
        """(code, message) when this very file already failed under this index key."""
        row = self.conn.execute(
            "SELECT code, message FROM failures WHERE path = ? AND sha256 = ? AND index_key = ?",
            (path, sha256, index_key),
        ).fetchone()
        return (row["code"], row["message"]) if row else None

    def record_failure(
        self,
        run_id: int,
        path: str,
        code: str,
        reason: str,
        *,
        sha256: str | None = None,
        index_key: str | None = None,
    ) -> None:
        """One current record per failing path; autocommit statements, no generation bump."""
        code, reason = strip_controls(code), strip_controls(reason)
        self.conn.execute("BEGIN")
        if sha256 and index_key:
            self.conn.execute(
                "INSERT OR REPLACE INTO failures(path, sha256, index_key, code, message) "
                "VALUES(?, ?, ?, ?, ?)",
                (str(Path(path).resolve()), sha256, index_key, code, reason),
            )
        self.conn.execute("DELETE FROM problems WHERE doc_pk IS NULL AND path = ?", (path,))
        self.conn.execute(
            "INSERT INTO problems(run_id, doc_pk, path, code, message, pages, fatal) "
            "VALUES(?, NULL, ?, ?, ?, '[]', 1)",
            (run_id, path, code, reason),
        )
        self.conn.execute("COMMIT")

    # -- documents ------------------------------------------------------------------------------
    def write_document(
        self, d: PreparedDocument, *, model_id: str, dim: int, chunking: dict[str, Any], run_id: int
    ) -> None:
        """Replace the document's previous version, all of it in one transaction.  What is
        stored is free of control characters (:func:`strip_document`)."""
        d = strip_document(d)
        with self.store.transaction() as conn:
            delete_document(conn, d.doc.doc_id)
            conn.execute("DELETE FROM failures WHERE path = ?", (d.doc.path,))
            conn.execute("DELETE FROM problems WHERE doc_pk IS NULL AND path = ?", (d.doc.path,))
            doc_pk = self._insert_document(conn, d)
            self._insert_extraction(conn, doc_pk, d.extraction, run_id)
            conn.executemany(
                "INSERT OR IGNORE INTO document_instruments(doc_pk, entity_id) VALUES(?, ?)",
                [(doc_pk, e) for e in d.title_instruments],
            )
            first_id = self._next_passage_id()
            for j in range(len(d.passages)):
                self._insert_passage(conn, first_id + j, doc_pk, d, j)
            if d.passages:
                self.store.set_meta(META_PASSAGE_SEQ, str(first_id + len(d.passages) - 1))
            self.store.set_meta(META_MODEL, model_id)
            self.store.set_meta(META_DIM, str(dim))
            self.store.set_meta(META_CHUNKING, json.dumps(chunking, sort_keys=True))
            if self.store.get_meta(META_CREATED) is None:
                self.store.set_meta(META_CREATED, now_iso())

    def _insert_document(self, conn: sqlite3.Connection, d: PreparedDocument) -> int:
        m = d.doc
        cur = conn.execute(
            "INSERT INTO documents(doc_id, path, sha256, format, title, kind, country, year, "
            "language, source_url, n_pages, ingested_at, index_key) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                m.doc_id,
                m.path,
                m.sha256,
                d.extraction.format,
                m.title,
                m.kind,
                m.country,
                m.year,
                m.language,
                m.source_url,
                len(d.extraction.pages),
                now_iso(),
                d.index_key,
            ),
        )
        return int(cur.lastrowid or 0)

    @staticmethod
    def _insert_extraction(
        conn: sqlite3.Connection, doc_pk: int, ex: Extraction, run_id: int
    ) -> None:
        conn.executemany(
            "INSERT INTO pages(doc_pk, page, text, has_text, ocr, words) VALUES(?, ?, ?, ?, ?, ?)",
            [
                (
                    doc_pk,
                    pg.number,
                    pg.text,
                    int(pg.has_text),
                    int(pg.ocr),
                    json.dumps([list(w) for w in pg.words]) if pg.words else None,
                )
                for pg in ex.pages
            ],
        )
        conn.executemany(
            "INSERT INTO footnotes(doc_pk, page, marker, text, urls) VALUES(?, ?, ?, ?, ?)",
            [(doc_pk, f.page, f.marker, f.text, json.dumps(list(f.urls))) for f in ex.footnotes],
        )
        conn.executemany(
            "INSERT INTO doc_tables(doc_pk, page, section, caption, rows) VALUES(?, ?, ?, ?, ?)",
            [
                (
                    doc_pk,
                    t.page,
                    section_str(t.section),
                    t.caption,
                    json.dumps([list(r) for r in t.rows], ensure_ascii=False),
                )
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

    def _next_passage_id(self) -> int:
        """Passage ids are never reused, so an id seen by a client never changes meaning."""
        seq = int(self.store.get_meta(META_PASSAGE_SEQ, "0") or 0)
        top = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM passages").fetchone()[0]
        return max(seq, int(top)) + 1

    @staticmethod
    def _insert_passage(
        conn: sqlite3.Connection, pid: int, doc_pk: int, d: PreparedDocument, j: int
    ) -> None:
        import numpy as np

        p = d.passages[j]
        section = section_str(p.section)
        ocr_pages = {pg.number for pg in d.extraction.pages if pg.ocr}
        conn.execute(
            "INSERT INTO passages(id, doc_pk, ordinal, kind, text, section, page_start, page_end, "
            "pages, char_start, char_end, page_breaks, is_toc, ocr) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pid,
                doc_pk,
                p.ordinal,
                p.kind,
                p.text,
                section,
                min(p.pages) if p.pages else None,
                max(p.pages) if p.pages else None,
                json.dumps(list(p.pages)),
                p.char_start,
                p.char_end,
                json.dumps([list(b) for b in p.page_breaks]) if p.page_breaks else None,
                int(p.is_toc),
                int(p.ocr or bool(ocr_pages & set(p.pages))),  # text machine-read from a page
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
        vec = np.ascontiguousarray(d.vectors[j], dtype=np.float32)
        conn.execute(
            "INSERT INTO embeddings(passage_id, vector) VALUES(?, ?)", (pid, vec.tobytes())
        )
        for e in d.entities[j]:
            eid = entity_id(e)
            conn.execute(
                "INSERT INTO entities(id, label, name) VALUES(?, ?, ?) ON CONFLICT(id) DO NOTHING",
                (eid, e.label, d.entity_names.get(eid, e.text)),
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
            (pid, p.text, section or "", d.doc.title),
        )

    def remove_document(self, doc_id: str) -> bool:
        with self.store.transaction() as conn:
            return delete_document(conn, doc_id)

    def update_metadata(
        self,
        doc_id: str,
        fields: dict[str, Any],
        countries_of: Callable[[str | None, str | None, list[dict[str, str]]], dict[str, str]],
        title_instruments: tuple[str, ...] | None = None,
    ) -> bool:
        """Set a document's metadata in place (one transaction) and re-derive what depends on
        it: the countries its passages are about (``countries_of(section, country, mentions)``),
        the title the lexical index ranks by, and the instruments the title names."""
        columns = {"title", "kind", "country", "year", "language", "source_url"}
        unknown = set(fields) - columns
        if unknown:
            raise ValueError(f"not a document field: {sorted(unknown)}")
        with self.store.transaction() as conn:
            row = conn.execute("SELECT id, country FROM documents WHERE doc_id = ?", (doc_id,))
            doc = row.fetchone()
            if doc is None:
                return False
            values = {k: strip_controls(v) if isinstance(v, str) else v for k, v in fields.items()}
            if values:
                assignments = ", ".join(f"{k} = ?" for k in values)
                conn.execute(
                    f"UPDATE documents SET {assignments} WHERE id = ?", [*values.values(), doc[0]]
                )
            pids = [
                r[0] for r in conn.execute("SELECT id FROM passages WHERE doc_pk = ?", (doc[0],))
            ]
            if "title" in values:
                conn.executemany(
                    "UPDATE passages_fts SET title = ? WHERE rowid = ?",
                    [(values["title"], pid) for pid in pids],
                )
            if title_instruments is not None:
                conn.execute("DELETE FROM document_instruments WHERE doc_pk = ?", (doc[0],))
                conn.executemany(
                    "INSERT OR IGNORE INTO document_instruments(doc_pk, entity_id) VALUES(?, ?)",
                    [(doc[0], eid) for eid in title_instruments],
                )
            country = values.get("country", doc[1])
            for pid, section in conn.execute(
                "SELECT id, section FROM passages WHERE doc_pk = ?", (doc[0],)
            ).fetchall():
                mentions = [
                    {"label": r[0], "id": r[1]}
                    for r in conn.execute(
                        "SELECT label, entity_id FROM mentions WHERE passage_id = ?", (pid,)
                    )
                ]
                conn.execute("DELETE FROM passage_countries WHERE passage_id = ?", (pid,))
                conn.executemany(
                    "INSERT INTO passage_countries(passage_id, country, source) VALUES(?, ?, ?)",
                    [(pid, c, src) for c, src in countries_of(section, country, mentions).items()],
                )
        return True

    # -- repair ---------------------------------------------------------------------------------
    def rebuild_fts(self) -> int:
        """Rebuild the full-text table from ``passages`` (the truth); return its row count.

        FTS5's own ``rebuild`` re-indexes the text the table stores, then rows missing, extra or
        differing from the passages are replaced and FTS5's ``integrity-check`` must pass.  A
        table past that (a shadow table damaged or gone) is dropped and created again."""
        with self.store.transaction() as conn:
            conn.execute("SAVEPOINT fts_rebuild")
            try:
                conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")
                conn.execute(
                    f"DELETE FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM passages)"
                )
                stale = [
                    int(r[0])
                    for r in conn.execute(
                        f"SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_pk "
                        f"LEFT JOIN {FTS_TABLE} f ON f.rowid = p.id WHERE f.rowid IS NULL "
                        "OR f.text IS NOT p.text OR f.section IS NOT COALESCE(p.section, '') "
                        "OR f.title IS NOT d.title"
                    ).fetchall()
                ]
                conn.executemany(
                    f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", [(pid,) for pid in stale]
                )
                _fill_fts(conn, stale)
                conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('integrity-check')")
                conn.execute("RELEASE fts_rebuild")
            except (IndexBusy, IndexReadOnly):
                raise
            except sqlite3.DatabaseError as exc:
                log.warning(
                    "the full-text table cannot be repaired in place (%s); creating it again",
                    exc.__cause__ or exc,
                )
                conn.execute("ROLLBACK TO fts_rebuild")
                conn.execute("RELEASE fts_rebuild")
                row = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (FTS_TABLE,),
                ).fetchone()
                conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
                conn.execute(row[0] if row and row[0] else FTS_CREATE)
                _fill_fts(conn, None)
            return int(conn.execute(f"SELECT COUNT(*) FROM {FTS_TABLE}").fetchone()[0])

    # -- re-embedding ---------------------------------------------------------------------------
    def passages_for_embedding(self) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT p.id, p.text, p.section, d.title FROM passages p "
            "JOIN documents d ON d.id = p.doc_pk ORDER BY p.id"
        ).fetchall()

    def replace_embeddings(
        self, ids: Sequence[int], vectors: np.ndarray, *, model_id: str, dim: int
    ) -> None:
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM embeddings")
            tx.executemany(
                "INSERT INTO embeddings(passage_id, vector) VALUES(?, ?)",
                [(pid, vectors[k].astype("float32").tobytes()) for k, pid in enumerate(ids)],
            )
            # documents keep their old index_key, so the next ingest re-chunks them as well
            self.store.set_meta(META_MODEL, model_id)
            self.store.set_meta(META_DIM, str(dim))


def _fill_fts(conn: sqlite3.Connection, ids: Sequence[int] | None) -> None:
    """Index the passages ``ids`` (None: all of them) in the full-text table."""
    sql = (
        f"INSERT INTO {FTS_TABLE}(rowid, text, section, title) "
        "SELECT p.id, p.text, COALESCE(p.section, ''), d.title FROM passages p "
        "JOIN documents d ON d.id = p.doc_pk"
    )
    if ids is None:
        conn.execute(sql)
    elif ids:
        conn.execute(
            sql + " WHERE p.id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)
        )


def delete_document(conn: sqlite3.Connection, doc_id: str) -> bool:
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
