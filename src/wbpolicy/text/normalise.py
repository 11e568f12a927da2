"""Normal forms of text: folded for matching, white space collapsed for display and keys."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_NOT_SINGLE_SPACE = re.compile(r"[^\S ]| {2}")  # white space other than a single space


def normalise_ws(text: str) -> str:
    """Runs of white space as one space, none at either end.  A text that is already so (most
    lines of a document) is returned as is, not copied."""
    if _NOT_SINGLE_SPACE.search(text) is None:
        return text.strip()  # (the very object when there is nothing to strip)
    return _WS.sub(" ", text).strip()


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching (not for display)."""
    if text.isascii():  # the common case, and the same result: nothing to decompose
        return text.casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold()


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` plus, for each folded character, the index of the character it came from
    (folding may change the length: "ß" -> "ss")."""
    if text.isascii():
        return text.casefold(), list(range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        out.append(f)
        origin.extend([i] * len(f))
    return "".join(out), origin


def squash(text: str) -> str:
    """Letters and digits only, folded: for locating a text whatever its spacing and punctuation."""
    return re.sub(r"[\W_]+", "", fold(text))


def ascii_slug(text: str, default: str = "document") -> str:
    """Lower-case ASCII letters and digits joined by hyphens: document and entity ids."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or default
