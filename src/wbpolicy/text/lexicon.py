"""The one word model shared by query analysis, lexical search and answer scoring: what a token
is, which words carry no content, and how a word is reduced to the prefix its inflections share.
"""

from __future__ import annotations

import re

from wbpolicy.text.normalise import fold

# A token: words, numbers, and compounds joined by - . / ' (KOS-CERT, e-SEE, 2013/40/EU).
TOKEN = re.compile(r"\w+(?:[-/.'’]\w+)*", re.UNICODE)

# Function words and the verbs of a request ("tell", "list"): never content.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours s t don cannot can't
    there's what's tell give list show find describe explain many much
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Suffixes stripped to reach a word's stem: the first that leaves at least _MIN_STEM letters.
_SUFFIXES = ("ations", "ation", "ments", "ment", "ities", "ity", "ies", "ing", "ed", "es", "s")
_MIN_STEM = 4
# a longer stem is cut further to the prefix its derivations share ("creation" ~ "create")
_LONG = 7


def tokens(text: str) -> list[str]:
    """Content tokens of ``text`` in order: stopwords, duplicates and lone letters dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for m in TOKEN.finditer(text):
        tok = m.group(0).strip(".'’")
        key = fold(tok)
        if not tok or key in seen or key in STOPWORDS:
            continue
        # single letters carry no signal except as part of compounds
        if len(tok) == 1 and not tok.isdigit():
            continue
        seen.add(key)
        out.append(tok)
    return out


def stem(word: str) -> str:
    """The word folded, less its inflectional or derivational suffix: "attacks" -> "attack",
    "cooperation" -> "cooper", "adopted" -> "adopt"."""
    t = fold(word)
    for suf in _SUFFIXES:
        if t.endswith(suf) and len(t) - len(suf) >= _MIN_STEM:
            return t[: -len(suf)]
    return t


def prefix_query(word: str) -> str | None:
    """The prefix a full-text prefix query uses for ``word`` ("attacks" -> "attack*"); None when
    the word is matched as it is (short, not purely alphabetic, or already its own stem)."""
    low = fold(word)
    if not low.isalpha() or len(low) < 5:
        return None
    prefix = stem(low)
    return prefix if prefix != low else None


def match_prefix(word: str) -> str:
    """What a text must contain (at a word start) to contain ``word`` in some form: its stem,
    cut to the prefix its derivations share when long ("create" ~ "creation", "organise" ~
    "organised", "adopted" ~ "adoption")."""
    t = stem(word)
    if t.endswith("e") and len(t) > 5:  # "create" ~ "creating", "creation"
        t = t[:-1]
    return t[: max(5, len(t) - 3)] if len(t) > _LONG else t
