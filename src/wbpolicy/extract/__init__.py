"""Extraction: one file in, one :class:`~wbpolicy.models.Extraction` out.

``extract(path)`` dispatches on the (case-insensitive) suffix.  A file that cannot be read at all
raises :class:`~wbpolicy.errors.ExtractionError` with a short ``code``: ``unsupported``,
``empty``, ``unreadable``, ``not-text`` (binary content named as text) (plus the PDF
extractor's own codes such as ``encrypted``/``corrupt``/``garbage-text``); non-fatal trouble is
listed in ``Extraction.problems`` (``no-text``, ``encoding``, ``ocr-low-confidence`` ...).

Modules: :mod:`.decode` (bytes to text), :mod:`.furniture` (plain-text pages and running
headers), :mod:`.lines` (what a line of text looks like), :mod:`.blocks` (the block builder the
text parsers share), :mod:`.segment` and :mod:`.toc` (plain-text line classification),
:mod:`.plain`, :mod:`.markdown`, :mod:`.html` (the parsers), :mod:`.language`, :mod:`.layout`
(:class:`TextLayout`, the text parsers' tuned numbers) and the :mod:`.pdf` package
(:func:`~wbpolicy.extract.pdf.extract_pdf`, tuned by :class:`PdfLayout`).

``TextLayout`` and ``PdfLayout`` can be imported from here; ``PdfLayout`` is loaded on first use,
so that importing this package loads no parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from wbpolicy.errors import ExtractionError
from wbpolicy.models import Extraction

from .layout import TextLayout

if TYPE_CHECKING:
    from .pdf.layout import PdfLayout

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
EXTRACTOR_VERSION = 5
SKIPPED_NAMES = frozenset({"manifest.json"})

__all__ = [
    "EXTRACTOR_VERSION",
    "SUPPORTED_SUFFIXES",
    "PdfLayout",
    "TextLayout",
    "extract",
    "format_of",
    "iter_documents",
]


def __getattr__(name: str) -> object:
    if name == "PdfLayout":
        from .pdf.layout import PdfLayout

        return PdfLayout
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def format_of(path: Path) -> str | None:
    """``pdf``/``txt``/``md``/``html`` for a supported suffix, else None."""
    return FORMATS.get(Path(path).suffix.lower())


def extract(
    path: Path | str,
    *,
    pdf_layout: PdfLayout | None = None,
    text_layout: TextLayout | None = None,
) -> Extraction:
    """Extract one document.  Raises ExtractionError for files that cannot be read at all.

    ``pdf_layout`` / ``text_layout`` override the tuned numbers of the PDF engine and of the
    text, markdown and HTML parsers (default: ``PdfLayout()`` / ``TextLayout()``).
    """
    path = Path(path)
    fmt = format_of(path)
    if fmt is None:
        suffix = path.suffix.lower() or "(none)"
        raise ExtractionError(
            path,
            "unsupported",
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
        from .pdf import extract_pdf  # pdfplumber itself loads only when a PDF is opened

        return extract_pdf(path, pdf_layout)
    if fmt == "html":
        from .html import extract_html

        return extract_html(path, text_layout)
    if fmt == "md":
        from .markdown import extract_markdown

        return extract_markdown(path, text_layout)
    from .plain import extract_plain

    return extract_plain(path, text_layout)


def iter_documents(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files named, plus every file under named folders (recursive, sorted).

    Hidden files and folders (a leading "."), corpus ``MANIFEST.json`` files and metadata sidecars
    (``*.meta.yaml``, ``wbpolicy.yaml``: :mod:`wbpolicy.docmeta`) are skipped;
    unsupported files are still yielded so that the caller reports them.  A path that does not
    exist is yielded as is (extract() then reports it as unreadable).
    """
    from wbpolicy.docmeta import is_sidecar

    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                # not only regular files: a FIFO or a socket in a folder is reported (and
                # never opened) by the caller, not skipped in silence
                if child.is_dir() or child.name.lower() in SKIPPED_NAMES or is_sidecar(child):
                    continue
                yield child
        else:
            yield p
