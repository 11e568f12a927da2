"""Small text helpers shared by extraction, chunking and answering (pure Python, no heavy deps)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Abbreviations after which a full stop does not end a sentence (lower-cased, without the dot).
_ABBREVIATIONS = frozenset(
    ["no", "nos", "art", "arts", "para", "paras", "e.g", "i.e", "etc", "cf", "vs", "al", "fig", "figs", "ed", "eds", "vol", "vols", "p", "pp", "ch", "sec", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "inc", "ltd", "co", "corp", "dept", "gov", "univ", "approx", "incl", "esp", "resp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.u", "n.b", "op", "cit", "ibid"]
)

_SENT_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'”’)\]]+[^\s<>\"'”’)\].,;:]", re.IGNORECASE)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text`` (whitespace between them excluded).

    Rule-based on purpose: policy prose is full of "no. 1106", "Art. 5", "3.2.1" and URLs, which
    generic splitters cut wrongly.  A sentence ends at ``.``/``!``/``?`` (plus closing quotes or
    brackets) followed by white space and then an upper-case letter, digit-led heading or opening
    quote/bracket — unless the word before the dot is a known abbreviation or a single letter.
    Line breaks followed by a bullet also end a sentence.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = _skip_ws(text, 0)
    protected = [(m.start(), m.end()) for m in _URL.finditer(text)]
    for m in _SENT_END.finditer(text):
        end = m.end()
        if end <= start:
            continue
        if any(a < m.start() < b for a, b in protected):
            continue
        nxt = _skip_ws(text, end)
        if nxt >= n:
            break
        if not _starts_sentence(text[nxt]):
            continue
        if text[m.start()] == "." and _is_abbreviation(text, m.start()):
            continue
        spans.append((start, end))
        start = nxt
    end = len(text.rstrip())
    if start < end:
        spans.append((start, end))
    return spans


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in "\"'“‘([•–-*"


def _is_abbreviation(text: str, dot: int) -> bool:
    j = dot
    while j > 0 and not text[j - 1].isspace() and text[j - 1] not in "([\"'“":
        j -= 1
    word = text[j:dot].lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():  # initials: "V. Radunović"
        return True
    return word.rstrip(".") in _ABBREVIATIONS or word in _ABBREVIATIONS


def normalise_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


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


def find_urls(text: str) -> list[str]:
    """URLs in ``text``, without backslashes: a URL never holds one, but text set from markdown
    prints its escapes (``seoul\\_policy``)."""
    return [m.group(0).replace("\\", "") for m in _URL.finditer(text)]


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


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching (not for display)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold()
