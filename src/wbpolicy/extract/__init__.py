"""Extraction: one file in, one :class:`~wbpolicy.models.Extraction` out.

``extract(path)`` dispatches on the (case-insensitive) suffix.  A file that cannot be read at all
raises :class:`~wbpolicy.errors.ExtractionError` with a short ``code``: ``unsupported``,
``empty``, ``unreadable`` (plus the PDF extractor's own codes such as ``encrypted``/``corrupt``);
non-fatal trouble is listed in ``Extraction.problems``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ExtractionError
from ..models import Extraction

FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(FORMATS)
# Bump when extraction output changes, so that ingest re-reads files whose bytes did not change.
EXTRACTOR_VERSION = 2
SKIPPED_NAMES = frozenset({"manifest.json"})

__all__ = ["EXTRACTOR_VERSION", "SUPPORTED_SUFFIXES", "extract", "format_of", "iter_documents"]


def format_of(path: Path) -> str | None:
    """``pdf``/``txt``/``md``/``html`` for a supported suffix, else None."""
    return FORMATS.get(Path(path).suffix.lower())


def extract(path: Path) -> Extraction:
    """Extract one document.  Raises ExtractionError for files that cannot be read at all."""
    path = Path(path)
    fmt = format_of(path)
    if fmt is None:
        suffix = path.suffix.lower() or "(none)"
        raise ExtractionError(
            path, "unsupported",
            f"unsupported file type '{suffix}' (supported: {', '.join(SUPPORTED_SUFFIXES)})",
        )
    if not path.exists():
        raise ExtractionError(path, "unreadable", "file not found")
    if not path.is_file():
        raise ExtractionError(path, "unreadable", "not a regular file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(path, "unreadable", f"cannot read file ({exc.strerror})") from exc
    if size == 0:
        raise ExtractionError(path, "empty", "file is empty")
    if fmt == "pdf":
        from .pdf import extract_pdf  # pdfplumber is heavy: only load it for PDFs

        return extract_pdf(path)
    if fmt == "html":
        from .html import extract_html

        return extract_html(path)
    from .text import extract_text

    return extract_text(path, markdown=(fmt == "md"))


def iter_documents(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files named, plus every file under named folders (recursive, sorted).

    Hidden files and folders (a leading ".") and corpus ``MANIFEST.json`` files are skipped;
    unsupported files are still yielded so that the caller reports them.  A path that does not
    exist is yielded as is (extract() then reports it as unreadable).
    """
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if child.is_file() and child.name.lower() not in SKIPPED_NAMES:
                    yield child
        else:
            yield p
