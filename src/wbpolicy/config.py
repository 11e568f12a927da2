"""Settings: option, then environment variable, then default.  Nothing is read at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
ENV_INDEX = "WBPOLICY_INDEX"
ENV_MODEL = "WBPOLICY_MODEL"
ENV_CORPUS = "WBPOLICY_CORPUS"


def _project_root() -> Path | None:
    """The wbpolicy checkout this code runs from (editable install), if any."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "src" / "wbpolicy").is_dir():
            return parent
    return None


def default_index_dir() -> Path:
    root = _project_root()
    return (root / "indexes" / "default") if root else Path("indexes") / "default"


def default_corpus_dir() -> Path | None:
    """``../shared/corpus`` beside the checkout, where the workplace keeps the documents."""
    root = _project_root()
    for base in filter(None, [root, Path.cwd()]):
        cand = base.parent / "shared" / "corpus"
        if cand.is_dir():
            return cand
    return None


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    model: str = BUNDLED_MODEL
    batch_size: int = 32
    # chunking: all-MiniLM-L6-v2 truncates at 256 word pieces (incl. [CLS]/[SEP]); keep a margin
    max_tokens: int = 200
    min_tokens: int = 24

    @property
    def db_path(self) -> Path:
        return self.index_dir / "wbpolicy.sqlite"

    @property
    def faiss_path(self) -> Path:
        return self.index_dir / "vectors.faiss"

    @property
    def manifest_path(self) -> Path:
        return self.index_dir / "manifest.json"

    def with_(self, **kw: object) -> Settings:
        return replace(self, **kw)  # type: ignore[arg-type]


def load_settings(index_dir: str | Path | None = None, model: str | None = None) -> Settings:
    idx = index_dir or os.environ.get(ENV_INDEX) or default_index_dir()
    mdl = model or os.environ.get(ENV_MODEL) or BUNDLED_MODEL
    return Settings(index_dir=Path(idx), model=mdl)
