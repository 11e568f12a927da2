"""One line of text: rendering artefacts undone, and what the line looks like.

Shared by the plain-text, markdown and HTML parsers: the numbered/labelled heading test
(:func:`heading_level`), upper-case and title-case headings, bullets, enumerations, contents
leaders, and the section levels the parsers nest headings at.
"""

from __future__ import annotations

import re

from wbpolicy.text import normalise_ws

from .layout import TextLayout

_PRIVATE_BULLETS = {"\uf0b7": "•", "\uf0a7": "▪", "\uf076": "❖", "\uf0d8": "➢", "\uf0fc": "✓"}
BULLET = re.compile(r"^(?:[•●▪■◦○·➢❖✓►*]|[-–—](?![-–—])|o(?=\s))\s*")
RULE_LINE = re.compile(r"^[-_=*.·•~]{4,}$")
ENUM = re.compile(
    r"^(?:\(?[a-zA-Z]\)|\(?\d{1,3}\)|\(?[ivxIVX]{1,4}\)|\d{1,2}\.(?!\d)|[a-z]\.|[ivx]{1,4}\.)\s+"
)
ENUM_ONLY = re.compile(r"^(?:\(?[a-zA-Z]\)|\(?\d{1,3}\)|\(?[ivxIVX]{1,4}\)|[a-z]\.|[ivx]{1,4}\.)$")
TOC_LEADER = re.compile(r"(?:\.{4,}|…{2,}|(?:\. ){4,}|_{5,})\s*\S{0,6}\s*$|\.{3,}\s*\d{1,3}\s*$")
# the leader is looked for in a line's tail only: the pattern is anchored at the end, and
# searching a long run of dots from every start position would be quadratic
LEADER_TAIL = 64


def has_toc_leader(line: str) -> bool:
    """ "4.4 Kosovo* .......... 18": a contents entry's dot leader and page number."""
    return TOC_LEADER.search(line[-LEADER_TAIL:]) is not None


def strip_toc_leader(line: str) -> str:
    """The entry without its leader and page number (the whole run of dots, however long)."""
    tail = line[-LEADER_TAIL:]
    m = TOC_LEADER.search(tail)
    if m is None:
        return line
    head = line[: len(line) - len(tail) + m.start()]
    if m.start() == 0 and len(line) > LEADER_TAIL:  # the run of dots goes on before the tail
        return head.rstrip(".…_ ")
    return head


NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(?P<title>\S.*)$")
ROMAN_HEADING = re.compile(r"^(?P<num>[IVXLC]{1,6})\.\s+(?P<title>\S.*)$")
LABEL = re.compile(
    r"^(?P<label>part|chapter|section|title|article|annex|appendix|član|članak|clan|"
    r"glava|poglavlje|kreu|neni|pjesa|pjesë|deo|dio|члан|глава|део|одељак)"
    r"\s+(?P<num>[ivxlcd]+|\d{1,3}[a-z]?)\b\.?(?P<rest>.*)$",
    re.IGNORECASE,
)
LABEL_LEVELS = {
    **dict.fromkeys(["part", "deo", "dio", "део", "pjesa", "pjesë"], 1),
    **dict.fromkeys(["chapter", "glava", "глава", "poglavlje", "kreu", "annex", "appendix"], 2),
    **dict.fromkeys(["section", "одељак"], 3),
    "title": 4,
    **dict.fromkeys(["article", "član", "članak", "clan", "члан", "neni"], 7),
}
FRONT_MATTER = frozenset(
    [
        "contents",
        "table of contents",
        "content",
        "foreword",
        "preface",
        "introduction",
        "summary",
        "executive summary",
        "conclusion",
        "conclusions",
        "references",
        "bibliography",
        "glossary",
        "abbreviations",
        "acronyms",
        "list of abbreviations",
        "annexes",
        "acknowledgements",
        "background",
        "sadržaj",
        "садржај",
        "përmbajtja",
        "pasqyra e lëndës",
        "uvod",
        "увод",
        "hyrje",
        "zaključak",
        "закључак",
        "definitions",
        "index",
    ]
)
CONTENTS_TITLES = frozenset(
    [
        "contents",
        "table of contents",
        "content",
        "sadržaj",
        "садржај",
        "përmbajtja",
        "pasqyra e lëndës",
        "índice",
        "inhalt",
        "inhoud",
    ]
)
SENT_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
FULL_STOP_END = re.compile(r"[.!?][\"'”’)\]]*$")
ARTICLE_LEVEL = 7
SUBTITLE_LEVEL = 6  # a titled group of articles (the bold line above "Члан 1.")
TOP_LEVEL = 3  # first-level numbered headings and unnumbered headings outside numbered ones


def clean_line(raw: str, layout: TextLayout) -> str:
    """Whitespace-normalise one line and undo letter-spacing / overprint doubling."""
    # soft hyphens: keep only those inside a word or ending the line after a letter
    s = re.sub(r"(?<=[^\W\d_])\u00ad\s+(?=[^\W\d_])", "\u00ad", raw.strip())
    s = re.sub(r"\u00ad(?![^\W\d_]|$)|(?<![^\W\d_])\u00ad", "", s)
    for k, v in _PRIVATE_BULLETS.items():
        s = s.replace(k, v)
    # "R E P U B L I K A   E   S H Q I P Ë R I S Ë": single spaces inside words, runs between
    letters = [t for t in s.split(" ") if t]
    if (
        len(letters) >= layout.spaced_min_letters
        and all(len(t) == 1 for t in letters)
        and re.search(r"\S {2,}\S", s)
    ):
        s = " ".join(w.replace(" ", "") for w in re.split(r" {2,}", s))
    s = normalise_ws(s)
    if RULE_LINE.match(s):
        return ""  # a drawn rule, not text
    words = s.split(" ")
    if all(_is_doubled(w) for w in words) and any(
        len(w) >= layout.doubled_min_chars for w in words
    ):
        s = " ".join(w[::2] for w in words)
    return s


def _is_doubled(word: str) -> bool:
    return len(word) >= 2 and len(word) % 2 == 0 and word[0::2] == word[1::2]


def norm_key(line: str) -> str:
    """Case-folded line without trailing ``:``/``.``, for comparing headings with word lists."""
    return normalise_ws(line.rstrip(":.")).casefold()  # rstrip: linear on a run of dots


def heading_level(s: str, layout: TextLayout) -> tuple[int, bool] | None:
    """``(level, is_label)`` when ``s`` looks like a numbered or labelled heading, else None."""
    if len(s) > layout.heading_max_chars or has_toc_leader(s):
        return None
    m = LABEL.match(s)
    if m:
        rest = m.group("rest").strip()
        rest_body = rest.lstrip(":.-–— ")
        if not rest or (
            rest_body[:1].isupper()
            and len(rest_body) <= layout.label_title_max_chars
            and not FULL_STOP_END.search(rest_body)
            and rest[:1] in ":.-–— "
        ):
            return LABEL_LEVELS[m.group("label").casefold()], not rest
        return None
    m = ROMAN_HEADING.match(s)
    if m and _title_ok(m.group("title"), layout) and is_caps(m.group("title"), layout):
        return 2, False
    m = NUMBERED.match(s)
    # a sub-section number ("6.4") is rarely a list item's: its title may list more ("Education,
    # research, development and awareness")
    commas = layout.subsection_title_max_commas if m and "." in m.group("num") else None
    if m and _title_ok(m.group("title"), layout, commas):
        parts = m.group("num").split(".")
        if int(parts[0]) == 0 or int(parts[0]) > layout.max_section_number:
            return None
        return TOP_LEVEL + len(parts) - 1, False
    return None


def _title_ok(title: str, layout: TextLayout, max_commas: int | None = None) -> bool:
    return (
        bool(title[:1])
        and title[0].isupper()
        and len(title.split()) <= layout.title_max_words
        and title.count(",") <= (layout.title_max_commas if max_commas is None else max_commas)
        and "http" not in title
        and "www." not in title
        and not re.search(r"[.,;:]$", title)
        and len(re.findall(r"[^\W\d_]{2,}", title)) >= 1
    )


def number_of(line: str) -> tuple[int, ...] | None:
    """The section number of a numbered line ("2.3 Goals" -> (2, 3)), else None."""
    m = NUMBERED.match(line)
    return tuple(int(x) for x in m.group("num").split(".")) if m else None


def is_caps(s: str, layout: TextLayout) -> bool:
    """Whether ``s`` is (nearly) all upper case."""
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= layout.caps_min_letters and sum(
        c.isupper() for c in letters
    ) >= layout.caps_min_share * len(letters)


def is_caps_heading(s: str, layout: TextLayout) -> bool:
    """An unnumbered heading set in upper case."""
    if (
        len(s) > layout.caps_heading_max_chars
        or len(s.split()) > layout.caps_heading_max_words
        or re.search(r"[,;]$", s)
        or has_toc_leader(s)
    ):
        return False
    if BULLET.match(s) and not s[:1].isalnum():
        return False
    return is_caps(s, layout)


def is_title_heading(s: str, layout: TextLayout) -> bool:
    """A short unnumbered heading in title case ("Legal Measures")."""
    if (
        len(s) > layout.title_heading_max_chars
        or re.search(r"[.,;:!?]$", s)
        or not s[:1].isupper()
        or BULLET.match(s)
    ):
        return False
    words: list[str] = re.findall(r"[^\W\d_][\w’'-]*", s)
    if not words or len(s.split()) > layout.title_heading_max_words:
        return False
    long_words = [w for w in words if len(w) >= layout.title_long_word_chars]
    if not long_words:
        return len(words) <= layout.title_short_max_words
    return sum(w[0].isupper() for w in long_words) >= layout.title_case_share * len(long_words)


def starts_lower(s: str) -> bool:
    return bool(s) and s[0].islower()
