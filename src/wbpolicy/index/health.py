"""``wbpolicy index check`` and ``wbpolicy index rebuild``: is the index whole, and the repair of
what can be rebuilt from SQLite (the full-text table, the FAISS file, the manifest).

The check reads only (its one write-shaped statement, FTS5's ``integrity-check``, changes
nothing and is skipped for a read-only index, where a scan of the whole full-text index through a
temporary ``fts5vocab`` table stands in for it) and reports every problem it finds, each with
what to do about it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import IndexBusy, IndexDamaged, IndexNotFound, IndexTooNew, WbpolicyError
from wbpolicy.index.store import (
    FTS_TABLE,
    MIGRATIONS,
    Store,
    connect,
    has_tables,
    header_problem,
)
from wbpolicy.index.writer import META_DIM, META_MODEL

if TYPE_CHECKING:
    from wbpolicy.settings import Settings

REBUILD = "run `wbpolicy index rebuild`"
REINGEST = "re-ingest the documents (`wbpolicy ingest --force PATH`)"
RESTORE = "restore the index from a copy, or move it away and re-ingest"
_INTEGRITY_LINES = 20  # integrity_check messages reported at most


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "fix": self.fix}


@dataclass
class CheckReport:
    index: str
    problems: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def add(self, code: str, message: str, fix: str) -> None:
        self.problems.append(Finding(code, message, fix))

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "healthy": self.healthy,
            "checked": self.checked,
            "problems": [p.to_json() for p in self.problems],
            **self.facts,
        }

    def lines(self) -> list[str]:
        head = f"index at {self.index}: " + (
            "healthy" if self.healthy else f"{len(self.problems)} problem(s)"
        )
        out = [head, "checked: " + ", ".join(self.checked)]
        out += [f"  {p.code}: {p.message}; {p.fix}" for p in self.problems]
        return out


def check_index(settings: Settings) -> CheckReport:
    """Every check that applies, on an index opened read-only; never raises for a problem of
    the index itself (that is the report), only :class:`IndexNotFound` when there is none."""
    db = settings.db_path
    report = CheckReport(str(settings.index_dir))
    if not (db.is_file() and db.stat().st_size > 0):
        raise IndexNotFound(f"no index at {settings.index_dir}; run `wbpolicy ingest PATH`")
    report.checked.append("file")
    found = header_problem(db)
    if found is not None:
        report.add(found[0], found[1], RESTORE)
        return report
    try:
        store = Store(db, readonly=True)
    except (IndexBusy, IndexNotFound):
        raise
    except WbpolicyError as exc:  # a newer schema, a damaged file
        report.add(_code(exc), str(exc), "see the message")
        return report
    with store:
        _check_store(store, settings, report)
    return report


def _code(exc: WbpolicyError) -> str:
    if isinstance(exc, IndexTooNew):
        return "schema-too-new"
    if isinstance(exc, IndexDamaged):
        return "damaged"
    return "unusable"


def _check_store(store: Store, settings: Settings, report: CheckReport) -> None:
    conn = store.conn
    report.facts["schema_version"] = store.version
    report.checked.append("schema")
    if store.version == 0 or not has_tables(conn):
        report.add("empty", f"{store.path.name} holds no wbpolicy index", REINGEST)
        return
    current = store.version == len(MIGRATIONS)
    if not current:
        report.add(
            "schema-old",
            f"schema version {store.version}, this wbpolicy writes {len(MIGRATIONS)}",
            "run `wbpolicy ingest PATH` once to upgrade it",
        )
    report.checked.append("sqlite")
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({_INTEGRITY_LINES})")]
    except IndexDamaged as exc:
        rows = [str(exc)]
    if rows != ["ok"]:
        for line in rows:
            report.add("sqlite-integrity", line, RESTORE)
        return  # the rest reads tables SQLite itself says are damaged
    if not current:
        return
    _check_fts(store, settings, report)
    _check_vectors(store, settings, report)


def _check_fts(store: Store, settings: Settings, report: CheckReport) -> None:
    conn = store.conn
    report.checked.append("fts")
    try:
        _fts_integrity(store, report)
        missing = conn.execute(
            f"SELECT COUNT(*) FROM passages WHERE id NOT IN (SELECT rowid FROM {FTS_TABLE})"
        ).fetchone()[0]
        extra = conn.execute(
            f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM passages)"
        ).fetchone()[0]
    except IndexBusy:
        raise
    except (IndexDamaged, sqlite3.DatabaseError) as exc:
        report.add("fts-damaged", f"the full-text table fails: {_detail(exc)}", REBUILD)
        return
    if missing:
        report.add(
            "fts-missing-rows", f"{missing} passage(s) are not in the full-text table", REBUILD
        )
    if extra:
        report.add("fts-extra-rows", f"{extra} full-text row(s) belong to no passage", REBUILD)


def _fts_integrity(store: Store, report: CheckReport) -> None:
    """FTS5's ``integrity-check`` (on a writable connection: the command is an INSERT, though it
    changes nothing); for a read-only index, a scan of every entry of the full-text index."""
    try:
        writable = connect(store.path, readonly=False)
    except WbpolicyError:
        writable = None
    if writable is not None:
        try:
            writable.execute("PRAGMA busy_timeout=0")  # an ingest is running: scan instead
            writable.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('integrity-check')")
            report.facts["fts_check"] = "integrity-check"
            return
        except IndexDamaged:
            raise
        except WbpolicyError:  # read-only (or locked, or the file system refuses the WAL files)
            pass
        finally:
            writable.close()
    conn = store.conn
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.wbpolicy_fts_vocab "
        f"USING fts5vocab(main, {FTS_TABLE}, 'instance')"
    )
    try:
        conn.execute("SELECT COUNT(*) FROM temp.wbpolicy_fts_vocab").fetchone()
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.wbpolicy_fts_vocab")
    report.facts["fts_check"] = "scan (read-only index)"


def _detail(exc: BaseException) -> str:
    """SQLite's words (a translated error also names the index and a fix: the report does)."""
    cause = exc.__cause__
    return str(cause) if isinstance(cause, sqlite3.Error) else str(exc)


def _check_vectors(store: Store, settings: Settings, report: CheckReport) -> None:
    conn = store.conn
    report.checked.append("vectors")
    passages = int(conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
    embedded = int(conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
    generation = store.generation
    model = store.get_meta(META_MODEL)
    dim_text = store.get_meta(META_DIM)
    dim = int(dim_text) if dim_text else None
    report.facts.update(
        {
            "counts": {
                "documents": int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]),
                "passages": passages,
                "vectors": embedded,
            },
            "model_id": model,
            "dimensions": dim,
            "generation": generation,
        }
    )
    without = int(
        conn.execute(
            "SELECT COUNT(*) FROM passages WHERE id NOT IN (SELECT passage_id FROM embeddings)"
        ).fetchone()[0]
    )
    if without:
        report.add("passages-without-vectors", f"{without} passage(s) have no vector", REINGEST)
    if dim is not None:
        wrong = int(
            conn.execute(
                "SELECT COUNT(*) FROM embeddings WHERE length(vector) != ?", (4 * dim,)
            ).fetchone()[0]
        )
        if wrong:
            report.add(
                "vector-size", f"{wrong} stored vector(s) are not {dim} floats long", REINGEST
            )
    elif passages:
        report.add("meta-dimensions", "the store does not record its vector dimensions", REINGEST)
    if _backend(settings)[0] == "milvus":
        _check_milvus(store, settings, report, dim)
    else:
        _check_faiss(store, settings, report, embedded, dim)
    _check_manifest(
        settings,
        report,
        model=model,
        dim=dim,
        generation=generation,
        passages=passages,
        vectors=embedded,
    )


def _check_faiss(
    store: Store, settings: Settings, report: CheckReport, embedded: int, dim: int | None
) -> None:
    path = settings.faiss_path
    if not path.is_file():
        if embedded:
            report.add("faiss-missing", f"{path.name} is missing", REBUILD)
        return
    from wbpolicy.index.vectors import VectorIndex

    try:
        vecs = VectorIndex.load(path)
    except (RuntimeError, OSError) as exc:
        report.add("faiss-unreadable", f"{path.name} cannot be read: {exc}", REBUILD)
        return
    report.facts["faiss_vectors"] = len(vecs)
    if len(vecs) != embedded:
        report.add(
            "faiss-count",
            f"{path.name} holds {len(vecs)} vectors, the store {embedded}",
            REBUILD,
        )
    if dim is not None and vecs.dim != dim:
        report.add(
            "faiss-dimensions", f"{path.name} has {vecs.dim} dimensions, the store {dim}", REBUILD
        )
    if len(vecs) == embedded and embedded:
        stored = {int(r[0]) for r in store.conn.execute("SELECT passage_id FROM embeddings")}
        if set(vecs.ids().tolist()) != stored:
            report.add("faiss-ids", f"{path.name} holds vectors of other passages", REBUILD)


def _backend(settings: Settings) -> tuple[str, str]:
    """The vector backend and Milvus uri the index uses: the run's choice, else the manifest's."""
    recorded: dict[str, Any] = {}
    try:
        data = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("backend"), dict):
            recorded = data["backend"]
    except (OSError, ValueError):
        pass
    name = settings.backend or recorded.get("name") or "faiss"
    uri = (
        settings.milvus_uri
        or (recorded.get("uri") if recorded.get("name") == "milvus" else None)
        or str(settings.index_dir / "milvus.db")
    )
    return str(name), str(uri)


def _check_milvus(store: Store, settings: Settings, report: CheckReport, dim: int | None) -> None:
    """The Milvus collection against the store: there, of the store's generation, the same ids."""
    from wbpolicy.index.milvus import check_collection

    report.checked.append("milvus")
    facts, problems = check_collection(_backend(settings)[1], store, dim)
    report.facts.update(facts)
    for code, message in problems:
        report.add(code, message, REBUILD)


def _check_manifest(
    settings: Settings,
    report: CheckReport,
    *,
    model: str | None,
    dim: int | None,
    generation: int,
    passages: int,
    vectors: int,
) -> None:
    path = settings.manifest_path
    report.checked.append("manifest")
    if not path.is_file():
        if passages:
            report.add("manifest-missing", f"{path.name} is missing", REBUILD)
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        report.add("manifest-unreadable", f"{path.name} cannot be read: {exc}", REBUILD)
        return
    report.facts["manifest_generation"] = data.get("generation")
    if data.get("model_id") != model:
        report.add(
            "manifest-model",
            f"{path.name} names model {data.get('model_id')}, the store {model}",
            REBUILD,
        )
    if data.get("dimensions") != dim:
        report.add(
            "manifest-dimensions",
            f"{path.name} records {data.get('dimensions')} dimensions, the store {dim}",
            REBUILD,
        )
    if data.get("generation") != generation:
        report.add(
            "vectors-stale",
            f"the {'Milvus collection' if _backend(settings)[0] == 'milvus' else 'FAISS file'} "
            f"and {path.name} are of store generation {data.get('generation')}, "
            f"the store is at {generation} (an interrupted ingest?)",
            REBUILD,
        )
    counts = data.get("counts")
    if not isinstance(counts, dict):
        counts = {}
    recorded = (counts.get("passages"), counts.get("vectors"))
    if recorded != (passages, vectors):
        report.add(
            "manifest-counts",
            f"{path.name} counts {recorded[0]} passages and {recorded[1]} vectors, the store "
            f"{passages} and {vectors}",
            REBUILD,
        )


@dataclass(frozen=True)
class RebuildReport:
    index: str
    fts_rows: int
    vectors: int

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "fts_rows": self.fts_rows, "vectors": self.vectors}


def rebuild_index(settings: Settings) -> RebuildReport:
    """Rebuild the full-text table, the FAISS file and the manifest from SQLite.  Refuses (never
    creates) a missing index, and a read-only one."""
    from wbpolicy.index import Index

    with Index.open(settings, readonly=False, create=False) as index:
        rows = index.writer.rebuild_fts()
        n = index.rebuild_vectors()
    return RebuildReport(str(settings.index_dir), rows, n)
