"""Plain-text lines to units: runs of lines, and what each line is.

A *unit* is a heading (possibly wrapped over lines), a list item, a paragraph or a contents
entry.  :func:`split_groups` cuts the pages into runs of non-blank lines; :class:`Segmenter`
reads the runs line by line and decides, from the line itself and its neighbours, whether it
opens a heading, a list item or a paragraph, or continues the open unit.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from wbpolicy.text import normalise_ws

from .layout import TextLayout
from .lines import (
    BULLET,
    CONTENTS_TITLES,
    ENUM,
    ENUM_ONLY,
    FRONT_MATTER,
    FULL_STOP_END,
    LABEL,
    SENT_END,
    TOC_LEADER,
    TOP_LEVEL,
    heading_level,
    is_caps,
    is_caps_heading,
    is_title_heading,
    norm_key,
    number_of,
    starts_lower,
)
from .toc import TocState

Line = tuple[int, str]  # (page number, text)
Group = tuple[str, list[Line]]  # (what preceded the run: start | blank | page, its lines)
UNRESOLVED = -1  # level of an unnumbered heading, resolved when blocks are emitted
# TOC_LEADER needs at most 4 dots, a space, 6 characters and a space at the end of a line
_LEADER_TAIL = 64
# a contents line whose entry was run on after the leader of the one before (the converter lost
# the line break): ".......... 3 Cyber trends, challenges and threats"
_LEADER_FIRST = re.compile(r"(?:\.{4,}|…{2,})\s*\d{1,3}(?:\s|$)")


@dataclass
class Unit:
    kind: str  # paragraph | list | heading | toc
    lines: list[Line]
    gap: str  # what separated it from the previous unit: start | blank | page | none
    level: int = 0


# ---------------------------------------------------------------------------------------------
# groups of lines
# ---------------------------------------------------------------------------------------------


def split_groups(page_lines: list[tuple[int, list[str]]], layout: TextLayout) -> list[Group]:
    """Runs of non-blank lines, each with what preceded it (start, blank line or page break).

    On "double-spaced" pages (PDFMiner output with a blank line after every line) a single blank
    line is just a line end; only longer runs of blank lines separate groups there.
    """
    groups: list[Group] = []
    gap = "start"
    cur: list[Line] = []
    for pi, (number, lines) in enumerate(page_lines):
        if pi > 0:
            if cur:
                groups.append((gap, cur))
                cur = []
                gap = "page"
            elif gap != "start":
                gap = "page"
        min_gap = layout.double_spaced_blank_lines if _double_spaced(lines, layout) else 1
        blanks = 0
        for line in lines:
            if not line:
                blanks += 1
                continue
            if cur and blanks >= min_gap:
                groups.append((gap, cur))
                cur = []
                gap = "blank"
            elif not cur and blanks and gap not in ("start", "page"):
                gap = "blank"
            blanks = 0
            cur.append((number, line))
        if cur and blanks >= min_gap:
            groups.append((gap, cur))
            cur = []
            gap = "blank"
    if cur:
        groups.append((gap, cur))
    return groups


def _double_spaced(lines: list[str], layout: TextLayout) -> bool:
    gaps: list[int] = []
    run = -1
    for line in lines:
        if line:
            if run >= 0:
                gaps.append(run)
            run = 0
        elif run >= 0:
            run += 1
    return len(gaps) >= layout.double_spaced_min_gaps and sum(
        1 for g in gaps if g == 1
    ) >= layout.double_spaced_share * len(gaps)


# ---------------------------------------------------------------------------------------------
# classifying lines into units
# ---------------------------------------------------------------------------------------------


class Segmenter:
    """Turns the groups of a document into units (headings, list items, paragraphs, contents)."""

    def __init__(
        self,
        page_lines: list[tuple[int, list[str]]],
        line_mode: bool,
        layout: TextLayout,
        headings: frozenset[str] = frozenset(),
    ) -> None:
        self.layout = layout
        self.headings = headings  # lines known to be headings (contents entries cut off a line)
        self.line_mode = line_mode
        self.groups = split_groups(page_lines, layout)
        lengths = sorted(len(x) for _, g in self.groups for _, x in g)
        self.width = lengths[int(layout.width_percentile * (len(lengths) - 1))] if lengths else 0
        del lengths
        # how often each line recurs; only the repeated ones are kept (a line not in it is there
        # once), so that a big document does not hold a dict entry per line while it is read
        counts = Counter(x for _, g in self.groups for _, x in g)
        self.repeats: dict[str, int] = {x: c for x, c in counts.items() if c > 1}
        del counts
        self.toc = TocState(layout)
        self.numbering: list[tuple[int, ...]] = []  # section numbers of the headings so far
        self.out: list[Unit] = []
        self.wrap = 0  # lines of the group still to add to a wrapped numbered heading

    def units(self) -> list[Unit]:
        """The document's units in order (before paragraphs are joined across gaps)."""
        for gi, (gap, group) in enumerate(self.groups):
            next_group = self.groups[gi + 1][1] if gi + 1 < len(self.groups) else None
            if gap == "page" and self.toc.on:
                # the groups of this page only (a group never spans pages): contents checked
                # at every page break must not read the rest of the document each time
                page, end = group[0][0], gi + 1
                while end < len(self.groups) and self.groups[end][1][0][0] == page:
                    end += 1
                self.toc.page_break(group, self.groups[gi:end], 0)
            cur: Unit | None = None
            self.wrap = 0
            for li, item in enumerate(group):
                nxt = group[li + 1][1] if li + 1 < len(group) else None
                where = _Where(gap if li == 0 else "none", nxt, len(group) == 1, next_group)
                where.group, where.index = group, li
                cur = self._line(cur, item, where)
        return self.out

    def _line(self, cur: Unit | None, item: Line, where: _Where) -> Unit | None:
        """Add one line (``item``: page and text, the group's own tuple, kept in the unit rather
        than a copy) to the open unit or start a new one; returns the open unit."""
        line = item[1]
        if self.wrap and cur is not None and cur.kind == "heading":
            self.wrap -= 1
            cur.lines.append(item)  # "6.4 Education, research and raising awareness in" + "..."
            return cur
        prev = cur.lines[-1][1] if cur else (self.out[-1].lines[-1][1] if self.out else None)
        if (
            cur is not None
            and cur.kind == "heading"
            and len(cur.lines) == 1
            and _label_only(cur.lines[0][1], self.layout)
            and _title_line(line, self.layout)
        ):
            cur.lines.append(item)  # "Article 5" + "Security of processing"
            return cur
        # (the leader pattern is anchored at the line end, and the lines are white-space
        # normalised: its tail decides, and a long line is not scanned from every dot)
        if (
            self.toc.active(line)
            or TOC_LEADER.search(line[-_LEADER_TAIL:])
            or _LEADER_FIRST.match(line)
        ):
            self.out.append(Unit("toc", [item], where.gap))
            return None
        kind, level = self._classify(line, prev, cur, where)
        if kind == "heading":
            num = number_of(line)
            if num:
                self.numbering.append(num)
            if _norm_key(line) in CONTENTS_TITLES:
                self.toc.start()
            if cur is not None and cur.kind == "heading" and _merge_heading(cur, line, self.layout):
                cur.lines.append(item)
                return cur
            cur = Unit("heading", [item], where.gap, level)
            self.out.append(cur)
            return cur
        if kind == "continue" and cur is not None and cur.kind != "heading":
            cur.lines.append(item)
            return cur
        cur = Unit("list" if kind == "list" else "paragraph", [item], where.gap)
        self.out.append(cur)
        return None if self.line_mode else cur

    def _classify(
        self, line: str, prev: str | None, cur: Unit | None, where: _Where
    ) -> tuple[str, int]:
        """``("heading", level)``, ``("list", 0)``, ``("paragraph", 0)`` or ``("continue", 0)``."""
        layout = self.layout
        at_start = cur is None or where.gap != "none"
        prev_closed = (
            prev is None or cur is None or cur.kind == "heading" or bool(SENT_END.search(prev))
        )
        nxt = where.nxt
        next_continues = not self.line_mode and nxt is not None and starts_lower(nxt)
        numbered = self._numbered_heading(line, cur, where, at_start or prev_closed, next_continues)
        if numbered is not None:
            return numbered
        unnumbered_ok = (
            self.repeats.get(line, 1) < layout.heading_max_repeats
            and (at_start or prev_closed)
            and not next_continues
        )
        level = self._unnumbered_heading(line, prev_closed, where) if unnumbered_ok else None
        if level is not None:
            return "heading", level
        if BULLET.match(line) and not re.match(r"^[-–—]\s*\d", line):
            return "list", 0
        if (ENUM_ONLY.match(line) or ENUM.match(line)) and (prev_closed or at_start):
            return "list", 0
        if cur is None or at_start or self.line_mode:
            return "paragraph", 0
        if (
            prev is not None
            and FULL_STOP_END.search(prev)
            and self.width > layout.min_width
            and len(prev) < layout.short_line_share * self.width
            and not starts_lower(line)
        ):
            return "paragraph", 0  # a short line ending a sentence closes its paragraph
        return "continue", 0

    def _numbered_heading(
        self, line: str, cur: Unit | None, where: _Where, open_start: bool, next_continues: bool
    ) -> tuple[str, int] | None:
        """A numbered or labelled heading (or a numbered list item that looks like one)."""
        hl = heading_level(line, self.layout)
        if hl is None or not _plausible_number(line, self.numbering, self.layout):
            return None
        caps = is_caps(line, self.layout)
        strong = (
            caps or bool(re.match(r"\d{1,2}\.\d", line)) or (cur is not None and cur.kind == "list")
        )
        if not (open_start or strong):
            return None
        wrap = self._heading_wrap(line, where)
        if next_continues and not wrap:
            return None
        level = hl[0]
        if (
            level == TOP_LEVEL
            and ENUM.match(line)
            and not where.alone
            and not caps
            and where.nxt is not None
            and not self.line_mode
            and len(line) > self.layout.enum_item_min_chars
        ):
            return "list", 0
        self.wrap = wrap
        return "heading", level

    def _heading_wrap(self, line: str, where: _Where) -> int:
        """How many lines a numbered heading opening its group wraps onto (0: none).

        The rest of the group (before a blank line) is the heading's own when it is short: fewer
        than ``heading_max_lines`` lines in all, no line ends a sentence or is a list item or a
        heading of its own, and the whole is no longer than a heading's title may be.
        """
        layout = self.layout
        if where.gap == "none" or where.index != 0 or self.line_mode or not number_of(line):
            return 0
        if not 1 < len(where.group) < layout.heading_max_lines:
            return 0
        rest = [x for _, x in where.group[1:]]
        if not all(re.search(r"[^\W\d_]", x) for x in rest):
            return 0  # a page number under the heading is not part of it
        text = " ".join([line, *rest])
        if (
            len(text) > layout.heading_max_chars
            or len(text.split()) - 1 > layout.title_max_words  # (the number is a word)
            or any(SENT_END.search(x) for x in [line, *rest])
            or any(BULLET.match(x) or ENUM.match(x) or heading_level(x, layout) for x in rest)
        ):
            return 0
        return len(rest)

    def _unnumbered_heading(self, line: str, prev_closed: bool, where: _Where) -> int | None:
        """Level of an upper-case heading, a front-matter title or a title-case line alone."""
        layout = self.layout
        wide = (
            where.nxt is not None
            and not self.line_mode
            and len(line) >= layout.wide_line_share * self.width
            and self.width > layout.min_width
        )
        if is_caps_heading(line, layout) and not ENUM.match(line) and not wide:
            return UNRESOLVED
        if _norm_key(line) in FRONT_MATTER:
            return TOP_LEVEL
        if where.alone and line in self.headings:
            return UNRESOLVED
        next_group = where.next_group
        if (
            where.alone
            and is_title_heading(line, layout)
            and prev_closed
            and not (next_group and starts_lower(next_group[0][1]))
        ):
            return UNRESOLVED
        return None


@dataclass
class _Where:
    """Where a line stands: the gap before it, the next line, alone in its group, next group."""

    gap: str  # start | blank | page (first line of a group) | none
    nxt: str | None
    alone: bool
    next_group: list[Line] | None
    group: list[Line] = field(default_factory=list)  # the line's group, and its index there
    index: int = 0


def _plausible_number(line: str, numbering: list[tuple[int, ...]], layout: TextLayout) -> bool:
    """Whether a section number fits the numbering so far.

    "2.3" may follow "2.2", "2", "2.2.4" or "1.5"; "5" after "1.1" is a footnote or list item.
    """
    num = number_of(line)
    if num is None:
        return True
    if not numbering:
        return num[0] <= layout.first_section_max or is_caps(line, layout)
    last = numbering[-1]
    if num == (1,) or num == last + (1,):
        return True
    k = len(num)
    if k <= len(last) and num[:-1] == last[: k - 1] and num[-1] == last[k - 1] + 1:
        return True
    if k == len(last) + 1 and num[:-1] == last and num[-1] == 1:
        return True
    # a skipped or repeated number still counts when the heading is unmistakable
    return is_caps(line, layout) and num[0] in (last[0], last[0] + 1)


def _norm_key(line: str) -> str:
    """:func:`~.lines.norm_key` of a line: the same key, without the trailing-run regex, which
    costs quadratic time on a long run of dots inside a line."""
    if "\n" in line:
        return norm_key(line)
    return normalise_ws(line.rstrip(":.")).casefold()


def _label_only(line: str, layout: TextLayout) -> bool:
    hl = heading_level(line, layout)
    return hl is not None and hl[1]


def _title_line(line: str, layout: TextLayout) -> bool:
    """The title line under a bare label ("Article 5" / "Security of processing")."""
    return (
        heading_level(line, layout) is None
        and not LABEL.match(line)
        and len(line) <= layout.label_title_max_chars
        and line[:1].isupper()
        and not SENT_END.search(line)
        and not BULLET.match(line)
        and not ENUM.match(line)
        and len(line.split()) <= layout.label_title_max_words
    )


def _merge_heading(cur: Unit, line: str, layout: TextLayout) -> bool:
    """Consecutive heading lines form one heading: a caps title wrapped over lines, or a label
    ("Article 5", "CHAPTER II") followed by its title line."""
    last = cur.lines[-1][1]
    hl = heading_level(line, layout)
    if LABEL.match(last) and _label_only(last, layout):
        return (
            hl is None and len(line) <= layout.label_title_max_chars and not SENT_END.search(line)
        )
    if hl is not None or LABEL.match(line):
        return False
    caps_run = is_caps(last, layout) and (
        is_caps(line, layout) or re.fullmatch(r"[\d\s\-–—/.]+", line)
    )
    return bool(
        caps_run and not re.search(r"[.:;!?]$", last) and len(cur.lines) < layout.heading_max_lines
    )
