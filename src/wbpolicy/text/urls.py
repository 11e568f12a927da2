"""URLs in running text, and lines joined without breaking a URL that a line end cut."""

from __future__ import annotations

import re
from collections.abc import Iterable

URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'”’)\]]+[^\s<>\"'”’)\].,;:]", re.IGNORECASE)


def find_urls(text: str) -> list[str]:
    """URLs in ``text``, without backslashes: a URL never holds one, but text set from markdown
    prints its escapes (``seoul\\_policy``)."""
    return [m.group(0).replace("\\", "") for m in URL.finditer(text)]


_URL_START = re.compile(r"(?:https?://|www\.)\S*$", re.IGNORECASE)
_URL_TAIL = re.compile(r"^[^\s]*?(?:[/=%&?#+_~]|\.\w|\w-\w)[^\s]*")


def join_wrapped_lines(lines: Iterable[str]) -> str:
    """Join wrapped lines with spaces, except inside a URL that a line end broke.

    A line ending in a URL (``http://...`` or ``www....``) continues without a space when the next
    line starts with a token that can only be the URL's rest: it holds ``/ = % & ? # + _ ~``, an
    inner dot or an inner hyphen (``NUPI+Report+03-15-Muller.pdf``, ``uri=CELEX%3A32013L0040``).
    Linear in the number of lines: only the last token is looked at, not the text so far.
    """
    parts: list[str] = []
    # whether the text so far ends in a URL (_URL_START matches its last white-space-free token)
    url_open = False
    for line in lines:
        line = line.strip()
        if not line:
            continue
        last = line.rsplit(None, 1)[-1]
        if url_open and _URL_TAIL.match(line):
            parts.append(line)  # (a line without white space leaves the URL open)
            if last != line:
                url_open = bool(_URL_START.search(last))
        else:
            if parts:
                parts.append(" ")
            parts.append(line)
            url_open = bool(_URL_START.search(last))
    return "".join(parts)
