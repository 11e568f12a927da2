"""Line-end hyphens: rejoin a word split across lines, keep a real compound's hyphen."""

from __future__ import annotations

import re
from collections.abc import Iterable

_HYPHEN_BREAK = re.compile(r"(\w+)([-\u00ad])[ \t]*\n\s*(\w+)")
_WORD = re.compile(r"\w+(?:-\w+)*")


def build_lexicon(texts: Iterable[str]) -> frozenset[str]:
    """Lower-cased words and hyphenated compounds seen within lines, for :func:`join_hyphenated`."""
    words: set[str] = set()
    for text in texts:
        for m in _WORD.finditer(text):
            w = m.group(0).lower()
            words.add(w)
            if "-" in w:
                words.update(w.split("-"))
    return frozenset(words)


def join_hyphenated(left: str, right: str, lexicon: frozenset[str] | set[str]) -> bool:
    """Whether ``left-`` at a line end and ``right`` on the next line are one word split in two.

    Evidence must stay verbatim, and most line-end hyphens in policy texts are real compounds
    ("public-private", "KOS-CERT", "awareness-raising"), so the hyphen is dropped only when the
    document itself spells the joined word elsewhere and never spells the hyphenated form.
    """
    if not right[:1].islower():
        return False
    joined = (left + right).lower()
    return joined in lexicon and f"{left}-{right}".lower() not in lexicon


def dehyphenate(text: str, lexicon: frozenset[str] | set[str] | None = None) -> str:
    """Rejoin words hyphenated across line ends; keep real compounds' hyphens.

    Soft hyphens (U+00AD) at a line end always join.  A hard hyphen joins only when
    :func:`join_hyphenated` says so, judged against ``lexicon`` (default: the words of ``text``).
    Either way the line break goes.
    """
    if lexicon is None:
        lexicon = build_lexicon(text.splitlines())

    def join(m: re.Match[str]) -> str:
        left, hyphen, right = m.group(1), m.group(2), m.group(3)
        if hyphen == "\u00ad" or join_hyphenated(left, right, lexicon):
            return left + right
        return left + "-" + right

    return _HYPHEN_BREAK.sub(join, text)
