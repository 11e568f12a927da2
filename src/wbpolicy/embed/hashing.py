"""A deterministic bag-of-words embedder for tests (``hash:DIM``): no model, no randomness."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from wbpolicy.embed.protocol import Kind
from wbpolicy.errors import WbpolicyError

if TYPE_CHECKING:
    import numpy as np

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words embedder: each (lower-cased) word and word bigram hashes to a
    fixed Gaussian vector (a random projection of the one-hot bag), summed and normalised.
    Texts sharing words get similar vectors.  For tests only."""

    max_tokens = 256
    # its cosines measure shared words, not meaning: search's relevance floors do not apply
    semantic = False

    def __init__(self, dim: int = 64) -> None:
        if dim < 2:
            raise WbpolicyError("hash embedder needs dim >= 2")
        self.dim = dim
        self.model_id = f"hash:{dim}"

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN.findall(text))

    def describe(self) -> dict[str, Any]:
        return {"backend": "hash", "model_id": self.model_id, "dim": self.dim}

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
