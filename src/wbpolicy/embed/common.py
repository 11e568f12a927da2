"""Pieces shared by the sentence-transformers and ONNX embedders: the model directory's
configuration and word-piece counting with the model's own ``tokenizer.json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import WbpolicyError

if TYPE_CHECKING:
    from tokenizers import Tokenizer


@dataclass(frozen=True)
class ModelConfig:
    """What a sentence-transformers model directory says about its pipeline."""

    dim: int
    max_seq_length: int  # word pieces, special tokens included
    max_position_embeddings: int
    pooling: str  # "mean", "cls", "max", ...
    normalize: bool  # the pipeline ends in a Normalize module
    # what ONNX Runtime's transformer graph fusion needs to know (0 / "": not stated)
    model_type: str = ""  # config.json's model_type: "bert", ...
    num_heads: int = 0  # attention heads per layer
    num_layers: int = 0


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WbpolicyError(f"cannot read {path}: {exc}") from None


def read_model_config(model_dir: Path) -> ModelConfig:
    cfg = read_json(model_dir / "config.json")
    dim = int(cfg.get("hidden_size") or cfg.get("dim") or 0)
    max_pos = int(cfg.get("max_position_embeddings") or 512)
    max_len = max_pos
    st_cfg = model_dir / "sentence_bert_config.json"
    if st_cfg.is_file():
        max_len = int(read_json(st_cfg).get("max_seq_length") or max_pos)
    pooling = "mean"
    normalize = False
    modules_file = model_dir / "modules.json"
    if modules_file.is_file():
        for module in read_json(modules_file):
            kind = str(module.get("type", ""))
            if kind.endswith(".Normalize"):
                normalize = True
            elif kind.endswith(".Pooling"):
                pooling = _pooling_mode(model_dir / str(module.get("path", "")))
    return ModelConfig(
        dim,
        min(max_len, max_pos),
        max_pos,
        pooling,
        normalize,
        model_type=str(cfg.get("model_type") or ""),
        num_heads=int(cfg.get("num_attention_heads") or 0),
        num_layers=int(cfg.get("num_hidden_layers") or 0),
    )


def _pooling_mode(pool_dir: Path) -> str:
    cfg_file = pool_dir / "config.json"
    if not cfg_file.is_file():
        return "mean"
    cfg = read_json(cfg_file)
    if "pooling_mode" in cfg:  # newer sentence-transformers configs
        return str(cfg["pooling_mode"])
    modes = [
        k[len("pooling_mode_") :] for k, v in cfg.items() if k.startswith("pooling_mode_") and v
    ]
    modes = [m.removesuffix("_tokens").removesuffix("_token") for m in modes]
    return "+".join(sorted(modes)) or "mean"


class WordPieces:
    """The model's tokenizer (``tokenizers`` library, no torch).

    ``tokenizer.json`` files carry their own truncation and padding settings (all-MiniLM-L6-v2's
    truncates at 128 and pads to a fixed 128): both are replaced here, never trusted.
    """

    def __init__(self, tokenizer_file: Path, max_length: int) -> None:
        self.tokenizer_file = tokenizer_file
        self.max_length = max_length
        self._counting: Tokenizer | None = None
        self._model_input: Tokenizer | None = None

    def _load(self) -> Tokenizer:
        from tokenizers import Tokenizer

        if not self.tokenizer_file.is_file():
            raise WbpolicyError(f"tokenizer file not found: {self.tokenizer_file}")
        tok = Tokenizer.from_file(str(self.tokenizer_file))
        tok.no_truncation()
        tok.no_padding()
        return tok

    @property
    def counting(self) -> Tokenizer:
        """No truncation, no padding: for counting."""
        if self._counting is None:
            self._counting = self._load()
        return self._counting

    @property
    def model_input(self) -> Tokenizer:
        """What the model reads: special tokens, truncated to ``max_length`` (longest-first, as
        sentence-transformers does), unpadded (batches are padded by the caller)."""
        if self._model_input is None:
            tok = self._load()
            tok.enable_truncation(max_length=self.max_length, strategy="longest_first")
            self._model_input = tok
        return self._model_input

    def count(self, text: str) -> int:
        return len(self.counting.encode(text, add_special_tokens=False).ids)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        encs = self.counting.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encs]


class CountsWordPieces:
    """Word-piece counting with the model's own tokenizer, for embedders that hold a
    :class:`WordPieces` as ``self._pieces``."""

    _pieces: WordPieces

    @property
    def tokenizer(self) -> Any:  # the ``tokenizers.Tokenizer`` that counts (no truncation)
        return self._pieces.counting

    def count_tokens(self, text: str) -> int:
        return self._pieces.count(text)

    def count_tokens_many(self, texts: Sequence[str]) -> list[int]:
        return self._pieces.count_many(texts)
