"""The Milvus vector backend: the passages' vectors in a Milvus collection, behind the
:class:`wbpolicy.index.vectors.VectorIndex` API.

One client code for both deployments: a local path (``milvus.db`` in the index directory by
default) is a Milvus Lite data directory, embedded in this process; ``http://host:19530`` is a
Milvus server or cluster.  SQLite stays the truth: the collection is a copy of the
``embeddings`` table (primary key = passage id) with each passage's document id, kind, year and
countries as scalar fields, so a cluster can filter natively, and a fingerprint of all of that.

The collection records the store generation it reflects (a collection property).  A writable
open of a stale collection, and every rebuild, *syncs* it: one paged pass over the store compares
fingerprints, inserts the missing or changed rows and deletes the vanished ones; nothing that is
already there is written again.  A read-only open never writes: a stale, missing, locked or
unreadable collection is replaced, for that process, by an exact FAISS index built in memory
from SQLite.

Search is exact (a ``FLAT`` index, inner product on the unit vectors: the ranking of FAISS flat);
``allowed_ids`` become an ``id in [...]`` expression (or ``id not in [...]`` when the complement
is shorter), split into several searches merged by score when even that is too long, so filters
apply before ranking.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import IndexBusy, IndexDamaged, MilvusUnavailable, WbpolicyError
from wbpolicy.settings import MilvusSettings

if TYPE_CHECKING:
    import numpy as np

    from wbpolicy.index import Index
    from wbpolicy.index.store import Store
    from wbpolicy.index.vectors import VectorIndex

log = logging.getLogger(__name__)

COLLECTION = "wbpolicy_passages"
PROP_GENERATION = "wbpolicy.generation"
PROP_MODEL = "wbpolicy.model"
_SERVER_SCHEMES = ("http://", "https://", "tcp://", "unix:", "grpc://")


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: rows inserted (new or changed), deleted (gone or changed), kept."""

    generation: int
    inserted: int
    deleted: int
    kept: int
    seconds: float
    created: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "inserted": self.inserted,
            "deleted": self.deleted,
            "kept": self.kept,
            "seconds": round(self.seconds, 3),
            "created": self.created,
        }


def is_server_uri(uri: str) -> bool:
    return uri.startswith(_SERVER_SCHEMES)


# -- connecting ----------------------------------------------------------------------------------
class _Capture(logging.Handler):
    """Keeps the exception Milvus Lite logs (and swallows) when it cannot open its directory."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.exc: BaseException | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.exc = record.exc_info[1]


def _quiet_client_logs() -> None:
    # pymilvus logs every failed RPC with its own handler (a traceback on stderr); the errors
    # reach the user as one line from here instead
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)


def connect(uri: str, settings: MilvusSettings | None = None) -> Any:
    """A ``MilvusClient`` for ``uri``; every failure is one :class:`WbpolicyError` line:
    :class:`MilvusUnavailable` (server), :class:`IndexBusy` (a Lite file another process holds),
    :class:`IndexDamaged` (a Lite file that cannot be read)."""
    cfg = settings or MilvusSettings()
    try:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException
    except ImportError as exc:  # the "scale" extra is not installed
        raise WbpolicyError(
            "the Milvus backend needs pymilvus (and milvus-lite for a local file): "
            "pip install 'wbpolicy[scale]'"
        ) from exc
    _quiet_client_logs()
    if is_server_uri(uri):
        try:
            return MilvusClient(uri=uri, timeout=cfg.connect_timeout_s)
        except MilvusException as exc:
            raise MilvusUnavailable(
                f"cannot reach the Milvus server at {uri} ({_reason(exc)}); is it running?"
            ) from exc
    if not uri.endswith(".db"):
        raise WbpolicyError(f"a Milvus Lite file name ends in .db: {uri}")
    # the embedded server logs, with a traceback, each RPC it does not implement (AllocTimestamp,
    # which the query iterator asks for and then does without)
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    capture = _Capture()
    lite_log = logging.getLogger("milvus_lite")
    lite_log.addHandler(capture)
    propagate, lite_log.propagate = lite_log.propagate, False
    try:
        return MilvusClient(uri=uri, timeout=cfg.connect_timeout_s)
    except MilvusException as exc:
        raise _lite_error(uri, capture.exc or exc) from exc
    finally:
        lite_log.removeHandler(capture)
        lite_log.propagate = propagate


def _lite_error(uri: str, exc: BaseException) -> WbpolicyError:
    name = type(exc).__name__
    if name == "DataDirLockedError":
        return IndexBusy(
            f"the Milvus Lite file {uri} is in use by another process (Milvus Lite serves one "
            "process at a time; use a Milvus server for several)"
        )
    if isinstance(exc, OSError):  # not a directory, no permission, a read-only file system
        return IndexDamaged(f"the Milvus Lite file {uri} cannot be opened ({exc})")
    return IndexDamaged(
        f"the Milvus Lite file {uri} cannot be opened ({name}: {_reason(exc)}); "
        "move it away and run `wbpolicy index rebuild`"
    )


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def _errors(uri: str) -> Iterator[None]:
    """Milvus failures during an operation as one line."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        raise MilvusUnavailable(f"Milvus at {uri}: {_reason(exc)}") from exc


# -- the vectors -----------------------------------------------------------------------------------
class MilvusVectors:
    """A Milvus collection with the :class:`~wbpolicy.index.vectors.VectorIndex` API."""

    def __init__(
        self,
        client: Any,
        uri: str,
        dim: int,
        universe: Any,
        settings: MilvusSettings,
        collection: str = COLLECTION,
        last_sync: SyncReport | None = None,
        full_text: bool = False,
    ) -> None:
        self.client = client
        self.uri = uri
        self.dim = dim
        self.collection = collection
        self.settings = settings
        self.last_sync = last_sync
        self.full_text = full_text
        # the ids the collection holds when fresh (the store's embeddings), for `id not in`
        self._universe = universe
        self._len: int | None = None

    def __len__(self) -> int:
        if self._len is None:
            with _errors(self.uri):
                rows = self.client.query(self.collection, filter="", output_fields=["count(*)"])
            self._len = int(rows[0]["count(*)"]) if rows else 0
        return self._len

    def ids(self) -> np.ndarray:
        import numpy as np

        got = [int(r["id"]) for r in _iterate(self.client, self.collection, ["id"], self.uri)]
        return np.array(sorted(got), dtype=np.int64)

    def search(
        self, query_vec: object, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        import numpy as np

        q = np.ascontiguousarray(query_vec, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise ValueError(f"vector dimension {q.shape[0]} != index dimension {self.dim}")
        vec = q.tolist()
        return self._filtered(
            lambda expr, n: self._search(vec, "vector", self.settings.metric, n, expr),
            k,
            allowed_ids,
        )

    def lexical_search(
        self, text: str, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Milvus's BM25 over the passages' text (a collection built with ``full_text``), best
        first, filters before ranking.  Milvus's analyser, not wbpolicy's FTS5 tokens."""
        if not self.full_text:
            raise WbpolicyError(
                f"the collection {self.collection} at {self.uri} keeps no text (built without "
                "MilvusSettings.full_text)"
            )
        return self._filtered(
            lambda expr, n: self._search(text, "sparse", "BM25", n, expr), k, allowed_ids
        )

    def _filtered(
        self, run: Callable[[str, int], list[tuple[int, float]]], k: int, allowed_ids: Any
    ) -> list[tuple[int, float]]:
        """``run(expr, k)`` under the filter: one `id in` list, or `id not in` the complement
        when that is shorter, or slices of the allowed ids merged by score."""
        import numpy as np

        k = min(int(k), self.settings.max_top_k)
        if k <= 0:
            return []
        if allowed_ids is None:
            return run("", k)
        allowed = np.unique(np.asarray(allowed_ids, dtype=np.int64))
        if len(allowed) == 0:
            return []
        limit = self.settings.id_filter_max
        if len(allowed) <= limit:
            return run(_in_expr(allowed), k)
        universe = self._universe()
        outside = np.setdiff1d(universe, allowed, assume_unique=True)
        if len(outside) == 0:
            return run("", k)
        if len(outside) <= limit:
            return run("id not in " + _id_list(outside), k)
        # too long either way: search each slice of the allowed ids, keep the best k overall
        # (each slice's own top k holds every member of the global top k it contains)
        merged: list[tuple[int, float]] = []
        for start in range(0, len(allowed), limit):
            merged += run(_in_expr(allowed[start : start + limit]), k)
        return sorted(merged, key=lambda h: (-h[1], h[0]))[:k]

    def _search(
        self, data: Any, field: str, metric: str, k: int, expr: str
    ) -> list[tuple[int, float]]:
        with _errors(self.uri):
            res = self.client.search(
                self.collection,
                data=[data],
                anns_field=field,
                limit=k,
                filter=expr,
                # the primary key only: an empty list makes Milvus Lite return every field,
                # vectors included
                output_fields=["id"],
                search_params={"metric_type": metric},
            )
        hits = [(int(h["id"]), float(h["distance"])) for h in (res[0] if res else [])]
        if metric == "BM25":  # Milvus Lite reports BM25 negated (smaller is better); a server not
            hits = [(i, abs(d)) for i, d in hits]
        return sorted(hits, key=lambda h: (-h[1], h[0]))

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "milvus",
            "uri": self.uri,
            "collection": self.collection,
            "kind": "flat" if self.settings.index_type in ("FLAT", "BRUTE_FORCE") else "ann",
            "index_type": self.settings.index_type,
            "metric": "inner_product" if self.settings.metric == "IP" else self.settings.metric,
            "full_text": "BM25" if self.full_text else None,
        }

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


def _id_list(ids: np.ndarray) -> str:
    return "[" + ",".join(map(str, ids.tolist())) + "]"


def _in_expr(ids: np.ndarray) -> str:
    return "id in " + _id_list(ids)


def _iterate(client: Any, collection: str, fields: list[str], uri: str) -> Iterator[dict]:
    with _errors(uri):
        it = client.query_iterator(collection, batch_size=5000, filter="", output_fields=fields)
        try:
            while True:
                batch = it.next()
                if not batch:
                    break
                yield from batch
        finally:
            it.close()


# -- opening and syncing ---------------------------------------------------------------------------
def open_vectors(index: Index, rebuild: bool) -> MilvusVectors | VectorIndex:
    """The vectors of a Milvus-backed index.  Writable: create or sync the collection when it is
    stale (always when ``rebuild``).  Read-only: the collection when it is current, else an
    exact in-memory FAISS index from SQLite (nothing is written)."""
    cfg = milvus_settings(index)
    uri = index.milvus_uri
    generation = index.store.generation
    dim = index.dim
    if dim is None:  # nothing embedded yet: no collection can be shaped
        log.debug("no vectors in the store yet; nothing to put in Milvus")
        return index.build_vectors()
    if index.readonly:
        return _open_readonly(index, uri, dim, generation, cfg)
    client = connect(uri, cfg)
    report = None
    with _errors(uri):
        created = _ensure_collection(client, dim, index.model_id, cfg)
        if rebuild or created or _generation(client) != generation:
            report = sync(client, index.store, generation, cfg, uri, created=created)
        client.load_collection(COLLECTION)
        text = _has_text(client)
    return MilvusVectors(
        client, uri, dim, _universe(index.store), cfg, last_sync=report, full_text=text
    )


def sync_collection(
    index: Index, uri: str | None = None, settings: MilvusSettings | None = None
) -> SyncReport:
    """Create or sync the collection at ``uri`` (default: the index's) from the store, writing
    nothing else (works on a read-only index: the store is only read).  For scripts that build
    a Milvus copy of a FAISS index side by side (``scripts/compare_backends.py``)."""
    cfg = settings or milvus_settings(index)
    uri = uri or index.milvus_uri
    dim = index.dim
    if dim is None:
        raise WbpolicyError(f"the index at {index.path} holds no vectors")
    client = connect(uri, cfg)
    try:
        with _errors(uri):
            created = _ensure_collection(client, dim, index.model_id, cfg)
            return sync(client, index.store, index.store.generation, cfg, uri, created=created)
    finally:
        with contextlib.suppress(Exception):
            client.close()


def milvus_settings(index: Index) -> MilvusSettings:
    value = getattr(index.settings, "milvus", None)
    return value if isinstance(value, MilvusSettings) else MilvusSettings()


def _open_readonly(
    index: Index, uri: str, dim: int, generation: int, cfg: MilvusSettings
) -> MilvusVectors | VectorIndex:
    why = None
    client = None
    if not is_server_uri(uri) and not os.path.exists(uri):
        why = f"no Milvus Lite file at {uri}"
    else:
        try:
            client = connect(uri, cfg)
        except (IndexBusy, IndexDamaged) as exc:  # e.g. `wbpolicy serve` holds the Lite file
            why = str(exc)
        if client is not None:
            with _errors(uri):
                if not client.has_collection(COLLECTION):
                    why = f"no collection {COLLECTION} at {uri}"
                elif (got := _generation(client)) != generation:
                    why = (
                        f"the collection is of store generation {got}, the store is at {generation}"
                    )
                elif _dim(client) != dim:
                    why = f"the collection's vectors are not {dim} long"
                else:
                    client.load_collection(COLLECTION)
                    text = _has_text(client)
                    ids = _universe(index.store)
                    return MilvusVectors(client, uri, dim, ids, cfg, full_text=text)
            with contextlib.suppress(Exception):
                client.close()
    log.warning(
        "%s; searching an exact in-memory copy from SQLite (`wbpolicy index rebuild` syncs it)",
        why,
    )
    return index.build_vectors()


def _generation(client: Any) -> int | None:
    props = client.describe_collection(COLLECTION).get("properties") or {}
    value = props.get(PROP_GENERATION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _dim(client: Any) -> int | None:
    for f in client.describe_collection(COLLECTION).get("fields", []):
        if f.get("name") == "vector":
            return int((f.get("params") or {}).get("dim", 0)) or None
    return None


def _has_text(client: Any) -> bool:
    fields = client.describe_collection(COLLECTION).get("fields", [])
    return any(f.get("name") == "sparse" for f in fields)


def _ensure_collection(client: Any, dim: int, model: str | None, cfg: MilvusSettings) -> bool:
    """Create the collection when missing (or of another dimension, model or full-text choice);
    True if created."""
    from pymilvus import DataType, Function, FunctionType

    if client.has_collection(COLLECTION):
        props = client.describe_collection(COLLECTION).get("properties") or {}
        same = _dim(client) == dim and _has_text(client) == cfg.full_text
        if same and props.get(PROP_MODEL, model) == model:
            client.load_collection(COLLECTION)  # a collection another process left is released
            return False
        log.info(
            "the Milvus collection holds vectors of another model or size, or another full-text "
            "choice; recreating it"
        )
        client.drop_collection(COLLECTION)
    schema = client.create_schema(
        auto_id=False,
        enable_dynamic_field=False,
        description="wbpolicy passages (a copy: the index's SQLite store is the truth)",
    )
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=cfg.doc_id_max_length)
    schema.add_field("kind", DataType.VARCHAR, max_length=cfg.kind_max_length)
    schema.add_field("year", DataType.INT64)  # 0: unknown
    schema.add_field("country", DataType.VARCHAR, max_length=cfg.country_max_length)
    schema.add_field(
        "countries",
        DataType.ARRAY,
        element_type=DataType.VARCHAR,
        max_capacity=cfg.max_countries,
        max_length=cfg.country_max_length,
    )
    schema.add_field("fp", DataType.INT64)  # fingerprint of vector and metadata (the sync's key)
    params = client.prepare_index_params()
    params.add_index(field_name="vector", index_type=cfg.index_type, metric_type=cfg.metric)
    if cfg.full_text:
        schema.add_field(
            "text", DataType.VARCHAR, max_length=cfg.text_max_bytes, enable_analyzer=True
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="text_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        params.add_index(
            field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25"
        )
    client.create_collection(
        COLLECTION, schema=schema, index_params=params, consistency_level="Strong"
    )
    if model:
        client.alter_collection_properties(COLLECTION, properties={PROP_MODEL: model})
    return True


def sync(
    client: Any,
    store: Store,
    generation: int,
    cfg: MilvusSettings,
    uri: str,
    *,
    created: bool = False,
) -> SyncReport:
    """Make the collection hold exactly the store's vectors: one paged pass over SQLite, rows
    whose fingerprint the collection lacks are (re)inserted, ids the store no longer has are
    deleted, the rest is left alone; then record ``generation``."""
    t0 = time.perf_counter()
    held: dict[int, int] = {}
    if not created:
        held = {int(r["id"]): int(r["fp"]) for r in _iterate(client, COLLECTION, ["fp"], uri)}
    seen: set[int] = set()
    inserted = kept = deleted = 0
    pending: list[dict[str, Any]] = []
    replaced: list[int] = []

    def flush() -> None:
        nonlocal inserted, deleted
        if replaced:
            client.delete(COLLECTION, ids=list(replaced))
            deleted += len(replaced)
            replaced.clear()
        if pending:
            client.insert(COLLECTION, data=list(pending))
            inserted += len(pending)
            pending.clear()

    for row in _store_rows(store, cfg):
        pid = row["id"]
        seen.add(pid)
        old = held.get(pid)
        if old == row["fp"]:
            kept += 1
            continue
        if old is not None:
            replaced.append(pid)
        pending.append(row)
        if len(pending) >= cfg.batch:
            flush()
    flush()
    gone = [pid for pid in held if pid not in seen]
    for start in range(0, len(gone), cfg.batch):
        client.delete(COLLECTION, ids=gone[start : start + cfg.batch])
    deleted += len(gone)
    client.alter_collection_properties(COLLECTION, properties={PROP_GENERATION: str(generation)})
    with contextlib.suppress(Exception):  # Lite has nothing to flush; a server seals segments
        client.flush(COLLECTION)
    report = SyncReport(generation, inserted, deleted, kept, time.perf_counter() - t0, created)
    log.info(
        "milvus: collection %s synced to store generation %d: %d inserted, %d deleted, "
        "%d kept (%.2f s)",
        COLLECTION,
        generation,
        inserted,
        deleted,
        kept,
        report.seconds,
    )
    return report


_PAGE_SQL = (
    "SELECT e.passage_id AS id, e.vector, p.text, d.doc_id, d.kind, d.year, d.country, "
    "(SELECT group_concat(c.country, ',') FROM (SELECT country FROM passage_countries "
    " WHERE passage_id = e.passage_id ORDER BY country) c) AS countries "
    "FROM embeddings e JOIN passages p ON p.id = e.passage_id "
    "JOIN documents d ON d.id = p.doc_pk WHERE e.passage_id > ? ORDER BY e.passage_id LIMIT ?"
)


def _store_rows(store: Store, cfg: MilvusSettings) -> Iterator[dict[str, Any]]:
    """Every stored vector with its metadata and fingerprint, in pages of ``cfg.batch``."""
    import numpy as np

    last = -(2**63)
    while True:
        rows = store.conn.execute(_PAGE_SQL, (last, cfg.batch)).fetchall()
        if not rows:
            return
        for r in rows:
            countries = sorted(filter(None, (r["countries"] or "").split(",")))
            countries = [_clip(c, cfg.country_max_length) for c in countries[: cfg.max_countries]]
            doc_id = _clip(str(r["doc_id"]), cfg.doc_id_max_length)
            kind = _clip(str(r["kind"] or ""), cfg.kind_max_length)
            country = _clip(str(r["country"] or ""), cfg.country_max_length)
            year = int(r["year"] or 0)
            blob = bytes(r["vector"])
            meta = [doc_id, kind, str(year), country, ",".join(countries)]
            row: dict[str, Any] = {
                "id": int(r["id"]),
                "vector": np.frombuffer(blob, dtype=np.float32).tolist(),
                "doc_id": doc_id,
                "kind": kind,
                "year": year,
                "country": country,
                "countries": countries,
            }
            if cfg.full_text:
                row["text"] = _clip(str(r["text"]), cfg.text_max_bytes)
                meta.append(row["text"])
            row["fp"] = _fingerprint(blob, meta)
            yield row
        last = int(rows[-1]["id"])


def _clip(text: str, max_bytes: int) -> str:
    """``text`` cut to fit a VARCHAR of ``max_bytes`` (Milvus counts UTF-8 bytes)."""
    raw = text.encode("utf-8")
    return text if len(raw) <= max_bytes else raw[:max_bytes].decode("utf-8", "ignore")


def _fingerprint(blob: bytes, meta: Sequence[str]) -> int:
    h = hashlib.blake2b(blob, digest_size=8)
    h.update("\x00".join(meta).encode())
    return int.from_bytes(h.digest(), "little", signed=True)


def _universe(store: Store) -> Any:
    cache: list[np.ndarray] = []

    def ids() -> np.ndarray:
        import numpy as np

        if not cache:
            rows = store.conn.execute("SELECT passage_id FROM embeddings ORDER BY passage_id")
            cache.append(np.fromiter((r[0] for r in rows), dtype=np.int64))
        return cache[0]

    return ids


# -- index check ---------------------------------------------------------------------------------
def check_collection(uri: str, store: Store, dim: int | None) -> tuple[dict[str, Any], list]:
    """``(facts, problems)`` of the collection against the store: problems are
    ``(code, message)``; a server that cannot be reached, or a Lite file another process holds,
    raises (a check cannot report on what it cannot read)."""
    facts: dict[str, Any] = {"milvus_uri": uri, "milvus_collection": COLLECTION}
    problems: list[tuple[str, str]] = []
    if not is_server_uri(uri) and not os.path.exists(uri):
        if store.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]:
            problems.append(("milvus-missing", f"no Milvus Lite file at {uri}"))
        return facts, problems
    try:
        client = connect(uri)
    except IndexDamaged as exc:  # a report, not a failure of the check
        problems.append(("milvus-unreadable", str(exc)))
        return facts, problems
    try:
        with _errors(uri):
            if not client.has_collection(COLLECTION):
                problems.append(("milvus-missing", f"no collection {COLLECTION} at {uri}"))
                return facts, problems
            client.load_collection(COLLECTION)
            held = {int(r["id"]) for r in _iterate(client, COLLECTION, ["id"], uri)}
            gen = _generation(client)
            got_dim = _dim(client)
        stored = {int(r[0]) for r in store.conn.execute("SELECT passage_id FROM embeddings")}
        facts.update({"milvus_vectors": len(held), "milvus_generation": gen})
        if gen != store.generation:
            problems.append(
                (
                    "milvus-stale",
                    f"the collection is of store generation {gen}, the store is at "
                    f"{store.generation}",
                )
            )
        if len(held) != len(stored):
            problems.append(
                (
                    "milvus-count",
                    f"the collection holds {len(held)} vectors, the store {len(stored)}",
                )
            )
        elif held != stored:
            problems.append(("milvus-ids", "the collection holds vectors of other passages"))
        if dim is not None and got_dim != dim:
            problems.append(
                ("milvus-dimensions", f"the collection has {got_dim} dimensions, the store {dim}")
            )
    finally:
        with contextlib.suppress(Exception):
            client.close()
    return facts, problems
