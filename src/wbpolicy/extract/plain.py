"""Plain-text extraction.

Plain text in the corpus is mostly what some PDF-to-text tool made of a PDF: CRLF (even CR CR LF)
line ends, form feeds or ``---- Page N ----`` lines between pages, running headers and page
numbers on every page, lines wrapped mid-sentence, blank lines between every line (PDFMiner),
dotted tables of contents.  This module undoes that layout while keeping the words verbatim:
block text differs from the source only by whitespace normalisation and line-break joins (plus
the removal of soft hyphens / line-end hyphenation, letter-spacing of headings and doubled
"overprint" characters, which are rendering artefacts, not words).

Pages and their furniture are handled by :mod:`.furniture`; :mod:`.segment` groups the lines and
classifies each one (heading, list item, paragraph start or continuation); this module joins the
paragraphs that a blank line or page break cut mid-sentence and emits the blocks.  A ``.txt``
file that is really markdown goes to :mod:`.markdown`.
"""

from __future__ import annotations

import re
from pathlib import Path

from wbpolicy.errors import ExtractionError
from wbpolicy.models import Extraction, PageText
from wbpolicy.text import build_lexicon

from .blocks import BlockBuilder, finish_text, first_heading
from .decode import read_text
from .furniture import remove_page_furniture, split_pages
from .glue import repair_glued
from .layout import TextLayout
from .lines import (
    BULLET,
    FRONT_MATTER,
    SENT_END,
    TOP_LEVEL,
    clean_line,
    is_caps,
    norm_key,
    starts_lower,
)
from .markdown import looks_like_markdown, parse_markdown
from .segment import UNRESOLVED, Segmenter, Unit

_FUNCTION_WORDS = frozenset(
    [
        "of",
        "the",
        "and",
        "for",
        "in",
        "on",
        "to",
        "a",
        "an",
        "with",
        "by",
        "at",
        "or",
        "its",
        "their",
    ]
)
_BULLET_ONLY = re.compile(r"[•●▪■◦○·➢❖✓►\-–—*o]|\(?\w{1,3}[.)]")


def extract_plain(path: Path, layout: TextLayout | None = None) -> Extraction:
    """Extract a ``.txt`` file (as markdown when it has enough ``#`` headings)."""
    layout = layout or TextLayout()
    path = Path(path)
    text, problems = read_text(path)
    if looks_like_markdown(text, layout):
        ext = parse_markdown(path, text, "txt", layout)
    else:
        raw_pages = split_pages(text)
        del text  # its lines are all that is read from here on: do not hold a big file twice
        ext = _parse_pages(path, raw_pages, layout)
    return finish_text(path, ext, problems, layout)


def parse_plain(path: Path, text: str, layout: TextLayout) -> Extraction:
    """Pages, blocks and sections of plain ``text``."""
    return _parse_pages(path, split_pages(text), layout)


def _parse_pages(
    path: Path, raw_pages: list[tuple[int, list[str]]], layout: TextLayout
) -> Extraction:
    """Pages, blocks and sections of the pages of a plain text (``raw_pages`` is consumed: each
    stage lets go of what the next does not need, so that a big file is not held several times
    over)."""
    cleaned = remove_page_furniture([ls for _, ls in raw_pages], layout)
    numbers = [n for n, _ in raw_pages]
    raw_pages.clear()
    page_lines: list[tuple[int, list[str]]] = []
    for n, ls in zip(numbers, cleaned, strict=True):
        page_lines.append((n, [clean_line(x, layout) for x in ls]))
        ls.clear()  # the raw line (a cleaned line is often the very same object)
    del cleaned
    page_lines, glued_headings = repair_glued(page_lines, layout)
    pages = tuple(
        PageText(n, "\n".join(x for x in ls if x), has_text=any(ls)) for n, ls in page_lines
    )
    all_lines = [x for _, ls in page_lines for x in ls if x]
    if not all_lines:
        raise ExtractionError(path, "empty", "no text left after removing page furniture")
    builder = BlockBuilder(str(path), lexicon=build_lexicon(all_lines))
    line_mode = _line_mode(all_lines, layout)
    del all_lines
    segmenter = Segmenter(page_lines, line_mode, layout, glued_headings)
    del page_lines  # (the segmenter holds the lines, grouped)
    units = _merge_across_gaps(segmenter.units(), line_mode, layout)
    del segmenter
    _emit_units(builder, units, layout)
    del units  # the lines are joined into the builder's texts now
    blocks, tables, notes = builder.finish()
    title = first_heading(blocks)
    return Extraction(str(path), "txt", title, pages, tuple(blocks), tuple(notes), tuple(tables))


def _line_mode(lines: list[str], layout: TextLayout) -> bool:
    """One block per line: files whose paragraphs are single long lines (legal texts)."""
    long_lines = sum(1 for x in lines if len(x) > layout.long_line_chars)
    return long_lines >= layout.line_mode_share * len(lines) or (
        long_lines >= layout.line_mode_min_long
        and _median([len(x) for x in lines]) > layout.line_mode_median_chars
    )


def _median(xs: list[int]) -> float:
    s = sorted(xs)
    return float(s[len(s) // 2]) if s else 0.0


# ---------------------------------------------------------------------------------------------
# joining units and emitting blocks
# ---------------------------------------------------------------------------------------------


def _merge_across_gaps(units: list[Unit], line_mode: bool, layout: TextLayout) -> list[Unit]:
    """Join a paragraph with the next when the break (blank line, page) fell mid-sentence."""
    out: list[Unit] = []
    first_page = units[0].lines[0][0] if units else 1
    for u in units:
        if out and _bullet_only(out[-1]):
            if (
                u.kind == "paragraph"
                or (u.kind == "list" and not _bullet_only(u))
                or (_item_text(u, layout) and BULLET.match(out[-1].lines[0][1]))
            ):
                out[-1].lines.extend(u.lines)  # "•" alone on its line, the item text next
                continue
            out.pop()  # markers whose text came out elsewhere (PDFMiner column order)
        if (
            out
            and u.kind == "heading"
            and out[-1].kind == "heading"
            and u.level == UNRESOLVED
            and _continues_heading(out[-1], u, first_page, layout)
        ):
            out[-1].lines.extend(u.lines)
            continue
        if (
            out
            and u.kind == "paragraph"
            and out[-1].kind in ("paragraph", "list")
            and u.gap in ("blank", "page")
            and _continues_paragraph(out[-1].lines[-1][1], u, line_mode)
        ):
            out[-1].lines.extend(u.lines)
            continue
        out.append(u)
    if out and _bullet_only(out[-1]):
        out.pop()
    return out


def _continues_paragraph(prev: str, u: Unit, line_mode: bool) -> bool:
    """Whether paragraph ``u`` goes on with the sentence that ``prev`` (a line) left open."""
    nxt = u.lines[0][1]
    hyphenated = bool(re.search(r"\w[-\u00ad]$", prev))
    open_end = not SENT_END.search(prev)
    return (starts_lower(nxt) and (hyphenated or open_end)) or (
        u.gap == "page" and not line_mode and open_end and bool(re.search(r"[a-z,]$", prev))
    )


def _continues_heading(prev: Unit, nxt: Unit, first_page: int, layout: TextLayout) -> bool:
    """A caps heading broken over lines separated by blank lines (title pages, PDFMiner)."""
    last = prev.lines[-1][1]
    line = nxt.lines[0][1]
    if (
        prev.lines[-1][0] != nxt.lines[0][0]
        or len(prev.lines) >= layout.heading_max_lines
        or nxt.gap == "page"
    ):
        return False
    if not (is_caps(last, layout) and is_caps(line, layout)) or re.search(r"[.:;!?]$", last):
        return False
    if norm_key(last) in FRONT_MATTER or norm_key(line) in FRONT_MATTER:
        return False
    words = last.split()
    return words[-1].casefold() in _FUNCTION_WORDS or nxt.lines[0][0] == first_page


def _item_text(u: Unit, layout: TextLayout) -> bool:
    """A one-line title-case "heading" after a bullet alone on its line is the item's text
    ("•" / "Establishment of local CIRT teams"): a line alone in title case is the weakest sign
    of a heading, and the bullet before it says what the line is."""
    return (
        u.kind == "heading"
        and u.level == UNRESOLVED
        and len(u.lines) == 1
        and u.gap != "page"
        and not is_caps(u.lines[0][1], layout)
        and norm_key(u.lines[0][1]) not in FRONT_MATTER
    )


def _bullet_only(u: Unit) -> bool:
    return len(u.lines) == 1 and bool(_BULLET_ONLY.fullmatch(u.lines[0][1]))


def _emit_units(builder: BlockBuilder, units: list[Unit], layout: TextLayout) -> None:
    for u in units:
        if u.kind == "heading":
            text = " ".join(x for _, x in u.lines)
            level = u.level
            if level == UNRESOLVED:
                # below the innermost open numbered heading, else at the top level
                numbered = builder.sections.numbered_level()
                if norm_key(text) in FRONT_MATTER or numbered is None:
                    level = TOP_LEVEL
                else:
                    level = numbered + 1
            builder.heading(text, level, u.lines[0][0])
        elif u.kind == "toc":
            builder.text("list", u.lines)
        else:
            builder.text(u.kind, u.lines)
