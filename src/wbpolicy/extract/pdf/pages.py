"""The pdfplumber boundary: open a PDF, read each page's glyphs, rules and ruled tables.

pdfplumber is imported here, inside :func:`open_pdf`, and nowhere else: importing the engine
does not load it.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import ExtractionError

from .layout import PdfLayout
from .lines import build_lines
from .model import PageData
from .tables import find_tables, in_table

if TYPE_CHECKING:
    from pdfplumber.page import Page
    from pdfplumber.pdf import PDF

log = logging.getLogger(__name__)

_LEADERS = frozenset("._…·-–—")


def open_pdf(path: Path) -> PDF:
    """The opened document; ExtractionError (empty, corrupt, encrypted) when it cannot be."""
    import pdfplumber

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(path, "corrupt", f"cannot read file: {exc}") from exc
    if size == 0:
        raise ExtractionError(path, "empty", "file is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF" not in head:
        raise ExtractionError(path, "corrupt", "not a PDF (no %PDF header)")
    try:
        pdf = pdfplumber.open(path)
        n = len(pdf.pages)
    except Exception as exc:  # pdfminer raises many unrelated types; this is the boundary
        raise _classify_open_error(path, exc) from exc
    if n == 0:
        pdf.close()
        raise ExtractionError(path, "empty", "PDF has no pages")
    return pdf


def _classify_open_error(path: Path, exc: Exception) -> ExtractionError:
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 5:
        chain.append(e)
        cause = e.args[0] if e.args and isinstance(e.args[0], BaseException) else None
        e = e.__cause__ or e.__context__ or cause
    names = " ".join(type(x).__name__ + " " + str(x) for x in chain).lower()
    if "password" in names or "encrypt" in names:
        return ExtractionError(path, "encrypted", "PDF is encrypted and needs a password")
    return ExtractionError(path, "corrupt", f"unreadable or truncated PDF ({type(exc).__name__})")


def read_pages(path: Path, pdf: PDF, layout: PdfLayout) -> tuple[list[PageData], list[int]]:
    """Every page's lines, rules and tables; also the numbers of pages that failed to parse."""
    pages: list[PageData] = []
    failed: list[int] = []
    for i, page in enumerate(pdf.pages, start=1):
        pd = PageData(i, float(page.width), float(page.height))
        pd.origin = (float(page.bbox[0]), float(page.bbox[1]))
        try:
            _read_page(page, pd, layout)
        except Exception as exc:  # noqa: BLE001 - one bad page must not sink the document
            log.warning("%s: page %d unreadable: %s", path, i, exc)
            failed.append(i)
            pd.has_text = False
        finally:
            page.close()
        pages.append(pd)
    return pages, failed


def _read_page(page: Page, pd: PageData, layout: PdfLayout) -> None:
    chars = page.chars
    pd.has_text = any(not c["text"].isspace() for c in chars)
    if pd.has_text and page_is_garbage(chars, layout):
        pd.garbage = True
        pd.rules = _image_page_rules(page, layout)
    elif pd.has_text:
        pd.lines = build_lines(chars, pd.number, pd.width, pd.height, layout)
        pd.rules = _rules(page, layout)
        if page.lines or page.rects:
            pd.tables = find_tables(page, layout)
            pd.lines = [ln for ln in pd.lines if not in_table(ln, pd.tables, layout)]
    else:
        pd.rules = _image_page_rules(page, layout)


def page_is_garbage(chars: list[dict[str, Any]], layout: PdfLayout) -> bool:
    """True when a text layer exists but does not decode to language.

    Signals: ``(cid:NNN)`` glyphs (no Unicode mapping), private-use/unassigned/control code
    points, or far too few letters among the non-space characters (glyph soup such as
    ``()*+,-+./,01)``).
    """
    n = cid = odd = letters = 0
    for c in chars:
        t = c["text"]
        if t.isspace() or t in _LEADERS:  # dot leaders of a contents page are not garbage
            continue
        n += 1
        if t.startswith("(cid:"):
            cid += 1
            continue
        ch = t[0]
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cn", "Cc", "Cs") or ch == "\ufffd":
            odd += 1
        elif ch.isalpha():
            letters += 1
    if n < layout.garbage_min_glyphs:
        return cid + odd > layout.garbage_small_share * n
    return (
        cid + odd
    ) / n > layout.garbage_odd_share or letters / n < layout.garbage_min_letter_share


def _image_page_rules(page: Page, layout: PdfLayout) -> list[tuple[float, float, float]]:
    """The drawn rules of a page without a usable text layer: if it is OCR'd, a rule above its
    foot still marks the footnotes.  Never fails the page (it may not be OCR'd at all)."""
    if not layout.ocr:
        return []
    try:
        return _rules(page, layout)
    except Exception:  # noqa: BLE001 - a bonus only
        return []


def _rules(page: Page, layout: PdfLayout) -> list[tuple[float, float, float]]:
    """Horizontal rules as (y, x0, x1): thin lines/rects, and the top edge of wider rects."""
    out = []
    for obj in list(page.lines) + list(page.rects):
        w = obj["x1"] - obj["x0"]
        if w < layout.rule_min_width:
            continue
        out.append((float(obj["top"]), float(obj["x0"]), float(obj["x1"])))
    return out
