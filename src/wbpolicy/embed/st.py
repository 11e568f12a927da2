"""The sentence-transformers (torch) embedder: the reference the ONNX export is checked against.

Loaded on first use; token counting only needs the tokenizer file, so chunking never pays for
importing torch.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.embed.common import CountsWordPieces, WordPieces, read_model_config
from wbpolicy.embed.protocol import EmbedSettings, Kind

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Leave cores for other work; more threads than cores only adds contention.
MAX_THREADS = 4


class SentenceTransformerEmbedder(CountsWordPieces):
    """A sentence-transformers model on CPU."""

    def __init__(
        self,
        model_dir: Path,
        *,
        model_id: str,
        batch_size: int | None = None,
        settings: EmbedSettings | None = None,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.model_id = model_id
        self.settings = settings or EmbedSettings()
        self.batch_size = batch_size or self.settings.batch_size
        config = read_model_config(self.model_dir)
        self.dim = config.dim
        self.max_tokens = config.max_seq_length
        self._pieces = WordPieces(self.model_dir / "tokenizer.json", self.max_tokens)
        self._model: Any = None

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "sentence-transformers",
            "model_id": self.model_id,
            "dim": self.dim,
            "max_tokens": self.max_tokens,
            "precision": "fp32",
            "versions": {
                name: _version(name) for name in ("sentence-transformers", "transformers", "torch")
            },
        }

    @property
    def model(self) -> Any:
        if self._model is None:
            threads = self.settings.threads or max(1, min(MAX_THREADS, os.cpu_count() or 1))
            self._model = load_sentence_transformer(self.model_dir, threads=threads)
        return self._model

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.model
        # all-MiniLM-L6-v2 is symmetric: queries and passages are encoded the same way
        with _single_thread(len(texts) <= 4):
            vecs = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vecs, dtype=np.float32)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@contextmanager
def _single_thread(active: bool) -> Iterator[None]:
    """Encode a handful of short texts (a query) on one thread.

    Measured on a 2-core machine under load: one query took a median 765 ms with torch's thread
    pool against 18 ms on one thread; batches of passages still use the pool.
    """
    if not active:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def offline_hf_env() -> None:
    """Never reach the network: set before the Hugging Face stack is imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def quiet_transformers() -> None:
    try:  # the "Loading weights" bar would garble the CLI's own progress bar on stderr
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def load_sentence_transformer(model_dir: Path, *, threads: int) -> Any:
    offline_hf_env()
    import torch
    from sentence_transformers import SentenceTransformer

    quiet_transformers()
    torch.set_num_threads(threads)
    log.info("loading embedding model from %s", model_dir)
    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
