"""Pages of a plain-text file and their furniture: running headers/footers, page numbers.

Text made from a PDF keeps its page breaks as form feeds or ``---- Page N ----`` lines, and the
headers, footers and page numbers printed on every page.  :func:`split_pages` cuts the pages;
:func:`remove_page_furniture` blanks the lines that repeat at the page edges.
"""

from __future__ import annotations

import re
from collections import Counter

from wbpolicy.text import normalise_ws

from .layout import TextLayout

PAGE_MARKER = re.compile(r"^\s*-{2,}\s*Page\s*(\d+)\s*-{2,}\s*$", re.IGNORECASE)
PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)
# a page number at one end of a line: a plain number, not a section number ("7.2 Goals")
_PAGE_AT_EDGE = re.compile(r"^\d{1,4}(?![.\d])|(?<![.\d])\d{1,4}$")
# a labelled page number standing alone, also as a scanned gazette prints it: "Page 12",
# "Pagell485" ("Page | 485" read by OCR), "Faqe 3", "Strana 7", "Стр. 4", "Страна 12"
LABELLED_PAGE_NUMBER = re.compile(
    r"^(?:page|pag[ea]|faqe|strana|stranica|str|стр|страна|страница)\.?[\s|lI!:]*\d{1,4}$",
    re.IGNORECASE,
)
# "Titel brochure hier invullen | 1", "2  |  National Cyber Security Strategy"
PIPE_PAGE_HEADER = re.compile(r"^(?:\d{1,3}\s*\|\s*\S.{0,100}|\S.{0,100}?\s*\|\s*\d{1,3})$")
BLANK_PAGE_NOTE = re.compile(
    r"^[\[(]?\s*(?:this|the)\s+page\s+(?:is\s+)?(?:intentionally\s+)?(?:left\s+)?"
    r"(?:intentionally\s+)?(?:left\s+)?blank\.?\s*[\])]?$",
    re.IGNORECASE,
)


def split_pages(text: str) -> list[tuple[int, list[str]]]:
    """Split at form feeds and ``---- Page N ----`` lines (the marker line itself is dropped)."""
    pages: list[tuple[int, list[str]]] = []
    number = 1
    lines: list[str] = []
    for i, segment in enumerate(text.split("\f")):
        if i > 0:
            pages.append((number, lines))
            number, lines = number + 1, []
        for line in segment.split("\n"):
            m = PAGE_MARKER.match(line)
            if m:
                if any(x.strip() for x in lines):
                    pages.append((number, lines))
                number, lines = int(m.group(1)), []
                continue
            lines.append(line)
    if any(x.strip() for x in lines) or not pages:
        pages.append((number, lines))
    # pages must increase: a marker that repeats or goes back is renumbered after its predecessor
    fixed: list[tuple[int, list[str]]] = []
    for n, ls in pages:
        if fixed and n <= fixed[-1][0]:
            n = fixed[-1][0] + 1
        fixed.append((n, ls))
    return fixed


# what may stand at a running header's edges: white space, masked digits, separators
_EDGE = "#|•·.-–—" + "".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())


def _header_key(line: str) -> str:
    """Digit-masked line without edge separators; "" for lines that cannot be running headers."""
    line = normalise_ws(line)
    if re.search(r"\w[.!?;:,]$", line):
        return ""  # running headers do not end sentences
    masked = re.sub(r"\d+", "#", line)
    return masked.strip(_EDGE).casefold()  # str.strip: linear on a long run of dots


def _edge_indices(lines: list[str | None], n: int) -> list[int]:
    """Indices of the first and last ``n`` non-blank lines."""
    idx = [i for i, x in enumerate(lines) if x is not None and x.strip()]
    return sorted(set(idx[:n] + idx[-n:]))


def remove_page_furniture(pages: list[list[str]], layout: TextLayout) -> list[list[str]]:
    """Drop running headers/footers and page-number lines; removed lines become ``""``."""
    work: list[list[str | None]] = [list(p) for p in pages]
    for ls in work:
        for i, x in enumerate(ls):
            if x is not None and BLANK_PAGE_NOTE.match(x.strip()):
                ls[i] = None
    with_text = sum(1 for ls in work if any(x and x.strip() for x in ls))
    if with_text >= layout.furniture_min_pages:
        for _pass in range(layout.furniture_passes):
            if not _remove_repeated_edges(work, with_text, layout):
                break
    else:
        work = [_remove_unpaged_furniture(ls, layout) for ls in work]
    return [["" if x is None else x for x in ls] for ls in work]


def _remove_repeated_edges(
    work: list[list[str | None]], with_text: int, layout: TextLayout
) -> bool:
    """One pass: blank edge lines that repeat across pages or are page numbers; any removed?"""
    n = layout.furniture_edge_lines
    counts: Counter[str] = Counter()
    for ls in work:
        keys = {_header_key(ls[i]) for i in _edge_indices(ls, n)}  # type: ignore[arg-type]
        counts.update(k for k in keys if k)
    repeated = {
        k
        for k, c in counts.items()
        if c >= layout.header_min_pages and c >= layout.header_min_share * with_text
    }
    changed = False
    for ls in work:
        for i in _edge_indices(ls, n):
            s = normalise_ws(ls[i] or "")
            if _header_key(s) in repeated or PAGE_NUMBER.match(s) or PIPE_PAGE_HEADER.match(s):
                ls[i] = None
                changed = True
    return changed


def _remove_unpaged_furniture(lines: list[str | None], layout: TextLayout) -> list[str | None]:
    """A document without page breaks: running headers still repeat ("... Strategy 2020 | 17").

    A line is furniture when its digit-masked form recurs often, has enough words, carries its
    number (page) at one end and does not end a sentence; bare or labelled numbers ("Page 12",
    "Pagell485") standing between blank lines are page numbers.
    """
    norm = [normalise_ws(x or "") for x in lines]
    # only lines that carry a page number at an edge are counted: "Specific objective 1: Foo"
    # and "7.2 Specific objective 2: Foo" share a digit-masked key, but neither is a header
    counts = Counter(_header_key(s) for s in norm if s and _PAGE_AT_EDGE.search(s.strip(" |")))
    out = list(lines)
    for i, s in enumerate(norm):
        if not s:
            continue
        words = re.findall(r"[^\W\d_]{2,}", s)
        if (
            _PAGE_AT_EDGE.search(s.strip(" |"))
            and counts[_header_key(s)] >= layout.unpaged_header_min_repeats
            and len(words) >= layout.unpaged_header_min_words
            and len(s) <= layout.unpaged_header_max_chars
            and not re.search(r"[.!?:;,]$", s)
        ):
            out[i] = None
            continue
        if re.fullmatch(r"\d{1,3}", s) or LABELLED_PAGE_NUMBER.match(s):
            before = not norm[i - 1] if i > 0 else True
            after = not norm[i + 1] if i + 1 < len(norm) else True
            if before and after:
                out[i] = None
    first = next((i for i, s in enumerate(norm) if s), None)
    if first is not None and PIPE_PAGE_HEADER.match(norm[first]):
        out[first] = None
    return out
