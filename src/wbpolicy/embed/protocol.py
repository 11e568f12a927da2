"""What every embedder offers, and the settings that tune the real ones.

Every embedder returns float32 rows with unit L2 norm, so inner product = cosine similarity.
``count_tokens`` counts word pieces *without* the special tokens ([CLS]/[SEP]).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from wbpolicy.errors import WbpolicyError

if TYPE_CHECKING:
    import numpy as np

Kind = Literal["query", "passage"]
Precision = Literal["fp32", "int8"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8")
# a model spec or model id ending in "@int8" names the int8 export of the model
PRECISION_SEP = "@"


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    dim: int
    max_tokens: int  # the model's input limit in word pieces, special tokens included

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...

    def describe(self) -> dict[str, Any]:
        """What produced the vectors, for the index manifest: at least ``{"backend": ...}``."""
        ...


@dataclass(frozen=True)
class EmbedSettings:
    """How the real embedders run.  The defaults were chosen by ``scripts/bench_embed.py`` on the
    2-core machine (see that script's docstring for the figures)."""

    # texts per forward pass; texts are sorted by length first, so a batch pads little.  8 beat
    # 32 and 64 by about a quarter on stored passages (~190 word pieces): less padding (3% of a
    # batch against 11% and 17%) and smaller activations
    batch_size: int = 8
    # ONNX Runtime intra-op threads (torch threads on the sentence-transformers path); 0: one per
    # CPU core
    threads: int = 0
    # "fp32" (the reference) or "int8" (dynamic quantisation of the exported ONNX model)
    precision: Precision = "fp32"
    # fuse the exported graph offline, at export time, with ONNX Runtime's transformer optimizer
    # (attention, LayerNorm, GELU and embedding kernels); the vectors stay those of the plain
    # graph (cosine >= 0.999 to torch, checked at export)
    fusion: bool = True
    # word pieces per text, [CLS]/[SEP] included; 0: the model's own max_seq_length (256 for
    # all-MiniLM-L6-v2).  Any other value changes the vectors of long texts.
    max_length: int = 0
    # ONNX opset of the exported graph
    opset: int = 17
    # let idle ONNX Runtime threads busy-wait for work: a little lower latency on an idle machine,
    # wasted cores on a shared one
    spin_wait: bool = False

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise WbpolicyError(f"batch_size must be >= 1, not {self.batch_size}")
        if self.threads < 0:
            raise WbpolicyError(f"threads must be >= 0, not {self.threads}")
        if self.precision not in PRECISIONS:
            raise WbpolicyError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
        if self.max_length < 0 or 0 < self.max_length < 3:
            raise WbpolicyError(f"max_length must be 0 or >= 3, not {self.max_length}")
        if not 14 <= self.opset <= 20:
            raise WbpolicyError(f"opset must be within 14..20, not {self.opset}")

    @property
    def num_threads(self) -> int:
        return self.threads or max(1, os.cpu_count() or 1)
