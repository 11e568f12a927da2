"""Control characters out of stored text, so nothing read from a document can drive a terminal.

What goes: the C0 controls except tab and newline (so CR, ESC, BEL, NUL ...), DEL, the C1
controls (U+0080-U+009F, among them the one-character CSI U+009B) and the Private Use Area
U+E000-U+F8FF (the extractor's internal sentinels live there; PDF symbol fonts map bullets there).

A run of such characters is deleted; when the run held a character that separates words where it
stands (CR, vertical tab, form feed, the information separators U+001C-U+001F, NEL, a private-use
character) and it sat between two visible characters, it becomes one space instead, so
``"Article 5\\fArticle 6"`` does not turn into one word.  :func:`strip_controls_mapped` also
returns the map from offsets in the original text to offsets in the result, for everything stored
as an offset into the text (page breaks, citation markers, entity spans).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

CONTROL_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ue000-\uf8ff"
_CONTROL_RUN = re.compile(f"[{CONTROL_CHARS}]+")
_SEPARATORS = re.compile("[\x0b-\x0d\x1c-\x1f\x85\ue000-\uf8ff]")


def has_controls(text: str) -> bool:
    return _CONTROL_RUN.search(text) is not None


def _replacement(text: str, start: int, end: int, out_tail: str) -> str:
    if not _SEPARATORS.search(text, start, end):
        return ""
    before = out_tail[-1:] if out_tail else ""
    after = text[end : end + 1]
    return " " if before and after and not before.isspace() and not after.isspace() else ""


def strip_controls_mapped(text: str) -> tuple[str, Callable[[int], int]]:
    """``(clean, remap)``: the text without control characters, and ``remap(offset)`` taking an
    offset into ``text`` (0 to ``len(text)``) to the offset of the same character in ``clean``
    (an offset inside a removed run goes to where the run was)."""
    if not has_controls(text):
        return text, _identity
    parts: list[str] = []
    # (old start, old end, new start, length of the replacement) per removed run
    runs: list[tuple[int, int, int, int]] = []
    pos = 0
    new_len = 0
    for m in _CONTROL_RUN.finditer(text):
        kept = text[pos : m.start()]
        parts.append(kept)
        new_len += len(kept)
        # runs are maximal, so only a run at the very start has nothing kept before it
        repl = _replacement(text, m.start(), m.end(), kept)
        parts.append(repl)
        runs.append((m.start(), m.end(), new_len, len(repl)))
        new_len += len(repl)
        pos = m.end()
    parts.append(text[pos:])
    clean = "".join(parts)
    starts = [r[0] for r in runs]

    def remap(offset: int) -> int:
        offset = max(0, min(offset, len(text)))
        i = bisect_right(starts, offset) - 1
        if i < 0:
            return offset
        old_start, old_end, new_start, repl = runs[i]
        if offset < old_end:
            return new_start
        return new_start + repl + (offset - old_end)

    return clean, remap


def _identity(offset: int) -> int:
    return offset


def strip_controls(text: str) -> str:
    """``text`` without control characters (see the module docstring); safe to print."""
    if not has_controls(text):
        return text
    return strip_controls_mapped(text)[0]


def strip_controls_opt(text: str | None) -> str | None:
    return None if text is None else strip_controls(text)
