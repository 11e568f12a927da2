"""Tables of contents in plain text: the entries after a "Contents" heading are not headings."""

from __future__ import annotations

import re

from wbpolicy.text import normalise_ws

from .layout import TextLayout
from .lines import SENT_END, has_toc_leader, strip_toc_leader


class TocState:
    """Whether the lines being read are contents entries.

    :meth:`start` at a "Contents" heading; the contents end when an entry repeats the first one
    (the body has begun), at a long line without leaders, after too many entries, or at a page
    that does not look like contents (see :meth:`page_break`).
    """

    def __init__(self, layout: TextLayout) -> None:
        self.layout = layout
        self.on = False
        self.first: str | None = None
        self.count = 0

    def start(self) -> None:
        self.on, self.first, self.count = True, None, 0

    def active(self, line: str) -> bool:
        """Whether ``line`` is a contents entry (the state moves on)."""
        if not self.on:
            return False
        key = _toc_key(line)
        if self.first is None:
            self.first = key
        elif (
            key == self.first
            or (len(line) > self.layout.toc_max_chars and not has_toc_leader(line))
            or self.count > self.layout.toc_max_entries
        ):
            self.on = False  # the body repeats the first entry: the contents are over
            return False
        self.count += 1
        return True

    def page_break(
        self, group: list[tuple[int, str]], groups: list[tuple[str, list[tuple[int, str]]]], gi: int
    ) -> None:
        """At the first group of a new page: stop unless the page reads like contents."""
        if not self.on:
            return
        page = group[0][0]
        lines = [x for _, g in groups[gi:] for p, x in g if p == page]
        tocish = sum(1 for x in lines if self._tocish(x))
        numbered = sum(1 for x in lines if has_toc_leader(x) or re.search(r"\s\d{1,3}$", x))
        if (
            not lines
            or tocish < self.layout.toc_page_share * len(lines)
            or numbered < self.layout.toc_page_numbered_share * len(lines)
        ):
            self.on = False

    def _tocish(self, line: str) -> bool:
        return bool(
            has_toc_leader(line)
            or re.search(r"\s\d{1,3}$", line)
            or re.fullmatch(r"[\d.\s]+", line)
            or (len(line) < self.layout.toc_entry_max_chars and not SENT_END.search(line))
        )


def _toc_key(line: str) -> str:
    s = strip_toc_leader(line)
    s = re.sub(r"\s*\d{1,3}$", "", s)
    return normalise_ws(s).casefold()
