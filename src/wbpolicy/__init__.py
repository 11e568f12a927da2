"""wbpolicy: search policy documents with evidence.

The package is a library first::

    import wbpolicy

    index = wbpolicy.open_index()  # indexes/default, or $WBPOLICY_INDEX
    for hit in index.search("KOS-CERT national CERT", top_k=3).hits:
        print(hit.title, hit.page, hit.section, hit.text[:80])
    print(wbpolicy.format_answer(index.ask("Has Albania set up a national CERT?")))
    index.ingest(["my-strategy.pdf"])  # an index opened with readonly=False

(``wbpolicy.search`` and ``wbpolicy.ingest`` are the packages of those stages; their functions are
``wbpolicy.search.search`` and ``wbpolicy.ingest.ingest``.)

Each pipeline stage is a package that takes and returns the frozen dataclasses in
:mod:`wbpolicy.models` (see docs/ARCHITECTURE.md).  Importing ``wbpolicy`` is cheap: heavy
libraries (pdfplumber, spaCy, onnxruntime, FAISS) load only when a function needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import (
    ExtractionError,
    IndexMismatch,
    IndexNotFound,
    NotFound,
    WbpolicyError,
)

if TYPE_CHECKING:
    from wbpolicy.answer import Answer, Brief, Matrix
    from wbpolicy.index import Index

__version__ = "0.1.0"


def open_index(
    index_dir: str | Path | None = None, *, model: str | None = None, readonly: bool = True
) -> Index:
    """The index at ``index_dir`` (default: ``$WBPOLICY_INDEX``, else ``indexes/default``)."""
    from wbpolicy.index import Index
    from wbpolicy.settings import load_settings

    return Index.open(load_settings(index_dir=index_dir, model=model), readonly=readonly)


def ask(index: Index, question: str, **options: Any) -> Answer:
    """Verbatim cited sentences answering ``question``, or an abstention."""
    from wbpolicy.answer import ask as run

    return run(index, question, **options)


def brief(index: Index, topic: str, **options: Any) -> Brief:
    """Per country, the best quotes on ``topic`` with references."""
    from wbpolicy.answer import brief as run

    return run(index, topic, **options)


def matrix(index: Index, **options: Any) -> Matrix:
    """A country x topic table of evidence sentences."""
    from wbpolicy.answer import matrix as run

    return run(index, **options)


def format_answer(answer: Answer) -> str:
    """An answer as the terminal shows it."""
    from wbpolicy.answer import format_answer as run

    return run(answer)


__all__ = [
    "ExtractionError",
    "IndexMismatch",
    "IndexNotFound",
    "NotFound",
    "WbpolicyError",
    "__version__",
    "ask",
    "brief",
    "format_answer",
    "matrix",
    "open_index",
]
