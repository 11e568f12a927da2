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

import errno
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

from wbpolicy.errors import (
    IndexBusy,
    IndexDamaged,
    IndexNotFound,
    IndexReadOnly,
    IndexTooNew,
    WbpolicyError,
)

log = logging.getLogger(__name__)

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
    # 5: machine-read text: pages read by OCR (with their word boxes, JSON [text, x0, top, x1,
    # bottom] in PDF points) and the passages drawing on them, so every citation can say so
    """
    ALTER TABLE pages ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE pages ADD COLUMN words TEXT;
    ALTER TABLE passages ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0;
    """,
]


# the full-text table: a regular FTS5 table (it stores its own copy of the text; not contentless,
# not external-content), rowid = passages.id; ``index rebuild`` recreates it from ``passages``
FTS_TABLE = "passages_fts"
FTS_CREATE = (
    "CREATE VIRTUAL TABLE passages_fts USING fts5(text, section, title, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)

# how long a statement waits for another connection's lock before the index is reported busy:
# one document is one transaction, so an ingest holds the write lock for about a second at most
BUSY_TIMEOUT_S = 10.0

SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100

# primary SQLite result codes (``sqlite_errorcode & 0xff``)
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26

# what a file system says when it will not let us write (EACCES/EPERM: permissions; EROFS: a
# read-only mount, which stops root too)
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


# -- errors ----------------------------------------------------------------------------------
# The store's failures are both wbpolicy errors (the CLI prints them as one line and exits 1) and
# sqlite3 errors (code that catches sqlite3.Error keeps working); each carries the SQLite code.


class StoreBusy(IndexBusy, sqlite3.OperationalError):
    pass


class StoreReadOnly(IndexReadOnly, sqlite3.OperationalError):
    pass


class StoreDamaged(IndexDamaged, sqlite3.DatabaseError):
    pass


class FtsDamaged(StoreDamaged):
    """The full-text table fails while the rest of the store reads: ``index rebuild`` fixes it."""


class StoreUnavailable(WbpolicyError, sqlite3.OperationalError):
    """The disk failed or is full, or the database file cannot be opened."""


def read_only_message(index_dir: Path | str) -> str:
    return f"index at {index_dir} is read-only: its files or file system cannot be written"


def busy_message(index_dir: Path | str) -> str:
    return (
        f"index at {index_dir} is locked: another wbpolicy process is writing; "
        "try again when it has finished"
    )


def damaged_message(index_dir: Path | str, detail: str) -> str:
    return f"index at {index_dir} is damaged ({detail}); run `wbpolicy index check`"


def fts_damaged_message(index_dir: Path | str, detail: str) -> str:
    return (
        f"index at {index_dir}: the full-text index is damaged ({detail}); "
        "run `wbpolicy index rebuild`"
    )


def _primary(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _is_query_problem(message: str) -> bool:
    """An FTS5 error that is about the MATCH expression, not about the table."""
    m = message.lower()
    if m.startswith("fts5:") and "corrupt" not in m:
        return True
    return any(s in m for s in ("syntax error", "unterminated string", "no such column"))


def translate_error(
    exc: BaseException, index_dir: Path | str, sql: str = ""
) -> WbpolicyError | None:
    """The wbpolicy error for a sqlite3 error (None: not a failure of the index itself, e.g. a
    bad statement or a bad MATCH expression)."""
    if isinstance(exc, WbpolicyError) or not isinstance(exc, sqlite3.DatabaseError):
        return None
    primary = _primary(exc)
    message = str(exc)
    fts = FTS_TABLE in sql
    err: WbpolicyError
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in message:
        err = StoreBusy(busy_message(index_dir))
    elif primary == _SQLITE_READONLY or "readonly database" in message:
        err = StoreReadOnly(read_only_message(index_dir))
    elif (
        primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
        or "malformed" in message
        or "not a database" in message
    ):
        err = (FtsDamaged if fts else StoreDamaged)(
            fts_damaged_message(index_dir, message) if fts else damaged_message(index_dir, message)
        )
    elif fts and isinstance(exc, sqlite3.OperationalError) and not _is_query_problem(message):
        # e.g. a shadow table gone: "SQL logic error", "no such table: main.passages_fts_data"
        err = FtsDamaged(fts_damaged_message(index_dir, message))
    elif primary == _SQLITE_FULL:
        err = StoreUnavailable(f"index at {index_dir} cannot be written: the disk is full")
    elif primary == _SQLITE_IOERR:
        err = StoreUnavailable(
            f"index at {index_dir}: disk I/O error ({message}); check the disk, then run "
            "`wbpolicy index check`"
        )
    elif primary == _SQLITE_CANTOPEN:
        err = StoreUnavailable(f"index at {index_dir} cannot be opened ({message})")
    else:
        return None
    if isinstance(err, sqlite3.Error):  # keep SQLite's code for whoever inspects it
        err.sqlite_errorcode = exc.sqlite_errorcode
        err.sqlite_errorname = exc.sqlite_errorname
    return err


def os_error(exc: OSError, index_dir: Path | str) -> WbpolicyError:
    """The wbpolicy error for a failed write of an index file (FAISS, manifest, probe)."""
    if exc.errno in READ_ONLY_ERRNOS:
        return IndexReadOnly(read_only_message(index_dir))
    return WbpolicyError(f"index at {index_dir} cannot be written: {exc.strerror or exc}")


def ensure_writable(index_dir: Path) -> None:
    """Raise :class:`IndexReadOnly` unless a file can really be created in ``index_dir``.

    ``os.access`` is no test: it answers for permissions only, and yes to root on a read-only
    mount.  Creating (and removing) a probe file asks the file system itself."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".wbpolicy-probe-", dir=index_dir)
    except OSError as exc:
        raise os_error(exc, index_dir) from exc
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


# -- the file itself ---------------------------------------------------------------------------


def header_problem(path: Path) -> tuple[str, str] | None:
    """``(code, detail)`` when ``path`` cannot be a whole SQLite database: ``not-a-database``
    (no SQLite header) or ``truncated`` (shorter than its header says).  An empty file is no
    problem here (SQLite treats it as an empty database)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            header = fh.read(_HEADER_SIZE)
    except OSError as exc:
        return "unreadable", f"{path.name} cannot be read: {exc.strerror or exc}"
    if size == 0:
        return None
    if not header.startswith(SQLITE_MAGIC) or len(header) < _HEADER_SIZE:
        return "not-a-database", f"{path.name} is not a SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96] and pages > 0  # the in-header size is trusted
    wal = path.with_name(path.name + "-wal")
    wal_holds_pages = wal.is_file() and wal.stat().st_size > 0
    expected = pages * page_size
    # with a live WAL the file's header may run ahead of a checkpoint in progress: trust SQLite
    if valid and not wal_holds_pages and size < expected:
        return "truncated", f"{path.name} is truncated: {size} of {expected} bytes"
    if page_size and size % page_size and not wal_holds_pages:
        return "truncated", f"{path.name} is truncated: {size} bytes is not a whole number of pages"
    return None


def check_header(path: Path) -> None:
    found = header_problem(path)
    if found is None:
        return
    code, detail = found
    where = path.parent
    if code == "not-a-database":
        raise StoreDamaged(
            f"index at {where} is damaged: {detail}; move it away and run `wbpolicy ingest PATH` "
            "to build a new index"
        )
    if code == "truncated":
        raise StoreDamaged(
            f"index at {where} is damaged: {detail}; restore it from a copy, or move it away and "
            "re-ingest (`wbpolicy index check` shows what is wrong)"
        )
    raise StoreUnavailable(f"index at {where}: {detail}")


# -- connections -------------------------------------------------------------------------------


class _Cursor(sqlite3.Cursor):
    """A cursor whose failures of the index itself (locked, read-only, damaged) are raised as
    wbpolicy errors naming the index and what to do."""

    _sql = ""

    def _translated(self, exc: sqlite3.Error) -> WbpolicyError | None:
        # a failed statement must not keep its read transaction (and lock) open while the
        # exception's traceback keeps this cursor alive: close it now
        try:
            self.close()
        except sqlite3.Error:
            pass
        index_dir = getattr(self.connection, "index_dir", "?")
        return translate_error(exc, index_dir, self._sql)

    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        self._sql = sql
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            err = self._translated(exc)
            if err is None:
                raise
            raise err from exc

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Self:
        self._sql = sql
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.DatabaseError as exc:
            err = self._translated(exc)
            if err is None:
                raise
            raise err from exc

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        self._sql = sql_script
        try:
            return super().executescript(sql_script)
        except sqlite3.DatabaseError as exc:
            err = self._translated(exc)
            if err is None:
                raise
            raise err from exc

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            err = self._translated(exc)
            if err is None:
                raise
            raise err from exc

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size if size is not None else self.arraysize)
        except sqlite3.DatabaseError as exc:
            err = self._translated(exc)
            if err is None:
                raise
            raise err from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            err = self._translated(exc)
            if err is None:
                raise
            raise err from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as exc:
            err = self._translated(exc)
            if err is None:
                raise
            raise err from exc


class _Connection(sqlite3.Connection):
    """A connection whose statements run on :class:`_Cursor`; ``index_dir`` names the index in
    error messages."""

    index_dir: Path = Path(".")

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _Cursor)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> Any:
        return self.cursor().executescript(sql_script)


def _uri(path: Path, *params: str) -> str:
    return f"file:{quote(str(path.absolute()))}?" + "&".join(params)


def _open(database: str, index_dir: Path, *, uri: bool) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            database,
            uri=uri,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
            isolation_level=None,
            factory=_Connection,
        )
    except sqlite3.Error as exc:
        err = translate_error(exc, index_dir)
        if err is None:
            raise
        raise err from exc
    conn.index_dir = index_dir
    conn.row_factory = sqlite3.Row
    return conn


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to the store at ``path``.  Read-only connections never write: opened with
    ``mode=ro``; and when SQLite cannot even create the shared-memory file a WAL database needs to
    be read (a read-only file system), opened ``immutable``.  Write connections set the pragmas
    :class:`Store` needs after checking the schema version."""
    path = Path(path)
    index_dir = path.parent
    if readonly:
        conn = _open(_uri(path, "mode=ro"), index_dir, uri=True)
        try:
            conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            if _primary(exc) != _SQLITE_CANTOPEN:
                raise
            log.debug("%s: WAL files cannot be created here; reading it as immutable", path)
            conn = _open(_uri(path, "mode=ro", "immutable=1"), index_dir, uri=True)
    else:
        conn = _open(str(path), index_dir, uri=False)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_schema_version(version: int, index_dir: Path | str) -> None:
    """Refuse an index written by a newer wbpolicy: never read it with the wrong schema, never
    migrate it down."""
    if version > len(MIGRATIONS):
        raise IndexTooNew(
            f"index at {index_dir} has schema version {version}; this wbpolicy supports up to "
            f"{len(MIGRATIONS)}: upgrade wbpolicy"
        )


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations; return the schema version."""
    version = schema_version(conn)
    check_schema_version(version, getattr(conn, "index_dir", "?"))
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript("BEGIN;" + script + f";PRAGMA user_version={number};COMMIT;")
    return len(MIGRATIONS)


def has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


class Store:
    """Thin wrapper over one SQLite database.  Query helpers live with the stage that needs them;
    this class owns the connection, migrations, transactions and the meta table.

    Opening checks the file before SQLite reads it (a SQLite header, not truncated) and refuses a
    schema newer than this code; a writable open also checks that the file system takes writes
    (:class:`IndexReadOnly` otherwise) and, with ``create=False``, that an index is there.  A
    write store leaves the database in rollback-journal mode when it closes (WAL while it is
    open), so readers of an index at rest create no files and can read it from read-only media.
    """

    def __init__(self, path: Path | str, *, readonly: bool = False, create: bool = True) -> None:
        self.path = Path(path)
        self.readonly = readonly
        index_dir = self.path.parent
        exists = self.path.is_file() and self.path.stat().st_size > 0
        if exists:
            check_header(self.path)
        elif not readonly:
            if not create:
                raise IndexNotFound(f"no index at {index_dir}; run `wbpolicy ingest PATH`")
            try:
                index_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise os_error(exc, index_dir) from exc
            ensure_writable(index_dir)
        self.conn = connect(self.path, readonly=readonly)
        try:
            self.version = schema_version(self.conn)
            check_schema_version(self.version, index_dir)
            if not readonly:
                if not create and (self.version == 0 or not has_tables(self.conn)):
                    raise IndexNotFound(f"no index at {index_dir}; run `wbpolicy ingest PATH`")
                if exists:
                    ensure_writable(index_dir)
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                migrate(self.conn)
                self.version = schema_version(self.conn)
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        if not self.readonly:
            self._leave_wal()
        self.conn.close()

    def _leave_wal(self) -> None:
        """Back to rollback-journal mode at rest, when no other connection is using the file
        (otherwise the last writer to close does it; readers cope with either mode)."""
        try:
            self.conn.execute("PRAGMA busy_timeout=0")
            self.conn.execute("PRAGMA journal_mode=DELETE").fetchone()
        except sqlite3.Error as exc:
            log.debug("%s stays in WAL mode: %s", self.path, exc)

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
            if self.conn.in_transaction:
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
