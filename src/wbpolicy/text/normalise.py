"""Normal forms of text: folded for matching, white space collapsed for display and keys."""

from __future__ import annotations

import re
import threading
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
    return _drop_combining(unicodedata.normalize("NFKD", text)).casefold()


class _Marks:
    """The combining characters met so far, as one character class: removing them is a regular
    expression substitution in C, where testing every character in Python cost ~0.1 ms a
    passage.  Characters are learnt as texts bring them (a set difference a text); the class is
    rebuilt, under a lock, only when a new combining character turns up."""

    def __init__(self) -> None:
        self.seen: frozenset[str] = frozenset()
        self.marks: frozenset[str] = frozenset()
        self.pattern: re.Pattern[str] | None = None
        self.lock = threading.Lock()

    def learn(self, chars: set[str]) -> None:
        with self.lock:
            new = chars - self.seen
            marks = {c for c in new if unicodedata.combining(c)}
            if marks:
                self.marks |= marks
                body = "".join(re.escape(c) for c in sorted(self.marks))
                self.pattern = re.compile(f"[{body}]")
            self.seen |= new  # only now: a text of these characters finds them in the pattern


_MARKS = _Marks()


def _drop_combining(text: str) -> str:
    chars = set(text)
    if not chars <= _MARKS.seen:
        _MARKS.learn(chars)
    pattern = _MARKS.pattern
    return pattern.sub("", text) if pattern is not None else text


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
