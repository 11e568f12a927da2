"""The regex grammar for instrument and body names the gazetteer has never seen.

"Law on ...", "... Act (2007)", "Directive (EU) 2019/881", "Decision no. 1039", "CETS No. 108",
"XYZ-CERT", "<modifiers> Strategy/Convention/...", "<modifiers> Ministry/Agency/... of ...":
pure regex over the text, overlapping candidates allowed (the resolver flattens them).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from wbpolicy.enrich.tag.bodies import (
    apposition_acronyms,
    cert_of_country,
    local_bodies,
    local_name_key,
    strict_head_bodies,
)
from wbpolicy.enrich.tag.runs import (
    COORD_INSTR_HEADS,
    INSTR_HEAD_WORDS,
    ORG_HEAD_WORDS,
    ORG_HEADS,
    WORD,
    backward_run,
    forward_run,
)
from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS, TaggerSettings
from wbpolicy.knowledge.gazetteer import alias_key

PatternSpan = tuple[int, int, str]  # (start, end, label)

_YEAR_TAIL = re.compile(
    r"\s*(?:\(\s*\d{4}(?:\s*[-–/]\s*\d{2,4})?\s*\)|\d{4}\s*[-–]\s*\d{2,4}|\d{4})(?![\w/])"
)
_ACTION_PLAN_TAIL = re.compile(r"\s+(?:and|&)\s+(?:its\s+|an\s+)?Action\s+Plan\b")
_EU_TAIL = re.compile(
    r"\s+of\s+the\s+European\s+Parliament\s+and\s+of\s+the\s+Council"
    r"(?:\s+of\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4})?"
)
_INSTR_HEADS = re.compile(
    r"\b(?:Strategy|Action Plan|Declaration|Convention|Treaty|Protocol|Charter|Code|Guidelines"
    r"|Manual|Agenda|Concept|Act|Pledge|Resolution|Recommendation|Agreements?|Memorandum"
    r"|Statute|Policy Paper|White Paper)\b"
)
# Laws and codes named in Serbian (Cyrillic or Latin), Croatian, Bosnian and Albanian, in any
# case ending: "Закону о кривичном поступку", "Zakon o informacionoj bezbednosti", "Kazneni
# zakon", "Кривичном законику", "Ligji nr. 2/2017 për sigurinë kibernetike", "Kodi Penal".
# Their titles are lower case after the head, so they run to the next punctuation, at most
# TaggerSettings.local_title_max_words words.
_LOCAL_LAW = re.compile(
    r"(?<![\w-])(?:(?:[Зз]акон[а-я]{0,3}|[Zz]akon[a-z]{0,3})\s+(?:о|o|об)\s+"
    r"|[Ll]igj(?:i|it|in)?\s+(?:[Nn]r\.?\s*[\d/.-]+\s+)?(?:për|per|\"?për)\s+"
    r"|(?:[Kk]odi|[Kk]odit)\s+(?:i\s+|të\s+)?)"
)
_LOCAL_CODE = re.compile(
    r"(?<![\w-])(?:[Кк]ривичн[а-я]{1,3}\s+закони[кц][а-я]{0,3}|[Kk]rivičn[a-z]{1,3}\s+zakoni[kc]"
    r"[a-z]{0,3}|[Kk]aznen[a-z]{1,3}\s+zakon[a-z]{0,3})(?![\w-])"
)
_LOCAL_WORD = re.compile(r"\s+([^\W\d_]+\.?)")
_LOCAL_STOP = frozenset(
    "који која које којим што као и је су ће koji koja koje kojim što kao i je su će "
    "which that dhe që u është ishte ka kanë do janë".split()
)
_ORG_HEADS = re.compile(rf"\b(?:{'|'.join(ORG_HEADS)})\b")
_WEAK_HEADS = frozenset({"Board", "Group", "Team", "Forum"})
_CAPITALISED_NEXT = re.compile(r"[ \t]+(?!(?:The|A|An)\b)[A-Z][a-z]")
_GENERIC_ORG_HEADS = frozenset({"Organization", "Organisation", "Police", "Command"})
_GENERIC_ORG_MODIFIERS = frozenset(
    """International Regional Non-Governmental Non-governmental Nongovernmental Governmental
    Intergovernmental Inter-Governmental Non-Profit Non-profit Nonprofit Civil Society Member
    Partner Private Public Voluntary Umbrella Local Mission""".split()
)
_LAW_HEAD = re.compile(
    r"\b(?:(?!(?:The|This|That|A|An|New|Draft|Its|Each|Every|Such)\b)[A-Z][a-z]+\s+)?"
    r"Law\s+(?:[Nn]o\.?\s*[\w/.-]*\d[\w/.-]*\s+)?(?:on|of)\s+"
)
_LAW_NUMBER = re.compile(r"\bLaw\s+[Nn]o\.?\s*\d+/[A-Z]?-?\d+\b")
_ACT_ON = re.compile(r"\bAct\s+(?:on|concerning)\s+")
_DIRECTIVE = re.compile(
    r"\b(?:Council\s+|Commission\s+)?Directive\s+(?:\((?:EU|EC|EEC)\)\s+)?(?:[Nn]o\.?\s*)?"
    r"\d{2,4}/\d{1,4}(?:/(?:EU|EC|EEC|JHA|CE))?(?![\w/])"
)
_REGULATION = re.compile(
    r"\b(?:Council\s+|Commission\s+)?Regulation\s+\((?:EU|EC|EEC|Euratom)\)\s+(?:[Nn]o\.?\s*)?"
    r"\d{1,4}/\d{1,4}(?![\w/])"
)
_DECISION = re.compile(
    r"\b(?:(?:Council|Commission|Government|Framework|Council\s+Framework|Permanent\s+Council"
    r"|Ministerial\s+Council)\s+)?Decision\s+(?:[Nn]o\.?\s*)?\d+(?:/\d+)*(?:/(?:JHA|EU|EC|CFSP))?"
    r"(?![\w/])"
)
_TREATY_NUMBER = re.compile(r"\b(?:CETS|ETS)\s+(?:[Nn]o\.?\s*)?\d{1,3}\b")
_CERT = re.compile(
    r"\b(?:[A-Z][A-Za-z0-9]*-)+(?:CERT|CSIRT|CIRT)\b(?!-)"
    r"|\b(?:CERT|CSIRT|CIRT)[.-][A-Za-z]{2,}\b"
    r"|\b[A-Z]{2,}(?:CERT|CSIRT|CIRT)\b"
)
_INSTRUMENT_KINDS = (
    ("Directive", "directive"),
    ("Regulation", "regulation"),
    ("Decision", "decision"),
    ("Convention", "convention"),
    ("Strategy", "strategy"),
    ("Law", "law"),
    ("Act", "act"),
    ("Code", "code"),
    ("Action Plan", "plan"),
    ("Declaration", "declaration"),
    ("Treaty", "treaty"),
    ("Protocol", "protocol"),
    ("Agreement", "agreement"),
    ("Memorandum", "memorandum"),
)


# ----------------------------------------------------------------------------------------------
# ids for unseen names


def slugify(text: str) -> str:
    key = alias_key(text)
    key = re.sub(r"[^\w]+", "-", key).strip("-")
    return re.sub(r"-{2,}", "-", key)


def pattern_id(label: str, text: str) -> str:
    """The id of a name the gazetteer does not know: "law:law-on-electronic-signatures"."""
    t = re.sub(r"^(?:the|The)\s+", "", text)
    if label == "ORG":
        t = local_name_key(t) or t
    prefix = {"INSTRUMENT": _instrument_kind(t), "ORG": "org", "COUNTRY": "country"}[label]
    return f"{prefix}:{slugify(t)}"


def _instrument_kind(text: str) -> str:
    for word, kind in _INSTRUMENT_KINDS:
        if re.search(rf"\b{word}\b", text):
            return kind
    return "instrument"


# ----------------------------------------------------------------------------------------------
# the grammar


def find_pattern_entities(
    text: str,
    settings: TaggerSettings = DEFAULT_SETTINGS,
) -> list[PatternSpan]:
    """Regex-found (start, end, label) for instruments and bodies, overlapping allowed."""
    out: list[PatternSpan] = []

    def add(s: int, e: int, label: str) -> None:
        if e > s:
            out.append((s, e, label))

    for m in _LAW_HEAD.finditer(text):
        end = forward_run(text, m.end(), settings=settings)
        if end > m.end():
            add(m.start(), _year_tail(text, end), "INSTRUMENT")
    for m in _LAW_NUMBER.finditer(text):
        add(m.start(), m.end(), "INSTRUMENT")
    for m in _LOCAL_LAW.finditer(text):
        end = _local_title(text, m.end() - 1, settings.local_title_max_words)
        if end > m.end():
            add(m.start(), _year_tail(text, end), "INSTRUMENT")
    for m in _LOCAL_CODE.finditer(text):
        add(m.start(), m.end(), "INSTRUMENT")
    for m in _ACT_ON.finditer(text):
        end = forward_run(text, m.end(), settings=settings)
        if end > m.end():
            start = backward_run(text, m.start(), settings)
            add(start, _year_tail(text, end), "INSTRUMENT")
    for rx in (_DIRECTIVE, _REGULATION):
        for m in rx.finditer(text):
            t = _EU_TAIL.match(text, m.end())
            add(m.start(), t.end() if t else m.end(), "INSTRUMENT")
    for rx in (_DECISION, _TREATY_NUMBER):
        for m in rx.finditer(text):
            add(m.start(), m.end(), "INSTRUMENT")
    for m in _CERT.finditer(text):
        add(m.start(), m.end(), "ORG")
    for m in _INSTR_HEADS.finditer(text):
        _head_entity(text, m, "INSTRUMENT", add, settings)
    for m in _ORG_HEADS.finditer(text):
        _head_entity(text, m, "ORG", add, settings)
    for s, e, label in (
        *strict_head_bodies(text, settings),
        *cert_of_country(text),
        *apposition_acronyms(text),
        *local_bodies(text, settings),
    ):
        add(s, e, label)
    out = [c for c in out if not _generic(c, text)]
    return _cut_coordinated(out, text)


def _local_title(text: str, pos: int, max_words: int) -> int:
    """The end of a lower-case local-language title starting after ``pos`` (a space): words up
    to the next punctuation, a relative pronoun or conjunction, or ``max_words``."""
    end, n = pos, 0
    while n < max_words:
        m = _LOCAL_WORD.match(text, end)
        if m is None or m.group(1).rstrip(".").lower() in _LOCAL_STOP:
            break
        end = m.end() - (1 if m.group(1).endswith(".") else 0)
        n += 1
        if m.group(1).endswith("."):
            break
    return end


# "to establish a Computer Security Incident Response Team (CSIRT)", "each National Cyber Security
# Council": an indefinite or distributive determiner makes a title-cased phrase a kind, not a name.
# A body is generic whatever follows; an instrument only when it is bare modifiers + head ("a
# Memorandum of Understanding with X", "a Law on ...": one specific, if unnamed, document).
_INDEFINITE_BEFORE = re.compile(r"(?<![\w-])(?:a|an|each|every|any)\s+$")
_ENDS_WITH_INSTR_HEAD = re.compile(_INSTR_HEADS.pattern + r"$")


def _generic(c: PatternSpan, text: str) -> bool:
    start, end, label = c
    if not _INDEFINITE_BEFORE.search(text, 0, start):
        return False
    return label == "ORG" or bool(_ENDS_WITH_INSTR_HEAD.search(text, start, end))


_AND_GAP = re.compile(r"\s+(?:and|&)\s+")


def _cut_coordinated(cands: list[PatternSpan], text: str) -> list[PatternSpan]:
    """A backward run may cross an "and" into the end of another title ("Agreement on the Regional
    Representation and Brussels Agreement"): start such a span after the "and" when another
    candidate of the same label ends right before it."""
    out = []
    for s, e, label in cands:
        for s2, e2, l2 in cands:
            if l2 == label and s2 < s < e2 < e:
                m = _AND_GAP.match(text, e2)
                if m and m.end() < e:
                    s = m.end()
                    break
        out.append((s, e, label))
    return out


_FWD_CONNECTOR = re.compile(r"\s+(?:on|for|of|against|to|concerning)\s+(?:the\s+)?")


def _head_entity(
    text: str,
    m: re.Match[str],
    label: str,
    add: Callable[[int, int, str], None],
    settings: TaggerSettings = DEFAULT_SETTINGS,
) -> None:
    head = m.group(0)
    start = backward_run(text, m.start(), settings)
    end = m.end()
    fwd = _FWD_CONNECTOR.match(text[end:])
    nxt_word = WORD.match(text, end + fwd.end()) if fwd else None
    if nxt_word and label == "ORG" and nxt_word.group(0) in ORG_HEAD_WORDS:
        fwd = None  # "Forensic Department of the Ministry of Interior": two bodies
    if fwd and not (head == "Act" and start == m.start()):
        run_end = forward_run(
            text,
            end + fwd.end(),
            allow_lower=(label == "INSTRUMENT"),
            stop_heads=(ORG_HEAD_WORDS | INSTR_HEAD_WORDS) if label == "ORG" else frozenset(),
            coord_heads=COORD_INSTR_HEADS if label == "INSTRUMENT" else frozenset(),
            settings=settings,
        )
        if run_end > end + fwd.end():
            end = run_end
    if label == "INSTRUMENT":
        ap = _ACTION_PLAN_TAIL.match(text, end)
        if ap and head == "Strategy":
            end = ap.end()
        end = _year_tail(text, end)
    if _keeps_head_entity(text, m, start, end, fwd is not None):
        add(start, end, label)


def _keeps_head_entity(text: str, m: re.Match[str], start: int, end: int, fwd: bool) -> bool:
    """Whether a head with its modifiers and complement is a name, not a generic mention."""
    head = m.group(0)
    if start == m.start() and (end == m.end() or not fwd):
        return False  # a bare head word ("the Strategy", "Council", "Strategy 2021") is anaphoric
    if head == "Protocol" and not fwd:
        return False  # "Internet Protocol"; treaties are "Protocol to/on ..."
    if head == "Act" and start == m.start():
        return False
    if head in _GENERIC_ORG_HEADS and not fwd:
        mods = text[start : m.start()].split()
        if all(w in _GENERIC_ORG_MODIFIERS for w in mods):
            return False  # "International Organisation", "Non-Governmental Organization"
        if _CAPITALISED_NEXT.match(text, m.end()):
            return False  # "Technical and Organization Measures": the head is a modifier
    if head in _WEAK_HEADS and end == m.end():
        # "Board", "Group", "Team", "Forum": two real modifiers ("ICT Response Board"), never
        # just "Working Group" / "Expert Group", which are generic
        mods = [w for w in text[start : m.start()].split() if w not in ("Working", "Expert")]
        if len(mods) < 2:
            return False
    if head == "Act" and end == m.end():
        # "... Act" needs two capitalised words before it or a year: "Data Secrecy Act (2007)"
        n_mod = len(text[start : m.start()].split())
        if n_mod < 2 and not _YEAR_TAIL.match(text, m.end()):
            return False
    return True


def _year_tail(text: str, end: int) -> int:
    m = _YEAR_TAIL.match(text, end)
    if m and (m.group(0).lstrip().startswith("(") or text[end : end + 1] == " "):
        return m.end()
    return end
