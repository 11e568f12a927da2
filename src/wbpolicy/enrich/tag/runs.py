"""Name runs: the capitalised modifiers before a head word ("National Cyber Security" before
"Strategy") and the title after it ("Law on (Prevention and Fight of) Cyber Crime").

Helpers of the grammar (:mod:`.grammar`); pure string work over the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS, TaggerSettings
from wbpolicy.knowledge import get_gazetteer

WORD = re.compile(r"\(|\)|[^\s()]+")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CONNECTORS = _wordset("of and on for the in to against with from by an a & concerning regarding")
# Capitalised words that start sentences or are determiners, never the first word of a name.
_NOT_NAME_START = _wordset(
    """The This That These Those Its Their His Her Our Your My A An Such Each Every Any Both All
    No Not In On As For With By Under Within While Although However Moreover Also Furthermore
    According Following Since When Once After Before Some Many Most Other Another If But And Or
    Of To At From Through Per Via Between Among Against About Upon Into Over Without Draft New
    Namely Instead Besides Therefore Thus Finally First Second Third Only Even Further Current
    Existing Relevant Respective Said Whole Entire Latest Previous Former Future Several Two Three
    Four Five Six Seven Eight Head Director Minister Chief Secretary President Member Members
    Part Representatives Formerly Deputy Chair Chairman Speaker Mr Ms Mrs Dr"""
)
_LOWER_STOP = _wordset(
    """which that who whom whose was were is are be been being has have had will shall would
    should may might can could must not but or its their his her this these those such as also
    i.e. e.g. etc. than then there here where when while so if into until since during through
    within between among"""
)

_YEARS_INSERT = re.compile(r"\d{4}(?:\s*[-–/]\s*\d{2,4})?")
_OPEN_QUOTES = ("“", '"', "‘")

# Head words of bodies, in the order the grammar's regex tries them.
ORG_HEADS = (
    "Ministry", "Agency", "Directorate", "Department", "Office", "Council", "Centre", "Center",
    "Authority", "Bureau", "Committee", "Institute", "University", "Unit", "Association",
    "Foundation", "Secretariat", "Commission", "Inspectorate", "Board", "Group", "Team", "Forum",
    "Police", "Command", "Organization", "Organisation",
)  # fmt: skip
ORG_HEAD_WORDS = frozenset(ORG_HEADS)
INSTR_HEAD_WORDS = _wordset(
    """Strategy Law Act Convention Directive Regulation Decision Treaty Code Declaration Protocol
    Charter Framework Agreement Agreements Memorandum"""
)
# Heads that start a second, coordinated title: "Agreement on the Regional Representation and
# Brussels Agreement" is two instruments, not one.
COORD_INSTR_HEADS = _wordset(
    """Strategy Law Act Convention Directive Regulation Decision Treaty Declaration Protocol
    Charter Agreement Agreements Memorandum"""
)


def _words(text: str, start: int, end: int | None = None) -> Iterator[re.Match[str]]:
    return WORD.finditer(text, start, len(text) if end is None else end)


def _is_cap(word: str) -> bool:
    w = word.lstrip("“\"'‘")
    return bool(w) and (w[0].isupper() or w[0].isdigit())


def _strip_trailing_punct(word: str) -> tuple[str, bool]:
    """Split a trailing sentence punctuation mark off a word: ("Security,", True)."""
    stripped = word.rstrip(",;:.!?”\"'’]")
    if stripped.endswith(("'s", "’s")):
        return stripped, True
    return stripped, stripped != word


def _paragraph_break(text: str, start: int, end: int) -> bool:
    gap = text[start:end]
    return "\n\n" in gap or "\f" in gap


@dataclass
class _Run:
    """The state of a forward run: where the name ends so far, and what it has seen."""

    best: int
    before_and: int | None = None  # where the run ended before its last "and"
    lower_run: int = 0
    n: int = 0


_GO, _STOP, _BACK = "go", "stop", "back"


def forward_run(
    text: str,
    pos: int,
    *,
    allow_lower: bool = True,
    stop_heads: frozenset[str] = frozenset(),
    coord_heads: frozenset[str] = frozenset(),
    settings: TaggerSettings = DEFAULT_SETTINGS,
) -> int:
    """End offset of a title-cased name run starting at ``pos`` (``pos`` if there is none).

    The run takes capitalised words, inner connectors ("of", "and", "the"...), a few lower-case
    content words ("Law on free Access to public Information") and parenthesised inserts
    ("Law on (Prevention and Fight of) Cyber Crime"); it ends on its last capitalised word,
    before verbs/relative pronouns, punctuation, a new "and the ..." item or a blank line.
    """
    run = _Run(best=pos)
    it = list(_words(text, pos, min(len(text), pos + settings.forward_window_chars)))
    i = 0
    prev_end = pos
    while i < len(it) and run.n < settings.forward_max_words:
        m = it[i]
        if _paragraph_break(text, prev_end, m.start()):
            break
        w = m.group(0)
        if w == "(":
            close = _paren_insert(text, it, i, run, settings)
            if close is None:
                break
            i = close + 1
            prev_end = it[close].end()
            continue
        if w == ")":
            break
        step = _run_word(w, m, it, i, run, allow_lower, stop_heads, coord_heads, settings)
        if step == _BACK:
            assert run.before_and is not None
            return run.before_and
        if step == _STOP:
            break
        run.n += 1
        prev_end = m.end()
        i += 1
    return run.best


def _paren_insert(
    text: str,
    it: list[re.Match[str]],
    i: int,
    run: _Run,
    settings: TaggerSettings,
) -> int | None:
    """At a "(" in a run: the index of its ")" if the insert belongs to the name, else None
    (a bracketed year ends the name and is taken into it)."""
    window = min(i + 1 + settings.paren_window_words, len(it))
    close = next((j for j in range(i + 1, window) if it[j].group(0) == ")"), None)
    if close is None:
        return None
    inner = [it[j].group(0) for j in range(i + 1, close)]
    nxt = it[close + 1].group(0) if close + 1 < len(it) else ""
    gap = text[it[close].end() : it[close + 1].start()] if close + 1 < len(it) else ""
    inner_txt = " ".join(inner)
    if _YEARS_INSERT.fullmatch(inner_txt.replace(" ", "")):
        run.best = it[close].end()
        return None
    if (
        inner
        and all(_is_cap(x) or x in _CONNECTORS for x in inner)
        and any(len(x) > 1 and not x.isupper() for x in inner if _is_cap(x))
        and _is_cap(nxt)
        and gap.strip() == ""
    ):
        return close
    return None


def _run_word(
    w: str,
    m: re.Match[str],
    it: list[re.Match[str]],
    i: int,
    run: _Run,
    allow_lower: bool,
    stop_heads: frozenset[str],
    coord_heads: frozenset[str],
    settings: TaggerSettings,
) -> str:
    """Take one word into a forward run: _GO, _STOP, or _BACK (end before the last "and")."""
    core, cut = _strip_trailing_punct(w)
    if core.endswith(("'s", "’s")):
        return _STOP
    if not core or not (core[0].isalnum() or core[0] in '“"‘'):
        return _STOP
    lw = core.lower()
    if lw in _CONNECTORS:
        nxt = it[i + 1].group(0) if i + 1 < len(it) else ""
        if cut or not _connector_continues(lw, nxt):
            return _STOP
        if lw in ("and", "&"):
            run.before_and = run.best
        run.lower_run = 0
        return _GO
    if core[0].isdigit():
        return _STOP  # years and dates end a name; _year_tail takes "(2014-2020)"
    if _is_cap(core):
        if core.startswith(_OPEN_QUOTES) and not core[1:2].isupper():
            return _STOP
        if core in stop_heads and run.n > 0:
            return _STOP  # "Forensic Department of the Ministry of Interior": two bodies
        if core in coord_heads and run.before_and is not None:
            return _BACK  # "... Representation and Brussels Agreement": two titles
        run.best = m.start() + len(core)
        run.lower_run = 0
        return _STOP if cut else _GO
    if (
        not allow_lower
        or lw in _LOWER_STOP
        or lw.endswith(("ed", "ing", "ly"))
        or run.lower_run >= settings.lower_run_max
        or not lw.isalpha()
    ):
        return _STOP
    run.lower_run += 1
    return _STOP if cut else _GO


def _connector_continues(lw: str, nxt: str) -> bool:
    """Whether a connector inside a run is followed by more of the same name."""
    if lw in ("and", "&") and nxt.lower() in ("the", "a", "an", "its", "their"):
        return False
    if re.match(r"\d{4}\b", nxt) and lw in ("in", "of", "from", "by", "on"):
        return False
    # "Memorandum of Cooperation with the Initiative ...": a partner follows
    return not (lw == "with" and nxt.lower() not in ("regard", "respect"))


def backward_run(text: str, pos: int, settings: TaggerSettings = DEFAULT_SETTINGS) -> int:
    """Start offset of the capitalised modifiers right before ``pos`` ("National Cyber Security"
    before "Strategy"); ``pos`` if there are none."""
    seg_start = max(0, pos - settings.backward_window_chars)
    words = list(_words(text, seg_start, pos))
    start = pos
    pending: str | None = None  # a connector waiting for a capitalised word before it
    start_at_and: int | None = None
    n_at_and = 0
    accepted: list[re.Match[str]] = []
    for m in reversed(words):
        w = m.group(0)
        if _paragraph_break(text, m.end(), start):
            break
        if w in "()" or w.endswith((",", ";", ":", ".", "!", "?", "”", '"', "'s", "’s", ")", "]")):
            break
        if w.lower() in ("of", "and", "&", "for", "on"):
            if pending is not None:
                break
            pending = w.lower()
            if pending in ("and", "&"):
                start_at_and, n_at_and = start, len(accepted)
            continue
        if w.startswith((*_OPEN_QUOTES, "[")):
            if _is_cap(w[1:]) and pending is None and w[1:] not in _NOT_NAME_START:
                start = m.start() + 1
            break
        if not _modifier_ok(w, pending):
            break
        if pending is not None and (w in ORG_HEAD_WORDS or w in INSTR_HEAD_WORDS):
            if start_at_and is not None:  # "Ministry of Defence and Ministry of ...": two bodies
                start, accepted = start_at_and, accepted[:n_at_and]
            break
        start = m.start()
        accepted.append(m)
        pending = None
        if len(accepted) >= settings.backward_max_words:
            break
    return _trim_start(text, accepted, start, pos)


def _modifier_ok(w: str, pending: str | None) -> bool:
    """Whether a word before a head may be one of its modifiers."""
    if not _is_cap(w) or w in _NOT_NAME_START:
        return False
    if re.search(r"-[a-z]", w) and not re.search(r"[a-z]-", w):
        return False  # "NATO-accredited", "Tallinn-based": an attribute, not part of the name
    # "NATO and Norwich University": two names
    return not (pending in ("and", "&") and w.isupper())


def _trim_start(text: str, accepted: list[re.Match[str]], start: int, pos: int) -> int:
    """Never start a name with a section number, a year or a demonym ("Serbian Ministry of")."""
    gaz = get_gazetteer()
    for m in reversed(accepted):
        w = m.group(0)
        if w[0].isdigit() or gaz.demonym(w) is not None:
            nxt = WORD.search(text, m.end(), pos)
            start = nxt.start() if nxt else pos
            while True:
                nm = re.match(r"\s*(?:of|and|&|for|on)\s+", text[start:pos])
                if not nm:
                    break
                start += nm.end()
            continue
        break
    return start
