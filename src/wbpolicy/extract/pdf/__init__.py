"""PDF extraction with pdfplumber: pages, sections, footnotes, tables, problems.

The pipeline works on characters (``page.chars``, read once per page) rather than on
``extract_text`` so that font size, weight and baseline are available everywhere:

1. chars -> lines (grouped by baseline, small raised glyphs attached to the line they sit on);
   superscript digit runs become footnote-marker candidates (:mod:`.lines`);
2. running headers/footers (margin lines repeated across pages once digits are masked) and
   page-number-only lines are dropped (:mod:`.furniture`);
3. the page foot is split off as the footnote zone (below a horizontal rule and/or in a smaller
   font, starting with a marker) and parsed into footnotes (:mod:`.footnotes`);
4. ruled tables (pdfplumber's table finder, only on pages with ruling) are cut out of the text
   (:mod:`.tables`);
5. the remaining lines become headings and paragraphs; paragraphs continue across page breaks
   (:mod:`.headings`, :mod:`.assemble`).

Pages without a usable text layer (no glyphs, or glyphs that do not decode) are rendered first:
a blank one is known as blank, the others are read by Tesseract into the same lines, marked as
OCR (:mod:`.ocrpages`, when ``PdfLayout.ocr`` is on and Tesseract is installed; else they are
reported as ``no-text``/``garbage-text``).

Every tuned number of these passes is a field of :class:`~.layout.PdfLayout`.  pdfplumber is
loaded only when a file is opened (:mod:`.pages`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wbpolicy.errors import ExtractionError
from wbpolicy.models import Extraction, PageText, Problem

from .assemble import Assembler, assemble
from .footnotes import parse_footnotes, split_footnotes
from .furniture import strip_running
from .headings import document_title
from .layout import PdfLayout
from .lines import body_size, gap_limit
from .model import PageData
from .ocrpages import read_image_pages
from .pages import open_pdf, read_pages

if TYPE_CHECKING:
    from pdfplumber.pdf import PDF

__all__ = ["PdfLayout", "extract_pdf"]


def extract_pdf(path: Path | str, layout: PdfLayout | None = None) -> Extraction:
    """Extract a PDF; ``layout`` overrides the engine's tuned numbers (default ``PdfLayout()``).

    Raises ExtractionError (``empty``, ``corrupt``, ``encrypted``, ``no-text``,
    ``garbage-text``) for files that cannot be read at all.
    """
    path = Path(path)
    layout = layout or PdfLayout()
    pdf = open_pdf(path)
    try:
        return _extract(path, pdf, layout)
    except ExtractionError:
        raise
    except Exception as exc:  # a broken object stream can surface late, page by page
        reason = f"unparseable PDF ({type(exc).__name__}: {exc})"
        raise ExtractionError(path, "corrupt", reason) from exc
    finally:
        pdf.close()


def _extract(path: Path, pdf: PDF, layout: PdfLayout) -> Extraction:
    pages, failed = read_pages(path, pdf, layout)
    read_image_pages(path, pdf, pages, failed, layout)
    problems = _page_problems(path, pages, failed, layout)
    body = body_size(pages, layout)
    strip_running(pages, layout)
    limit = gap_limit(pages, body, layout)
    for pd in pages:
        split_footnotes(pd, body, limit, layout)
    notes = parse_footnotes(pages, layout)
    asm = assemble(
        pages, body, notes, limit, layout, frozenset(pd.number for pd in pages if pd.ocr)
    )
    return Extraction(
        path=str(path),
        format="pdf",
        title=document_title(pdf, pages, body, layout),
        pages=_page_texts(pages, asm),
        blocks=tuple(asm.blocks),
        footnotes=tuple(notes),
        tables=tuple(asm.tables),
        problems=tuple(problems),
    )


def _page_problems(
    path: Path, pages: list[PageData], failed: list[int], layout: PdfLayout
) -> list[Problem]:
    """Non-fatal page problems; ExtractionError when no page has usable text."""
    n = len(pages)
    text_pages = [pd for pd in pages if pd.has_text]
    read = any(pd.ocr for pd in pages)  # OCR ran (on some page)
    if not text_pages:
        if failed and len(failed) == n:
            raise ExtractionError(path, "corrupt", "no page could be parsed")
        if read or any(pd.blank for pd in pages):
            reason = f"no page of {n} has text (no text layer, and OCR found no words)"
        else:
            reason = f"no page of {n} has a text layer (scanned/image-only; needs OCR)"
        raise ExtractionError(path, "no-text", reason)
    garbage = [pd.number for pd in pages if pd.garbage]  # OCR'd garbage pages are not
    unread = "OCR found no words on them" if read else "needs OCR"
    if len(garbage) >= max(1, layout.garbage_doc_share * len(text_pages)):
        raise ExtractionError(
            path,
            "garbage-text",
            f"text layer is not decodable on {len(garbage)} of {n} pages "
            f"(fonts without Unicode mapping, e.g. (cid:NNN) glyphs); {unread}",
        )
    problems: list[Problem] = []
    if garbage:
        message = f"undecodable text layer on {len(garbage)} page(s); text dropped"
        problems.append(Problem(str(path), "garbage-text", message, pages=tuple(garbage)))
    # a blank page, or an image OCR found no words on, is nothing to read: not a problem
    empty = [
        pd.number
        for pd in pages
        if not pd.has_text and pd.number not in failed and not pd.blank and not pd.ocr
    ]
    if empty:
        message = (
            f"{len(empty)} of {n} page(s) have no text layer (image-only or blank; would need OCR)"
        )
        problems.append(Problem(str(path), "no-text", message, pages=tuple(empty)))
    if failed:
        message = f"{len(failed)} page(s) could not be parsed"
        problems.append(Problem(str(path), "partial-text", message, pages=tuple(failed)))
    unsure = [
        pd.number
        for pd in pages
        if pd.has_text and pd.ocr_conf is not None and pd.ocr_conf < layout.ocr_low_conf
    ]
    if unsure:
        message = (
            f"OCR text of {len(unsure)} page(s) is uncertain (mean word confidence below "
            f"{layout.ocr_low_conf:g}); check quotes against the page image"
        )
        problems.append(Problem(str(path), "ocr-low-confidence", message, pages=tuple(unsure)))
    return problems


def _page_texts(pages: list[PageData], asm: Assembler) -> tuple[PageText, ...]:
    """Each page's body text (lines without note markers, then its tables)."""
    out = []
    for pd in pages:
        if not pd.has_text or pd.garbage:
            out.append(PageText(pd.number, "", has_text=False))
            continue
        parts = [ln.text(asm.keep)[0] for ln in pd.lines]
        parts += ["\n".join(" | ".join(r) for r in t.rows) for t in pd.tables]
        text = "\n".join(p for p in parts if p)
        if pd.ocr:
            out.append(PageText(pd.number, text, ocr=True, words=tuple(pd.ocr_words)))
        else:
            out.append(PageText(pd.number, text))
    return tuple(out)
