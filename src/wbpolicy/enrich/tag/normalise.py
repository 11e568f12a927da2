"""Text as the tagger sees it: line breaks, odd spaces, Unicode hyphens and invisible characters
evened out, with a map back to the original offsets."""

from __future__ import annotations

import re

_ODD_SPACE = re.compile(
    r"\s{2,}|[\n\t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]"  # breaks, odd spaces
    r"|(?<=\w)[\u2010-\u2013\u2212](?=\w)"  # word-inner hyphens: "South–East", "North‑Atlantic"
    r"|[\u00ad\u200b-\u200d\u2060\ufeff]"  # soft hyphen, zero-width characters
)
DASHES = frozenset("\u2010\u2011\u2012\u2013\u2212")
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def normalise_whitespace(text: str) -> tuple[str, list[int] | None]:
    """Collapse line breaks and runs of spaces (PDF/TXT extraction) so that names broken
    across lines still match; blank lines and form feeds stay paragraph breaks ("\\n\\n").
    Text pasted from a word processor is evened out too: non-breaking and thin spaces become
    spaces, Unicode hyphens and en dashes between two word characters become "-" (a dash used
    as punctuation stays), zero-width characters and soft hyphens go.
    Returns the text to tag and, if it changed, the original offset of each of its characters
    (plus one past the end)."""
    if not _ODD_SPACE.search(text):
        return text, None
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _ODD_SPACE.finditer(text):
        parts.append(text[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        ws = m.group(0)
        if ws in DASHES:
            rep = "-"
        elif ws in _INVISIBLE:
            rep = ""
        elif ws.count("\n") >= 2 or "\f" in ws:
            rep = "\n\n"
        else:
            rep = " "
        parts.append(rep)
        offsets.extend([m.start()] * len(rep))
        pos = m.end()
    parts.append(text[pos:])
    offsets.extend(range(pos, len(text)))
    offsets.append(len(text))
    return "".join(parts), offsets


def ascii_dashes(alias: str) -> str:
    """The alias as :func:`normalise_whitespace` leaves text: ASCII hyphens, plain spaces."""
    return "".join("-" if ch in DASHES else " " if ch.isspace() else ch for ch in alias)
