"""Glyphs to lines, and the document metrics measured on lines (body size, paragraph gap).

A line is a baseline run of glyphs plus the smaller runs that overlap it (superscripts, mixed
fonts).  Superscript digit runs become footnote-marker pieces; a marker that opens a line is its
``lead_marker`` (a footnote's own number, or a reference wrapped to the line start).
"""

from __future__ import annotations

import re
from bisect import bisect_right
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
    spans: list[tuple[float, float]] = field(default_factory=list)  # glyph x-extents, sorted

    def add(self, run: list[Char]) -> None:
        self.chars.extend(run)
        self.spans = sorted(self.spans + _spans(run))

    def stacked(self, run: list[Char], layout: PdfLayout) -> bool:
        """Whether ``run`` is a line of its own set in the same place across: its glyphs stand
        over (or under) glyphs of this line, as the next line of a paragraph does beside a
        tall label, where a raised note marker or a change of font never does."""
        spans = _spans(run)
        if not spans or not self.spans:
            return False
        starts = [a for a, _ in self.spans]
        hit = 0
        for x0, x1 in spans:
            i = bisect_right(starts, x1)
            for a, b in self.spans[max(0, i - 3) : i]:
                if min(x1, b) - max(x0, a) > layout.stacked_glyph_overlap * min(x1 - x0, b - a):
                    hit += 1
                    break
        return hit > layout.stacked_glyph_share * len(spans)


def _spans(run: list[Char]) -> list[tuple[float, float]]:
    return sorted((c["x0"], c["x1"]) for c in run if not c["text"].isspace() and c["x1"] > c["x0"])


def build_lines(
    chars: list[Char], pno: int, width: float, height: float, layout: PdfLayout
) -> list[Line]:
    """Group characters into lines: baseline runs first, then small raised runs attached.
    On a page of columns (a sidebar beside the body, two columns of text), each column's lines
    come together, left column first: a line never joins glyphs across a gutter."""
    kept = _visible_glyphs(chars, width, height, layout)
    if not kept:
        return []
    stripes = [_columns(stripe, layout) for stripe in _stripes(kept, layout)]
    if all(len(columns) == 1 for columns in stripes):
        return _column_lines(kept, pno, layout)
    lines: list[Line] = []
    place = 0
    for columns in stripes:  # top to bottom; in each, the columns' reading order
        if len(columns) == 1:
            place += 1
            for ln in _column_lines(columns[0], pno, layout):
                ln.column = place
                lines.append(ln)
            continue
        sizes = [_dominant_size(col) for col in columns]
        main = max(range(len(columns)), key=lambda i: len(columns[i]))
        aside = [sizes[i] >= layout.heading_size_ratio * sizes[main] for i in range(len(columns))]
        # the main text first, column by column; a pull quote after the text it sits beside
        order = [i for i in range(len(columns)) if not aside[i]]
        order += [i for i in range(len(columns)) if aside[i]]
        for i in order:
            place += 1
            for ln in _column_lines(columns[i], pno, layout):
                ln.column, ln.aside = place, aside[i]
                lines.append(ln)
    return lines


def _dominant_size(chars: list[Char]) -> float:
    weight = Counter(round(c["size"], 1) for c in chars if not c["text"].isspace())
    return weight.most_common(1)[0][0] if weight else 0.0


def _stripes(kept: list[Char], layout: PdfLayout) -> list[list[Char]]:
    """The page cut across at every band of white at least ``column_stripe_gap`` high, top to
    bottom: a running header, a full-width footnote or a page number below a page of columns
    falls into a stripe of its own."""
    stripes: list[list[Char]] = []
    bottom = None
    for c in sorted(kept, key=lambda c: c["top"]):
        if bottom is None or c["top"] - bottom >= layout.column_stripe_gap:
            stripes.append([])
        stripes[-1].append(c)
        bottom = c["bottom"] if bottom is None else max(bottom, c["bottom"])
    return stripes


def _column_lines(kept: list[Char], pno: int, layout: PdfLayout) -> list[Line]:
    groups = _merge_runs(_baseline_runs(kept, layout), layout)
    lines = [ln for ln in (make_line(g.chars, pno, layout) for g in groups) if ln is not None]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def _baseline_runs(kept: list[Char], layout: PdfLayout) -> list[list[Char]]:
    runs: list[list[Char]] = []
    for c in sorted(kept, key=lambda c: (c["bottom"], c["x0"])):
        if runs and abs(runs[-1][-1]["bottom"] - c["bottom"]) <= layout.baseline_tolerance:
            runs[-1].append(c)
        else:
            runs.append([c])
    caps = [cap for run in runs if (cap := _drop_cap(run, layout)) is not None]
    return runs + [[cap] for cap in caps]


def _drop_cap(run: list[Char], layout: PdfLayout) -> Char | None:
    """A drop cap opening the run (removed from it): a first glyph ``drop_cap_ratio`` times the
    size of the rest, which sits on the baseline of a lower line but begins the top one."""
    first = min(run, key=lambda c: c["x0"])
    rest = [c["size"] for c in run if c is not first and not c["text"].isspace()]
    if not rest or not first["text"].isalpha():
        return None
    rest.sort()
    if first["size"] < layout.drop_cap_ratio * rest[len(rest) // 2]:
        return None
    run.remove(first)
    return first


def _columns(kept: list[Char], layout: PdfLayout) -> list[list[Char]]:
    """A stripe's glyphs split at its gutters, left to right; one list when it has none.

    A gutter is a vertical band at least ``gutter_min_width`` wide that no glyph enters, with
    real text on both sides (``column_min_chars`` glyphs on ``column_min_lines`` baselines each)
    side by side (their vertical extents overlap by ``column_min_overlap``).  Text set across
    the band (a full-width paragraph) fills it: such a stripe is one column, as before."""
    ink = sorted((c["x0"], c["x1"]) for c in kept if not c["text"].isspace())
    gaps: list[tuple[float, float]] = []
    if ink:
        right = ink[0][1]
        for x0, x1 in ink[1:]:
            if x0 - right >= layout.gutter_min_width:
                gaps.append((right, x0))
            right = max(right, x1)
    columns = [kept]
    for lo, hi in gaps:
        mid = (lo + hi) / 2
        left = [c for c in columns[-1] if (c["x0"] + c["x1"]) / 2 < mid]
        right_ = [c for c in columns[-1] if (c["x0"] + c["x1"]) / 2 >= mid]
        if (
            _is_column(left, layout)
            and _is_column(right_, layout)
            and _side_by_side(left, right_, layout)
        ):
            columns[-1:] = [left, right_]
    return columns


def _is_column(chars: list[Char], layout: PdfLayout) -> bool:
    visible = [c for c in chars if not c["text"].isspace()]
    if len(visible) < layout.column_min_chars:
        return False
    baselines = {round(c["bottom"]) for c in visible}
    return len(baselines) >= layout.column_min_lines


def _side_by_side(a: list[Char], b: list[Char], layout: PdfLayout) -> bool:
    a_top, a_bottom = min(c["top"] for c in a), max(c["bottom"] for c in a)
    b_top, b_bottom = min(c["top"] for c in b), max(c["bottom"] for c in b)
    shared = min(a_bottom, b_bottom) - max(a_top, b_top)
    return shared >= layout.column_min_overlap * min(a_bottom - a_top, b_bottom - b_top)


def _visible_glyphs(
    chars: list[Char], width: float, height: float, layout: PdfLayout
) -> list[Char]:
    """Upright glyphs on the page, each once (fake bold overprints the same glyph)."""
    bleed = layout.page_bleed
    digits = layout.overprint_decimals
    seen: set[tuple[str, float, float]] = set()
    kept = []
    turn = layout.max_glyph_rotation
    for c in chars:
        if not c.get("upright", True):
            continue
        matrix = c.get("matrix")
        if matrix and abs(matrix[1]) > turn * max(abs(matrix[0]), 1e-6):
            continue  # turned: a slanted or curved banner (a shear, for italics, has b == 0)
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
            if ov > best_ov and not g.stacked(r, layout):
                best, best_ov = g, ov
        if best is not None and best_ov >= layout.run_overlap_ratio * min(
            h, best.bottom - best.top
        ):
            best.add(r)
        else:
            g = _Group(top, bottom)
            g.add(r)
            groups.append(g)
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
            size = min(c["size"], prev["size"])
            if prev["size"] >= layout.drop_cap_ratio * c["size"]:
                size = prev["size"]  # the word a drop cap begins goes on after a wider gap
            if gap > layout.word_gap_ratio * size and not (is_sup and self.sup):
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
