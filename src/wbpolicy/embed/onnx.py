"""The ONNX Runtime embedder: an exported sentence-transformers model run on CPU.

The graph computes exactly what the model's sentence-transformers modules do (``modules.json``):
the transformer, mean pooling over the tokens the attention mask keeps, L2 normalisation.  Texts
are tokenised with the ``tokenizers`` library from the model's ``tokenizer.json``, truncated to
the model's ``max_seq_length`` (256 word pieces with [CLS]/[SEP] for all-MiniLM-L6-v2), and
batched by similar length, so a batch carries little padding.  The export itself (made locally,
never downloaded) is :mod:`wbpolicy.embed.export`.

The query path (load, then embed) imports onnxruntime, tokenizers and numpy, never torch,
transformers or sentence_transformers.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.embed.common import CountsWordPieces, WordPieces, read_model_config
from wbpolicy.embed.export import (
    MANIFEST,
    MODEL_FILE,
    OUTPUT_NAME,
    TOKENIZER_FILE,
    CorruptExport,
    _version,
    check_export,
    ensure_export,
    file_stat,
    onnx_runtime_available,
    read_manifest,
    remember_digest,
    remembered_digest,
)
from wbpolicy.embed.protocol import PRECISION_SEP, EmbedSettings, Kind
from wbpolicy.errors import WbpolicyError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


__all__ = [
    "OnnxEmbedder",
    "onnx_runtime_available",
    "open_session",
    "precision_model_id",
    "session_options",
]

# --------------------------------------------------------------------------------------------
# the embedder


class OnnxEmbedder(CountsWordPieces):
    """An exported sentence-transformers model run by ONNX Runtime on CPU.

    Either built on a source model directory (:meth:`from_source`: the export is looked up in
    the cache, and made on first use) or on an exported directory (:meth:`from_export`).  In
    fp32 (fused or not) it reports the same ``model_id`` as the sentence-transformers embedder
    of the same model, so indexes built by either stay compatible; in int8 the model id carries
    the suffix ``@int8``.
    """

    def __init__(
        self,
        *,
        model_id: str,
        dim: int,
        model_max_length: int,
        tokenizer_file: Path,
        settings: EmbedSettings,
        source_dir: Path | None = None,
        export_dir: Path | None = None,
    ) -> None:
        if source_dir is None and export_dir is None:
            raise WbpolicyError("OnnxEmbedder needs a source model or an exported directory")
        # int8 vectors are not those of the model: another model id, so an index never mixes
        # them with fp32 (or torch) vectors, and ingest's index key changes with it
        self.source_model_id = model_id
        self.model_id = precision_model_id(model_id, settings.precision)
        self.dim = dim
        self.settings = settings
        self.batch_size = settings.batch_size
        self.max_tokens = min(settings.max_length or model_max_length, model_max_length)
        self.source_dir = source_dir
        self.export_dir = export_dir
        self._pieces = WordPieces(tokenizer_file, self.max_tokens)
        self._session: Any = None
        self._manifest: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_source(
        cls, source_dir: Path, *, model_id: str, settings: EmbedSettings | None = None
    ) -> OnnxEmbedder:
        source_dir = Path(source_dir)
        config = read_model_config(source_dir)
        return cls(
            model_id=model_id,
            dim=config.dim,
            model_max_length=config.max_seq_length,
            tokenizer_file=source_dir / TOKENIZER_FILE,
            settings=settings or EmbedSettings(),
            source_dir=source_dir,
        )

    @classmethod
    def from_export(
        cls, export_dir: Path, *, settings: EmbedSettings | None = None
    ) -> OnnxEmbedder:
        export_dir = Path(export_dir)
        manifest = read_manifest(export_dir)
        problem = check_export(export_dir, manifest, files=(TOKENIZER_FILE,))
        if problem:
            raise CorruptExport(f"{export_dir}: {problem}")
        settings = settings or EmbedSettings()
        if manifest["precision"] != settings.precision:
            settings = _replace(settings, precision=manifest["precision"])
        emb = cls(
            model_id=str(manifest["model_id"]),
            dim=int(manifest["dim"]),
            model_max_length=int(manifest["max_seq_length"]),
            tokenizer_file=export_dir / TOKENIZER_FILE,
            settings=settings,
            export_dir=export_dir,
        )
        emb._manifest = manifest
        return emb

    # -- the model -----------------------------------------------------------------------------
    def _resolve(self) -> Path:
        """The export directory, exported now when the cache has none (source models only)."""
        if self.export_dir is None:
            assert self.source_dir is not None
            self.export_dir = ensure_export(
                self.source_dir,
                model_id=self.source_model_id,
                precision=self.settings.precision,
                opset=self.settings.opset,
                fusion=self.settings.fusion,
            )
        return self.export_dir

    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            self._manifest = read_manifest(self._resolve())
        return self._manifest

    @property
    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = self._open()
            return self._session

    def _open(self) -> Any:
        export_dir = self._resolve()
        try:
            manifest = read_manifest(export_dir)
            return open_session(export_dir, manifest, self.settings)
        except CorruptExport as exc:
            if self.source_dir is None:
                raise
            log.warning("the cached ONNX model is not intact (%s): exporting it again", exc)
        self.export_dir = ensure_export(
            self.source_dir,
            model_id=self.source_model_id,
            precision=self.settings.precision,
            opset=self.settings.opset,
            fusion=self.settings.fusion,
            force=True,
        )
        manifest = read_manifest(self.export_dir)
        self._manifest = manifest
        return open_session(self.export_dir, manifest, self.settings)

    def describe(self) -> dict[str, Any]:
        m = self.manifest()
        return {
            "backend": "onnxruntime",
            "model_id": self.model_id,
            "dim": self.dim,
            "max_tokens": self.max_tokens,
            "precision": m["precision"],
            "onnx_sha256": m["files"][MODEL_FILE]["sha256"],
            "opset": m["opset"],
            "exporter": m["exporter"],
            "quantization": m.get("quantization"),
            "fusion": m.get("fusion"),
            "source_sha256": m["source"]["sha256"],
            "export_versions": m["versions"],
            "onnxruntime": _version("onnxruntime"),
            "threads": self.settings.num_threads,
        }

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        """Unit-norm float32 rows, in the order of ``texts``.  all-MiniLM-L6-v2 is symmetric:
        queries and passages are encoded the same way."""
        import numpy as np

        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        session = self.session
        encodings = self._pieces.model_input.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=n)
        order = np.argsort(lengths, kind="stable")  # similar lengths share a batch
        wanted = {i.name for i in session.get_inputs()}
        bs = self.settings.batch_size
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for row, j in enumerate(idx):
                e = encodings[j]
                k = len(e.ids)
                ids[row, :k] = e.ids
                mask[row, :k] = 1
                types[row, :k] = e.type_ids
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            (vecs,) = session.run([OUTPUT_NAME], {k: v for k, v in feed.items() if k in wanted})
            out[idx] = vecs
        return out


def precision_model_id(model_id: str, precision: str) -> str:
    """The model id vectors of this precision are recorded under: fp32 keeps the model's own."""
    return model_id if precision == "fp32" else f"{model_id}{PRECISION_SEP}{precision}"


def _replace(settings: EmbedSettings, **kw: Any) -> EmbedSettings:
    from dataclasses import replace

    return replace(settings, **kw)


def session_options(settings: EmbedSettings) -> Any:
    """ONNX Runtime session options for ``settings`` (threads, spinning)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = settings.num_threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    if not settings.spin_wait:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return so


def open_session(export_dir: Path, manifest: dict[str, Any], settings: EmbedSettings) -> Any:
    """An ONNX Runtime session on the verified bytes of the exported model.

    The file is read once; its sha256 is computed on another thread (hashlib releases the GIL)
    while ONNX Runtime builds the session from the same bytes, so checking costs no wall time,
    and only once per version of the file: the digest is remembered against its (size,
    mtime_ns, inode), as the source model's is.
    """
    import onnxruntime as ort

    problem = check_export(export_dir, manifest, files=())
    if problem:
        raise CorruptExport(f"{export_dir}: {problem}")
    path = export_dir / MODEL_FILE
    expected = manifest["files"][MODEL_FILE]["sha256"]
    try:
        stat = file_stat(path)
        data = path.read_bytes()
    except OSError as exc:
        raise CorruptExport(f"cannot read {path}: {exc}") from None
    # the file was verified before with this size, mtime and inode (any rewrite changes its
    # mtime): no need to hash 90 MB again in every new process
    verified = remembered_digest(str(path), stat) == expected
    digest: list[str] = []
    hasher = threading.Thread(target=lambda: digest.append(hashlib.sha256(data).hexdigest()))
    if not verified:
        hasher.start()
    so = session_options(settings)
    error: Exception | None = None
    session = None
    try:
        session = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a torn or foreign file: ONNX Runtime's own exception types
        error = exc
    if not verified:
        hasher.join()
        if not digest or digest[0] != expected:
            raise CorruptExport(f"{path} does not match its sha256 in {MANIFEST}")
        remember_digest(str(path), stat, expected)
    if error is not None or session is None:
        raise CorruptExport(f"ONNX Runtime cannot load {path}: {error}")
    outputs = [o.name for o in session.get_outputs()]
    if OUTPUT_NAME not in outputs:
        raise CorruptExport(f"{path} has no output {OUTPUT_NAME!r} (outputs: {outputs})")
    return session
