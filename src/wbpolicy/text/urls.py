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
    """
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _URL_START.search(out) and _URL_TAIL.match(line):
            out += line
        else:
            out = f"{out} {line}" if out else line
    return out
