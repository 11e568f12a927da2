"""What may be quoted as an answer: a sentence that states something.  Table-of-contents lines,
figure and table captions, acronym-list entries, headings and verbless fragments stay
searchable but are never quoted; a sentence that ends in ":" is quoted with the list it
introduces, or not at all.
"""

from __future__ import annotations

import re

from wbpolicy.settings import AnswerSettings

# dot leaders or a page number after a title: "4.4 Kosovo* .......... 18"
_TOC_LINE = re.compile(r"\.{4,}|(?:\s?\.\s?){4,}|…{2,}|\s{3,}\d{1,3}\s*$")
# "Figure 3:", "Table 1 -", "Source: ...", and their Serbian/Croatian/Bosnian/Albanian forms
_CAPTION = re.compile(
    r"^\W*(?:figure|fig\.|table|graph|chart|diagram|map|box|source|sources|"
    r"slika|tabela|tablica|grafikon|izvor|figura|burimi|grafiku|tabela|шема|слика|табела|извор)"
    r"\s*(?:\d+[\w.]*)?\s*[:.)–—-]",
    re.IGNORECASE,
)
# "CERT Computer Emergency Response Team", "EU – European Union"
_ACRONYM_ENTRY = re.compile(r"^[A-Z][A-Z0-9&./-]+\s+(?:[-–—:=]\s*)?[A-Z]")
# "6) Public-private partnership", "4.4 Kosovo*", "II. Objectives"
_NUMBERED_HEADING = re.compile(r"^\(?(?:\d+(?:\.\d+)*|[IVXLC]+|[a-z])[.)]?\s+\S")
_SENTENCE_END = re.compile(r"[.!?;…][\"'”’»)\]]*\s*$")
_WORD = re.compile(r"\w+")
_FUNCTION_WORDS = frozenset("and or of for the in on to a an de i e u za na".split())
# a list item after a sentence that ends in ":": a bullet, a number or letter, a lower-case
# start, or an indented line (a bullet glyph the store removed leaves its indentation)
_LIST_ITEM = re.compile(r"^(?:\s*(?:[-–—•·▪◦*]|\(?\d{1,2}[.)]|\(?[a-z][.)]|[a-z])|\s+\S)")
# a sentence that only announces what follows: without its list it says nothing
_LEAD_IN = re.compile(
    r"\b(?:following|as follows|below|these|those|include[sd]?|includ\w*|are|is|were|namely)"
    r"\s*:\s*$",
    re.IGNORECASE,
)


def quotable(text: str, heading: str = "", s: AnswerSettings | None = None) -> bool:
    """Whether ``text`` (one sentence of a passage, under ``heading``) can be quoted."""
    s = s or AnswerSettings()
    line = " ".join(text.split())
    words = _WORD.findall(line)
    if len(words) < s.min_quote_words:
        return False
    if _TOC_LINE.search(text) or _CAPTION.match(line):
        return False
    ended = bool(_SENTENCE_END.search(line)) or line.endswith(":")
    if heading and line.rstrip(".:") == " ".join(heading.split()).rstrip(".:"):
        return False
    if not ended:
        if len(words) < s.fragment_words:
            return False  # a heading, a label, a fragment
        if _NUMBERED_HEADING.match(line) and len(words) < 2 * s.fragment_words:
            return False
        if _ACRONYM_ENTRY.match(line) and _all_capitalised(words):
            return False
    return True


def _all_capitalised(words: list[str]) -> bool:
    return all(w[:1].isupper() or w.lower() in _FUNCTION_WORDS or w.isdigit() for w in words)


def is_lead_in(text: str) -> bool:
    """ "The main laws related to cybercrime are the following:" — nothing without its list."""
    return _LEAD_IN.search(text) is not None


def list_after(text: str, end: int, limit: int) -> int | None:
    """Where the list introduced by a sentence ending at ``end`` ends (the quote's new end), or
    None when no list follows within ``limit`` characters."""
    new_end = None
    for m in re.finditer(r"[^\n]+", text[end:]):
        item = m.group(0)
        if not item.strip():
            continue
        if not _LIST_ITEM.match(item) or m.end() > limit:
            break
        new_end = end + m.start() + len(item.rstrip())
    return new_end
