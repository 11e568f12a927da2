"""Sentence spans: a rule-based splitter that knows policy prose ("no. 1106", "Art. 5", URLs)."""

from __future__ import annotations

import re
from bisect import bisect_left

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

# A sentence is at most this many characters: a longer run (a file that is one 1 MB
# "sentence", text without punctuation or white space) is cut at the last white space within the
# limit, or at the limit when there is none.  Above the longest real sentence of the corpus
# (6,273 characters: the preamble of the Convention on Cybercrime), so real prose is never cut.
MAX_SENTENCE_CHARS = 8000

# Matched only from the first mark of a run (the look-behind follows the first mark, so that the
# engine still scans for a literal), possessively: a long run of dots without white space after
# it is then one failed attempt, not one per dot (which took minutes for 1 MB).  Same matches
# as the plain ``[.!?]+[\"'”’)\]]*(?=\s+)``.
_SENT_END = re.compile(r"[.!?](?<![.!?][.!?])[.!?]*+[\"'”’)\]]*+(?=\s)")
_LAST_SPACE = re.compile(r"(?s:.*)\s")  # up to and including the last white space


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text`` (white space between them
    excluded).

    Rule-based on purpose: policy prose is full of "no. 1106", "Art. 5", "3.2.1" and URLs, which
    generic splitters cut wrongly.  A sentence ends at ``.``/``!``/``?`` (plus closing quotes or
    brackets) followed by white space and then an upper-case letter, digit-led heading or opening
    quote/bracket — unless the word before the dot is a known abbreviation or a single letter.
    Line breaks followed by a bullet also end a sentence.

    No span is longer than ``max_chars``: a longer sentence is cut at white space (see
    :data:`MAX_SENTENCE_CHARS`).  Linear in the length of ``text``.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = _skip_ws(text, 0)
    # URL matches do not overlap and come in order: a dot inside one is found by bisection
    url_starts: list[int] = []
    url_ends: list[int] = []
    for u in URL.finditer(text):
        url_starts.append(u.start())
        url_ends.append(u.end())
    for m in _SENT_END.finditer(text):
        end = m.end()
        if end <= start:
            continue
        k = bisect_left(url_starts, m.start()) - 1  # the last URL starting before the mark
        if k >= 0 and m.start() < url_ends[k]:
            continue
        nxt = _skip_ws(text, end)
        if nxt >= n:
            break
        if not _starts_sentence(text[nxt]):
            continue
        if text[m.start()] == "." and _is_abbreviation(text, m.start()):
            continue
        _add_span(spans, text, start, end, max_chars)
        start = nxt
    end = _rstrip_end(text, n)
    if start < end:
        _add_span(spans, text, start, end, max_chars)
    return spans


def cap_span(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """``[start, end)`` of ``text`` (which starts and ends with a visible character) cut into
    pieces of at most ``max_chars`` characters, as :func:`split_sentences` cuts a long sentence."""
    spans: list[tuple[int, int]] = []
    _add_span(spans, text, start, end, max_chars)
    return spans


def _add_span(
    spans: list[tuple[int, int]], text: str, start: int, end: int, max_chars: int
) -> None:
    """Append ``[start, end)``, cut into pieces of at most ``max_chars`` characters: each at the
    last white space within the limit, or at the limit when there is none."""
    max_chars = max(max_chars, 1)
    while end - start > max_chars:
        m = _LAST_SPACE.match(text, start + 1, start + max_chars + 1)
        if m is None:
            cut = nxt = start + max_chars  # no white space: a hard cut
        else:
            nxt = _skip_ws(text, m.end() - 1)
            cut = _rstrip_end(text, m.end() - 1)
        spans.append((start, cut))
        start = nxt
    if start < end:
        spans.append((start, end))


def _rstrip_end(text: str, end: int) -> int:
    """``len(text[:end].rstrip())`` without copying the text."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i].isspace():
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
