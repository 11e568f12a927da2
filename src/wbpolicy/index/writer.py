"""Every statement ingest writes.  One document is one transaction (:meth:`Writer.write_document`);
the run log and fatal-file records are written outside document transactions on purpose, so they
never bump the store generation (which would invalidate the FAISS cache)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.index.store import Store
from wbpolicy.models import Document, Entity, Extraction, IngestSummary, Passage, section_str
from wbpolicy.text import ascii_slug

if TYPE_CHECKING:
    import numpy as np

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
        """Replace the document's previous version, all of it in one transaction."""
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
        conn.execute(
            "INSERT INTO passages(id, doc_pk, ordinal, kind, text, section, page_start, page_end, "
            "pages, char_start, char_end, page_breaks, is_toc) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
