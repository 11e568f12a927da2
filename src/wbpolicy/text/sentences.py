"""Sentence spans: a rule-based splitter that knows policy prose ("no. 1106", "Art. 5", URLs)."""

from __future__ import annotations

import re

from wbpolicy.text.normalise import normalise_ws
from wbpolicy.text.urls import URL

# Abbreviations after which a full stop does not end a sentence (lower-cased, without the dot).
_ABBREVIATIONS = frozenset(
    [
        "no",
        "nos",
        "art",
        "arts",
        "para",
        "paras",
        "e.g",
        "i.e",
        "etc",
        "cf",
        "vs",
        "al",
        "fig",
        "figs",
        "ed",
        "eds",
        "vol",
        "vols",
        "p",
        "pp",
        "ch",
        "sec",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "gov",
        "univ",
        "approx",
        "incl",
        "esp",
        "resp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.u",
        "n.b",
        "op",
        "cit",
        "ibid",
    ]
)

_SENT_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text`` (white space between them
    excluded).

    Rule-based on purpose: policy prose is full of "no. 1106", "Art. 5", "3.2.1" and URLs, which
    generic splitters cut wrongly.  A sentence ends at ``.``/``!``/``?`` (plus closing quotes or
    brackets) followed by white space and then an upper-case letter, digit-led heading or opening
    quote/bracket — unless the word before the dot is a known abbreviation or a single letter.
    Line breaks followed by a bullet also end a sentence.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = _skip_ws(text, 0)
    protected = [(m.start(), m.end()) for m in URL.finditer(text)]
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


PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def sentence_spans(
    text: str, skip: set[str] | frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """Sentence spans of a passage; a blank line always ends a sentence (block boundary).
    Paragraphs equal to one of ``skip`` (footnote texts that leaked into a body passage) are
    left out: a footnote is evidence only as the citation of the sentence that calls it."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in [*PARAGRAPH_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        para = text[pos:end]
        if para.strip() and normalise_ws(para) not in skip:
            spans.extend((pos + a, pos + b) for a, b in split_sentences(para))
        pos = m.end() if m else len(text)
    return spans
