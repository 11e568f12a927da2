"""SQLite store: the connection, the schema and its migrations.  The ``wbpolicy.index`` package
owns every SQL statement of wbpolicy: this module the schema, :mod:`.writer` what ingest writes,
:mod:`.reader` what queries read, :mod:`.catalog` and :mod:`.entities` the listings.

The store is the source of truth for documents, pages, passages, citations, tables, entities,
embeddings and the run log.  The FAISS file is a cache rebuilt from the ``embeddings`` table.

Schema changes are numbered migrations applied in order (``PRAGMA user_version``).  Every write
happens inside :meth:`Store.transaction`; one document is one transaction, so an interrupted ingest
leaves every document either fully old or fully new.  ``meta.generation`` is bumped by each
committed write so readers can tell whether the FAISS cache is stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,          -- stable slug, e.g. wb-cybersecurity-report-2016
        path TEXT NOT NULL,                   -- absolute path at ingest time
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,                 -- pdf | txt | md | html
        title TEXT NOT NULL,
        kind TEXT NOT NULL,                   -- knowledge/data/kinds.yaml
        country TEXT,                         -- ISO alpha-2 (XK for Kosovo) or body: EU, CoE...
        year INTEGER,
        language TEXT,
        source_url TEXT,
        n_pages INTEGER NOT NULL DEFAULT 0,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE pages (
        doc_pk INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        text TEXT NOT NULL,
        has_text INTEGER NOT NULL,
        PRIMARY KEY (doc_pk, page)
    );
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,               -- also the FAISS vector id
        doc_pk INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        kind TEXT NOT NULL,                   -- body | table | footnote
        text TEXT NOT NULL,                   -- verbatim, never truncated
        section TEXT,                         -- path joined by ' > '
        page_start INTEGER,
        page_end INTEGER,
        pages TEXT NOT NULL,                  -- JSON list of page numbers
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL
    );
    CREATE INDEX passages_doc ON passages(doc_pk, ordinal);
    CREATE TABLE citations (
        id INTEGER PRIMARY KEY,
        passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        marker TEXT NOT NULL,
        text TEXT NOT NULL,
        url TEXT,
        urls TEXT NOT NULL DEFAULT '[]',      -- JSON list
        page INTEGER,
        offset INTEGER NOT NULL DEFAULT 0     -- marker position in the passage text
    );
    CREATE INDEX citations_passage ON citations(passage_id);
    CREATE TABLE footnotes (
        id INTEGER PRIMARY KEY,
        doc_pk INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        marker TEXT NOT NULL,
        text TEXT NOT NULL,
        urls TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX footnotes_doc ON footnotes(doc_pk, marker);
    CREATE TABLE doc_tables (
        id INTEGER PRIMARY KEY,
        doc_pk INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        section TEXT,
        caption TEXT,
        rows TEXT NOT NULL                    -- JSON list of lists of cell strings
    );
    CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        doc_pk INTEGER REFERENCES documents(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        pages TEXT NOT NULL DEFAULT '[]',
        fatal INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,                 -- running | done | interrupted | failed
        summary TEXT                          -- JSON
    );
    CREATE TABLE embeddings (
        passage_id INTEGER PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
        vector BLOB NOT NULL                  -- float32, L2-normalised, meta.dimensions long
    );
    CREATE TABLE entities (
        id TEXT PRIMARY KEY,                  -- canonical id: XK, BA-SRP, rcc, budapest-convention
        label TEXT NOT NULL,                  -- COUNTRY | ORG | INSTRUMENT
        name TEXT NOT NULL
    );
    CREATE TABLE mentions (
        passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        entity_id TEXT NOT NULL,
        label TEXT NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        source TEXT NOT NULL DEFAULT 'gazetteer'
    );
    CREATE INDEX mentions_entity ON mentions(entity_id);
    CREATE INDEX mentions_passage ON mentions(passage_id);
    CREATE TABLE passage_countries (          -- the countries a passage is *about*
        passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
        country TEXT NOT NULL,
        source TEXT NOT NULL,                 -- section | document | mention
        PRIMARY KEY (passage_id, country)
    );
    CREATE INDEX passage_countries_country ON passage_countries(country);
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        text, section, title,
        tokenize = 'unicode61 remove_diacritics 2'
    );                                        -- rowid = passages.id
    """,
    # 2: the model + chunking settings a document was indexed with (ingest skips a file only when
    # both its sha256 and this key are unchanged)
    """
    ALTER TABLE documents ADD COLUMN index_key TEXT;
    """,
    # 3: what ingest knows and queries used to rebuild: each passage's page breaks (JSON list of
    # [offset, page]: the text from offset on is on page), whether it is a table of contents, and
    # the instruments each document's title names
    """
    ALTER TABLE passages ADD COLUMN page_breaks TEXT;
    ALTER TABLE passages ADD COLUMN is_toc INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE document_instruments (
        doc_pk INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        entity_id TEXT NOT NULL,
        PRIMARY KEY (doc_pk, entity_id)
    );
    """,
    # 4: files that could not be indexed, by content and index key, so an unchanged re-ingest
    # reports them again without reading them again
    """
    CREATE TABLE failures (
        path TEXT PRIMARY KEY,                -- absolute path
        sha256 TEXT NOT NULL,
        index_key TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL
    );
    """,
]


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    path = Path(path)
    if readonly:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    if not readonly:
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations; return the schema version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript("BEGIN;" + script + f";PRAGMA user_version={number};COMMIT;")
    return len(MIGRATIONS)


class Store:
    """Thin wrapper over one SQLite database.  Query helpers live with the stage that needs them;
    this class owns the connection, migrations, transactions and the meta table."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.conn = connect(self.path, readonly=readonly)
        if not readonly:
            migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; bumps ``meta.generation`` on commit."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                "DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
            )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Call inside :meth:`transaction`."""
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation", "0") or 0)
