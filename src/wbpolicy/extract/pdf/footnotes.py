"""Footnotes: the page-foot note zone split off the body, then parsed into numbered notes.

Two signals find the zone, tried in order: a horizontal rule with only note-like lines below it,
or a run of paragraphs each of which starts with a note marker (superscript digits, or plain
digits in a smaller font) -- some layouts set notes at body size without a rule, some put a
page's notes right after its text.  A note that runs over the page foot continues on the next
page's note zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wbpolicy.models import Footnote
from wbpolicy.text import dehyphenate, find_urls, join_wrapped_lines, normalise_ws

from .layout import PdfLayout
from .model import Line, PageData

_URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_NUMBERED_NOTE = re.compile(r"^(\d{1,3})\s+(\S.*)$")


def _starts_note(ln: Line, body: float, layout: PdfLayout) -> bool:
    if ln.lead_marker is not None:
        return True
    return bool(re.match(r"^(\d{1,3})\s+\S", ln.raw)) and ln.size < layout.note_size_ratio * body


def split_footnotes(pd: PageData, body: float, gap_limit: float, layout: PdfLayout) -> None:
    """Move the page-foot footnote zone from ``pd.lines`` to ``pd.footnote_lines``."""
    lines = pd.lines
    if len(lines) < 2:
        return
    best = _ruled_zone(pd, body, gap_limit, layout)
    if best is not None and best > 0:
        pd.footnote_lines = lines[best:]
        lines = pd.lines = lines[:best]
    notes, keep = _notes_in_flow(lines, body, gap_limit, layout)
    if notes:
        pd.lines = keep
        pd.footnote_lines = notes + pd.footnote_lines


def _ruled_zone(pd: PageData, body: float, gap_limit: float, layout: PdfLayout) -> int | None:
    """Index of the first line below a rule that separates notes from the text, if any."""
    lines = pd.lines
    slack = layout.rule_slack
    for y, _x0, _x1 in sorted(pd.rules):
        if y < layout.rule_min_y_ratio * pd.height:
            continue
        idx = next((i for i, ln in enumerate(lines) if ln.top >= y - slack), None)
        if idx is None or idx == 0 or lines[idx - 1].bottom > y + slack:
            continue
        zone = lines[idx:]
        if any(ln.size > body * layout.note_zone_max_ratio for ln in zone):
            continue
        small = all(ln.size < layout.note_zone_small_ratio * body for ln in zone)
        if _starts_note(zone[0], body, layout) and (
            small or _all_groups_notes(zone, body, gap_limit, layout)
        ):
            return idx
        if small and zone[0].lead_marker is None and not re.match(r"^\d", zone[0].raw):
            return idx  # continuation of a note from the previous page
    return None


def _notes_in_flow(
    lines: list[Line], body: float, gap_limit: float, layout: PdfLayout
) -> tuple[list[Line], list[Line]]:
    """Notes set in the text flow (no rule): every paragraph that starts with a note marker.

    Returns ``(note lines, body lines)``.
    """
    notes: list[Line] = []
    keep: list[Line] = []
    in_note = False
    for i, ln in enumerate(lines):
        prev = lines[i - 1] if i else None
        gap_break = prev is None or ln.top - prev.bottom > gap_limit
        if in_note and gap_break and (_URL_LINE.match(ln.raw) or " " not in ln.raw):
            gap_break = False  # a note's URL set on its own line
        new_group = gap_break or (
            prev is not None
            and abs(ln.size - prev.size) >= layout.note_size_step_ratio * body
            and not in_note
        )
        if new_group or ln.lead_marker is not None:
            after_small = (
                ln.lead_marker is not None
                and prev is not None
                and prev.size < body * layout.note_size_ratio
            )
            in_note = _starts_note(ln, body, layout) and (new_group or in_note or after_small)
        (notes if in_note else keep).append(ln)
    return notes, keep


def _all_groups_notes(zone: list[Line], body: float, gap_limit: float, layout: PdfLayout) -> bool:
    """Every gap-separated group of lines in ``zone`` starts with a note marker."""
    for j in range(1, len(zone)):
        if zone[j].top - zone[j - 1].bottom > gap_limit and not _starts_note(zone[j], body, layout):
            return False
    return _starts_note(zone[0], body, layout)


@dataclass
class _Note:
    marker: str
    page: int
    texts: list[str] = field(default_factory=list)


def parse_footnotes(pages: list[PageData], layout: PdfLayout) -> list[Footnote]:
    """The notes of all pages' note zones, in order; a zone may open with a continuation."""
    notes: list[_Note] = []
    for pd in pages:
        current: _Note | None = None
        for ln in pd.footnote_lines:
            marker, text = _note_start(ln, current, layout)
            if marker is not None:
                current = _Note(marker, pd.number, [text])
                notes.append(current)
            elif current is not None:
                current.texts.append(text)
            elif notes:  # continuation of the previous page's last note
                notes[-1].texts.append(text)
    out = []
    for note in notes:
        joined = join_wrapped_lines(dehyphenate("\n".join(note.texts)).split("\n"))
        text = normalise_ws(joined)
        out.append(
            Footnote(marker=note.marker, text=text, page=note.page, urls=tuple(find_urls(text)))
        )
    return out


def _note_start(ln: Line, current: _Note | None, layout: PdfLayout) -> tuple[str | None, str]:
    """``(marker, text)`` when the line opens a note, else ``(None, text)``."""
    marker = ln.lead_marker
    if marker is not None:
        return marker, ln.raw[len(marker) :].strip()
    text, _ = ln.text(keep=None)
    m = _NUMBERED_NOTE.match(ln.raw)
    if m and (current is None or m.group(1) != current.marker):
        # only plain numbers that fit the running sequence start a note
        if current is not None and not _next_marker(current.marker, m.group(1), layout):
            return None, text
        return m.group(1), m.group(2)
    return None, text


def _next_marker(prev: str, cur: str, layout: PdfLayout) -> bool:
    try:
        return 0 < int(cur) - int(prev) <= layout.note_max_step
    except ValueError:
        return False
