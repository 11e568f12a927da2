"""Glyphs to lines, and the document metrics measured on lines (body size, paragraph gap).

A line is a baseline run of glyphs plus the smaller runs that overlap it (superscripts, mixed
fonts).  Superscript digit runs become footnote-marker pieces; a marker that opens a line is its
``lead_marker`` (a footnote's own number, or a reference wrapped to the line start).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wbpolicy.text import normalise_ws

from .layout import PdfLayout
from .model import Line, PageData, Piece

Char = dict[str, Any]  # a pdfplumber glyph: text, fontname, size, x0, x1, top, bottom, upright

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_ITALIC = re.compile(r"italic|oblique|-it$|,it", re.IGNORECASE)


def is_bold(fontname: str) -> bool:
    return bool(_BOLD.search(fontname.split("+", 1)[-1]))


def _is_italic(fontname: str) -> bool:
    return bool(_ITALIC.search(fontname.split("+", 1)[-1]))


@dataclass
class _Group:
    top: float
    bottom: float
    chars: list[Char] = field(default_factory=list)


def build_lines(
    chars: list[Char], pno: int, width: float, height: float, layout: PdfLayout
) -> list[Line]:
    """Group characters into lines: baseline runs first, then small raised runs attached."""
    kept = _visible_glyphs(chars, width, height, layout)
    if not kept:
        return []
    runs: list[list[Char]] = []
    for c in sorted(kept, key=lambda c: (c["bottom"], c["x0"])):
        if runs and abs(runs[-1][-1]["bottom"] - c["bottom"]) <= layout.baseline_tolerance:
            runs[-1].append(c)
        else:
            runs.append([c])
    groups = _merge_runs(runs, layout)
    lines = [ln for ln in (make_line(g.chars, pno, layout) for g in groups) if ln is not None]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def _visible_glyphs(
    chars: list[Char], width: float, height: float, layout: PdfLayout
) -> list[Char]:
    """Upright glyphs on the page, each once (fake bold overprints the same glyph)."""
    bleed = layout.page_bleed
    digits = layout.overprint_decimals
    seen: set[tuple[str, float, float]] = set()
    kept = []
    for c in chars:
        if not c.get("upright", True):
            continue
        if c["x1"] < -bleed or c["x0"] > width + bleed or c["bottom"] < -bleed:
            continue
        if c["top"] > height + bleed:
            continue
        key = (c["text"], round(c["x0"], digits), round(c["top"], digits))
        if key in seen:
            continue
        seen.add(key)
        kept.append(c)
    return kept


def _run_size(run: list[Char]) -> float:
    sizes: list[float] = [ch["size"] for ch in run if not ch["text"].isspace()]
    size: float = max(sizes) if sizes else run[0]["size"]
    return size


def _merge_runs(runs: list[list[Char]], layout: PdfLayout) -> list[_Group]:
    """Merge runs into lines: big runs first; smaller runs join a line they overlap enough."""
    groups: list[_Group] = []
    for r in sorted(runs, key=lambda r: -_run_size(r)):
        top = min(ch["top"] for ch in r)
        bottom = max(ch["bottom"] for ch in r)
        h = max(bottom - top, layout.min_run_height)
        best = None
        best_ov = 0.0
        for g in groups:
            ov = min(bottom, g.bottom) - max(top, g.top)
            if ov > best_ov:
                best, best_ov = g, ov
        if best is not None and best_ov >= layout.run_overlap_ratio * min(
            h, best.bottom - best.top
        ):
            best.chars.extend(r)
        else:
            groups.append(_Group(top, bottom, list(r)))
    return groups


def make_line(chars: list[Char], pno: int, layout: PdfLayout) -> Line | None:
    """One line from its glyphs (None when all are white space)."""
    chars.sort(key=lambda c: c["x0"])
    visible = [c for c in chars if not c["text"].isspace()]
    if not visible:
        return None
    weight = Counter(round(c["size"], layout.size_decimals) for c in visible)
    size = weight.most_common(1)[0][0]
    body = [c for c in visible if abs(c["size"] - size) < layout.same_size]
    base = max(c["bottom"] for c in body)
    builder = _PieceBuilder(size, base, layout)
    for c in chars:
        builder.add(c)
    pieces, lead_marker = builder.finish()
    raw = normalise_ws("".join(t if m is None else m for t, m in pieces))
    if lead_marker is not None:
        raw = normalise_ws(lead_marker + " " + raw)
    bold_n = sum(1 for c in visible if is_bold(c["fontname"]))
    italic_n = sum(1 for c in visible if _is_italic(c["fontname"]))
    return Line(
        page=pno,
        top=min(c["top"] for c in body),
        bottom=base,
        x0=visible[0]["x0"],
        x1=max(c["x1"] for c in visible),
        size=size,
        bold=bold_n >= layout.style_share * len(visible),
        italic=italic_n >= layout.style_share * len(visible),
        pieces=pieces,
        lead_marker=lead_marker,
        raw=raw,
    )


class _PieceBuilder:
    """A line's text pieces, left to right: plain text, and superscript digit runs as markers."""

    def __init__(self, size: float, base: float, layout: PdfLayout) -> None:
        self.size = size
        self.base = base
        self.layout = layout
        self.pieces: list[Piece] = []
        self.buf = ""
        self.sup = ""
        self.prev: Char | None = None
        self.lead_marker: str | None = None

    def add(self, c: Char) -> None:
        t = c["text"]
        if t.isspace():
            if not self.buf.endswith(" "):
                self.buf += " "
            return
        layout = self.layout
        is_sup = (
            c["size"] <= layout.sup_size_ratio * self.size
            and c["bottom"] < self.base - layout.sup_raise_ratio * self.size
            and (t.isdigit() or (t == "," and bool(self.sup)))
        )
        prev = self.prev
        if prev is not None and not self.buf.endswith(" "):
            gap = c["x0"] - prev["x1"]
            if gap > layout.word_gap_ratio * min(c["size"], prev["size"]) and not (
                is_sup and self.sup
            ):
                self._flush_sup()
                self.buf += " "
        if is_sup:
            self._flush_buf()
            self.sup += t
        else:
            self._flush_sup()
            self.buf += t
        self.prev = c

    def _flush_buf(self) -> None:
        if self.buf:
            self.pieces.append((self.buf, None))
            self.buf = ""

    def _flush_sup(self) -> None:
        if not self.sup:
            return
        if not self.pieces and not self.buf.strip() and self.lead_marker is None:
            self.lead_marker = self.sup
        else:
            for part in re.split(r"[,\s]+", self.sup):
                if part:
                    self.pieces.append(("", part))
        self.sup = ""

    def finish(self) -> tuple[list[Piece], str | None]:
        if self.sup:
            self._flush_buf()
            self._flush_sup()
        self._flush_buf()
        return self.pieces, self.lead_marker


def body_size(pages: Iterable[PageData], layout: PdfLayout) -> float:
    """The size most of the text is set in (weighted by characters)."""
    weight: Counter[float] = Counter()
    for pd in pages:
        for ln in pd.lines:
            weight[ln.size] += len(ln.raw)
    return weight.most_common(1)[0][0] if weight else layout.default_body_size


def gap_limit(pages: Iterable[PageData], body: float, layout: PdfLayout) -> float:
    """The vertical gap between body lines above which a new paragraph (or note) starts."""
    gaps = []
    for pd in pages:
        for a, b in zip(pd.lines, pd.lines[1:], strict=False):
            if abs(a.size - body) < layout.same_size and abs(b.size - body) < layout.same_size:
                g = b.top - a.bottom
                if g > layout.min_line_gap:
                    gaps.append(g)
    gaps.sort()
    median = gaps[len(gaps) // 2] if gaps else layout.default_gap_ratio * body
    return max(median + layout.para_gap_ratio * body, median * layout.para_gap_factor)
