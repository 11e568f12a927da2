"""Blocks in reading order: headings open sections, lines join into paragraphs across pages.

Heading levels come from section numbers where there are any ("2.3" is level 2); an unnumbered
heading takes the shallowest numbered level seen in its style, else the rank of its style
(bigger/bolder = higher).  Footnote markers become citations linked to the notes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from wbpolicy.models import Block, Citation, Footnote, Table
from wbpolicy.text import build_lexicon, join_hyphenated

from .headings import SENTENCE_END, Item, Style, page_items
from .layout import PdfLayout
from .model import Line, PageData
from .tables import is_toc_table

_CONTENTS = re.compile(
    r"^(?:table of )?contents?$|^sommaire$|^inhoud(?:stafel)?$|^sadr[žz]aj$", re.IGNORECASE
)
_BULLET = re.compile(r"^(?:[•▪◦●■□▶►–\-*·]\s|\(?[a-z]\)\s|\(?[ivx]{1,4}\)\s|\d{1,2}[.)]\s)")
_LAST_WORD = re.compile(r"\w+$")
_FIRST_WORD = re.compile(r"\w+")


@dataclass
class _OpenBlock:
    """The paragraph or list item being assembled."""

    kind: str
    page: int
    text: str = ""
    breaks: list[tuple[int, int]] = field(default_factory=list)
    cites: list[Citation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.breaks.append((0, self.page))


class Assembler:
    """Collects blocks and tables; the section path follows the headings."""

    def __init__(
        self,
        body: float,
        notes: list[Footnote],
        lexicon: frozenset[str],
        gap_limit: float,
        right: float,
        layout: PdfLayout,
        ocr_pages: frozenset[int] = frozenset(),
    ) -> None:
        self.body = body
        self.ocr_pages = ocr_pages  # pages whose text was read from the image
        self.lexicon = lexicon
        self.gap_limit = gap_limit
        self.right = right  # the text's right edge
        self.layout = layout
        self.keep = {n.marker for n in notes}  # markers that have a note
        self.blocks: list[Block] = []
        self.tables: list[Table] = []
        self.section: tuple[str, ...] = ()
        self.levels: list[int] = []
        self.cur: _OpenBlock | None = None
        self.by_page: dict[tuple[int, str], Footnote] = {}
        self.by_marker: dict[str, list[Footnote]] = defaultdict(list)
        for n in notes:
            self.by_page.setdefault((n.page, n.marker), n)
            self.by_marker[n.marker].append(n)
        self.level_of_style: dict[Style, int] = {}
        self.in_contents = False

    # -- footnote linking ------------------------------------------------------------------
    def _cite(self, marker: str, page: int, offset: int) -> Citation | None:
        note = self.by_page.get((page, marker))
        if note is None:
            cands = self.by_marker.get(marker)
            if not cands:
                return None
            note = min(cands, key=lambda n: (abs(n.page - page), n.page < page))
        return Citation(
            marker=marker,
            text=note.text,
            url=note.urls[0] if note.urls else None,
            page=note.page,
            offset=offset,
            urls=note.urls,
        )

    # -- blocks ----------------------------------------------------------------------------
    def flush(self) -> None:
        cur = self.cur
        self.cur = None
        if not cur or not cur.text.strip():
            return
        ocr = any(page in self.ocr_pages for _, page in cur.breaks)
        self.blocks.append(
            Block(cur.text, cur.kind, self.section, tuple(cur.breaks), tuple(cur.cites), ocr=ocr)
        )

    def heading(self, it: Item) -> None:
        self.flush()
        text = it.heading or ""
        if _CONTENTS.match(text.rstrip(":").strip()):
            self.section = ("Contents",)
            self.levels = [1]
            self.in_contents = True
        else:
            level = self._level(it)
            keep = [(lv, s) for lv, s in zip(self.levels, self.section, strict=False) if lv < level]
            self.levels = [lv for lv, _ in keep] + [level]
            self.section = tuple(s for _, s in keep) + (text,)
            self.in_contents = False
        ocr = it.page in self.ocr_pages
        self.blocks.append(Block(text, "heading", self.section, ((0, it.page),), ocr=ocr))

    def _level(self, it: Item) -> int:
        if it.number:
            return it.number.count(".") + 1
        return self.level_of_style.get(it.style, len(self.level_of_style) + 1)

    def table(self, it: Item) -> None:
        self.flush()
        assert it.table is not None
        rows, caption = it.table
        if self.in_contents or is_toc_table(rows, self.layout):
            text = "\n".join(" ".join(c for c in r if c) for r in rows)
            ocr = it.page in self.ocr_pages
            self.blocks.append(Block(text, "paragraph", self.section, ((0, it.page),), ocr=ocr))
            return
        rendered = "\n".join(" | ".join(r) for r in rows)
        text = f"{caption}\n{rendered}" if caption else rendered
        self.tables.append(Table(it.page, tuple(tuple(r) for r in rows), self.section, caption))
        ocr = it.page in self.ocr_pages
        self.blocks.append(Block(text, "table", self.section, ((0, it.page),), ocr=ocr))

    def line(self, ln: Line, prev: Line | None, new_page: bool) -> None:
        """Add a body line: it continues the open block or starts a new one."""
        text, markers = ln.text(self.keep)
        if not text and not markers:
            return
        bullet = bool(_BULLET.match(text))
        cur = self.cur
        if cur is None or bullet or self._breaks_block(cur, ln, prev, new_page):
            self.flush()
            self.cur = cur = _OpenBlock("list" if bullet else "paragraph", ln.page)
            base = 0
        else:
            base = self._join(cur, text)
            if new_page and cur.breaks[-1][1] != ln.page:
                cur.breaks.append((base, ln.page))
        cur.text += text
        for off, marker in markers:
            if off == 0 and base > 0 and cur.text[base - 1] == " ":
                off = -1  # a marker wrapped to the line start belongs before the space
            c = self._cite(marker, ln.page, base + off)
            if c is not None:
                cur.cites.append(c)

    def _breaks_block(self, cur: _OpenBlock, ln: Line, prev: Line | None, new_page: bool) -> bool:
        """Whether ``ln`` starts a new paragraph instead of continuing ``cur``."""
        if new_page:
            return cur.kind not in ("paragraph", "list") or bool(SENTENCE_END.search(cur.text))
        if prev is None:
            return False
        layout = self.layout
        gap = ln.top - prev.bottom
        short_end = (  # the last line stopped short after a full sentence: paragraph end
            prev.x1 < self.right - layout.short_line_ems * prev.size
            and SENTENCE_END.search(cur.text)
            and ln.x0 >= prev.x0 - layout.indent_slack
        )
        return bool(
            gap > self.gap_limit * max(1.0, ln.size / self.body)
            or gap < -layout.column_jump_ratio * ln.size
            or abs(ln.size - prev.size) > layout.para_size_step_ratio * max(ln.size, prev.size)
            or short_end
        )

    def _join(self, cur: _OpenBlock, text: str) -> int:
        """Prepare ``cur`` for the next line's ``text`` (space or rejoined hyphenation)."""
        prior = cur.text
        if (
            len(prior) >= 2
            and prior[-1] in "-\u00ad"
            and prior[-2].isalnum()
            and text[:1].isalpha()
        ):
            # a soft hyphen always joins; a hard one only for a word the document spells joined
            if prior[-1] == "\u00ad" or join_hyphenated(
                _LAST_WORD.search(prior[:-1]).group(0),  # type: ignore[union-attr]
                _FIRST_WORD.match(text).group(0),  # type: ignore[union-attr]
                self.lexicon,
            ):
                prior = prior[:-1]
            cur.text = prior
            return len(prior)
        cur.text = prior + " "
        return len(cur.text)


def assemble(
    pages: list[PageData],
    body: float,
    notes: list[Footnote],
    gap_limit: float,
    layout: PdfLayout,
    ocr_pages: frozenset[int] = frozenset(),
) -> Assembler:
    """All pages' headings, paragraphs and tables, in reading order; blocks with text from
    ``ocr_pages`` are marked as OCR."""
    lexicon = build_lexicon(ln.raw for pd in pages for ln in pd.lines)
    items_by_page = [(pd, page_items(pd, body, layout)) for pd in pages if pd.lines or pd.tables]
    rights = sorted(ln.x1 for pd, _ in items_by_page for ln in pd.lines)
    right = rights[int(layout.right_edge_share * (len(rights) - 1))] if rights else 0.0
    asm = Assembler(body, notes, lexicon, gap_limit, right, layout, ocr_pages)
    asm.level_of_style = _style_levels(it for _, items in items_by_page for it in items)
    for _pd, items in items_by_page:
        prev: Line | None = None
        first = True
        for it in items:
            if it.kind == "heading":
                asm.heading(it)
                prev = None
            elif it.kind == "table":
                asm.table(it)
                prev = None
            else:
                assert it.line is not None
                if prev is None and not first:
                    asm.flush()
                asm.line(it.line, prev, first and asm.cur is not None)
                prev = it.line
            first = False
    asm.flush()
    return asm


def _style_levels(items: Iterable[Item]) -> dict[Style, int]:
    """Level of each heading style: the shallowest numbered level seen in it, else its rank."""
    numbered: dict[Style, list[int]] = defaultdict(list)
    styles: set[Style] = set()
    for it in items:
        if it.kind == "heading":
            styles.add(it.style)
            if it.number:
                numbered[it.style].append(it.number.count(".") + 1)
    ranked = sorted(styles, key=lambda s: (-s[0], not s[1]))
    return {
        st: min(numbered[st]) if numbered.get(st) else rank for rank, st in enumerate(ranked, 1)
    }
