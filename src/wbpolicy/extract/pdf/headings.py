"""Headings (by size, weight, numbering, legal labels), a page's items, and the title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wbpolicy.text import normalise_ws

from .layout import PdfLayout
from .model import Line, PageData, RuledTable
from .tables import TOC_LINE, captions

if TYPE_CHECKING:
    from pdfplumber.pdf import PDF

NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+\S")
SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_LEGAL_HEADING = re.compile(
    r"^(?:article|art\.|chapter|chapitre|section|part|title|titre|annex|schedule|"
    r"[čc]lan|poglavlje|neni|kapitulli)\s+(?:\d{1,3}[a-z]?|[ivxlc]{1,7})\b\.?\s*(?:[-–—:]\s*)?"
    r"(?:[A-Z].{0,120})?$",
    re.IGNORECASE,
)
_FAKE_TITLES = re.compile(
    r"\.(?:pdf|docx?|indd|rtf|odt|qxd|ps)$|^microsoft (?:word|powerpoint)|^untitled|^title$|"
    r"^document\d*$|^slide \d+$",
    re.IGNORECASE,
)

Style = tuple[float, bool]  # (size, bold or italic): headings of one style share a level


@dataclass
class Item:
    """One body element in reading order: a heading, a line, or a table."""

    kind: str  # heading | line | table
    page: int
    top: float
    column: int = 0  # reading order on a page of columns (Line.column)
    line: Line | None = None
    heading: str | None = None
    number: str | None = None
    style: Style = (0.0, False)
    table: tuple[list[list[str]], str | None] | None = None  # rows, caption


def _centred(ln: Line, width: float, layout: PdfLayout) -> bool:
    return (
        abs((ln.x0 + ln.x1) / 2 - width / 2) < layout.centre_tolerance_ratio * width
        and ln.x0 > layout.centre_min_indent_ratio * width
    )


def heading_flags(lines: list[Line], width: float, body: float, layout: PdfLayout) -> list[bool]:
    """For each line, whether it is (part of) a heading."""
    flags = []
    for ln in lines:
        text = ln.raw
        is_h = False
        if (
            not ln.aside
            and len(text) <= layout.heading_max_chars
            and sum(c.isalpha() for c in text) >= layout.heading_min_letters
            and not TOC_LINE.search(text)
        ):
            legal = (
                bool(_LEGAL_HEADING.match(text))
                and len(text) <= layout.legal_heading_max_chars
                and (ln.bold or ln.italic or _centred(ln, width, layout))
            )
            if ln.size >= layout.heading_size_ratio * body or legal:
                is_h = True
            elif (
                ln.bold
                and ln.size >= layout.bold_heading_size_ratio * body
                and len(text) <= layout.bold_heading_max_chars
            ):
                is_h = bool(NUMBERED.match(text)) or (
                    ln.size >= layout.bold_title_size_ratio * body and not SENTENCE_END.search(text)
                )
        flags.append(is_h)
    return flags


def page_items(pd: PageData, body: float, layout: PdfLayout) -> list[Item]:
    """The page's headings (wrapped lines joined), body lines and tables, top to bottom."""
    items: list[Item] = []
    table_captions, lines = captions(list(pd.lines), list(pd.tables), layout)
    flags = heading_flags(lines, pd.width, body, layout)
    i = 0
    while i < len(lines):
        ln = lines[i]
        if not flags[i]:
            items.append(Item("line", pd.number, ln.top, ln.column, line=ln))
            i += 1
            continue
        j = _heading_end(lines, flags, i, layout)
        text = normalise_ws(" ".join(g.text()[0] for g in lines[i:j]))
        m = NUMBERED.match(text)
        number = m.group(1) if m else None
        style = (ln.size, ln.bold or ln.italic)
        items.append(
            Item("heading", pd.number, ln.top, ln.column, heading=text, number=number, style=style)
        )
        i = j
    for k, t in enumerate(pd.tables):
        column = _table_column(t, lines)
        items.append(Item("table", pd.number, t.top, column, table=(t.rows, table_captions.get(k))))
    items.sort(key=lambda it: (it.column, it.top))
    return items


def _table_column(table: RuledTable, lines: list[Line]) -> int:
    """The column a table sits in: that of the nearest line above it across the same width."""
    above = [ln for ln in lines if ln.top <= table.top and ln.x1 > table.x0 and ln.x0 < table.x1]
    return max(above, key=lambda ln: ln.top).column if above else 0


def _heading_end(lines: list[Line], flags: list[bool], i: int, layout: PdfLayout) -> int:
    """Index after the last line of the heading that starts at ``lines[i]``."""
    ln = lines[i]
    group = [ln]
    j = i + 1
    legal = bool(_LEGAL_HEADING.match(ln.raw))
    while j < len(lines) and abs(lines[j].size - ln.size) < layout.same_size:
        nxt = lines[j]
        gap = nxt.top - group[-1].bottom
        wrapped = (
            flags[j]
            and nxt.column == ln.column
            and gap > -ln.size  # not a jump up to the next column
            and nxt.bold == ln.bold
            and gap < layout.heading_wrap_gap_ratio * ln.size
            and not (NUMBERED.match(nxt.raw) or _LEGAL_HEADING.match(nxt.raw))
        )
        legal_title = (  # "Article 5" + its title line
            legal
            and len(group) == 1
            and nxt.bold == ln.bold
            and nxt.italic == ln.italic
            and gap < layout.legal_title_gap_ratio * ln.size
            and len(nxt.raw) < layout.legal_title_max_chars
            and not SENTENCE_END.search(nxt.raw)
        )
        if not (wrapped or legal_title):
            break
        group.append(nxt)
        j += 1
    return j


def _letters_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 1.0
    return sum(c.isalpha() for c in chars) / len(chars)


def document_title(pdf: PDF, pages: list[PageData], body: float, layout: PdfLayout) -> str | None:
    """The metadata title when it is a real one, else the first page's largest lines."""
    meta = (pdf.metadata or {}).get("Title")
    if isinstance(meta, bytes):
        meta = meta.decode("utf-8", "replace")
    if isinstance(meta, str):
        meta = normalise_ws(meta)
        if (
            len(meta) >= layout.meta_title_min_chars
            and _letters_ratio(meta) > layout.meta_title_letter_share
            and not _FAKE_TITLES.search(meta)
        ):
            return meta
    for pd in pages:
        if not pd.lines:
            continue
        big = max(ln.size for ln in pd.lines)
        if big < layout.title_size_ratio * body:  # nothing set larger than the text: no title
            return None
        run = []
        for ln in pd.lines:
            if abs(ln.size - big) < layout.same_size:
                run.append(ln.raw)
            elif run:
                break
        title = normalise_ws(" ".join(run))
        return title[: layout.title_max_chars] or None
    return None
