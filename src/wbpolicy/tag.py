"""Entity tagging: countries, organisations and instruments with canonical ids.

A blank English spaCy pipeline (no model download): tokenizer tuned for policy text, sentencizer,
two ``SpanRuler`` components fed from the gazetteer (acronyms matched on ORTH, names on LOWER), a
regex component for instruments and bodies the gazetteer has never seen ("Law on ...",
"Directive (EU) 2019/881", "XYZ-CERT"...), and a resolver that keeps flat, maximal spans
(longest wins; gazetteer beats pattern on an equal span), splits a country off the end of an
organisation name ("Ministry of Interior of Republika Srpska" -> ORG + COUNTRY) and leaves
the asterisk of "Kosovo*" and possessive "'s" outside the spans.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from wbpolicy.knowledge import get_gazetteer
from wbpolicy.knowledge.gazetteer import Gazetteer, alias_key
from wbpolicy.models import Entity

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

CAND_KEY = "wb_candidates"
ENT_KEY = "wb_entities"
_SOURCE_PATTERN = "pattern"

# ----------------------------------------------------------------------------------------------
# Pattern machinery (pure regex over the text; spans are then aligned to spaCy tokens)

_WORD = re.compile(r"\(|\)|[^\s()]+")
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
_YEAR_TAIL = re.compile(
    r"\s*(?:\(\s*\d{4}(?:\s*[-–/]\s*\d{2,4})?\s*\)|\d{4}\s*[-–]\s*\d{2,4}|\d{4})(?![\w/])"
)
_ACTION_PLAN_TAIL = re.compile(r"\s+(?:and|&)\s+(?:its\s+|an\s+)?Action\s+Plan\b")
_EU_TAIL = re.compile(
    r"\s+of\s+the\s+European\s+Parliament\s+and\s+of\s+the\s+Council"
    r"(?:\s+of\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4})?"
)


@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    label: str
    id: str | None
    source: str  # gazetteer | pattern


def _words(text: str, start: int, end: int | None = None) -> Iterator[re.Match[str]]:
    return _WORD.finditer(text, start, len(text) if end is None else end)


def _is_cap(word: str) -> bool:
    w = word.lstrip("“\"'‘")
    return bool(w) and (w[0].isupper() or w[0].isdigit())


def _strip_trailing_punct(word: str) -> tuple[str, bool]:
    """Split a trailing sentence punctuation mark off a word: ("Security,", True)."""
    stripped = word.rstrip(",;:.!?”\"'’]")
    if stripped.endswith(("'s", "’s")):
        return stripped, True
    return stripped, stripped != word


def _forward_run(
    text: str, pos: int, *, allow_lower: bool = True, max_words: int = 18,
    stop_heads: frozenset[str] = frozenset(), coord_heads: frozenset[str] = frozenset(),
) -> int:
    """End offset of a title-cased name run starting at ``pos`` (``pos`` if there is none).

    The run takes capitalised words, inner connectors ("of", "and", "the"...), a few lower-case
    content words ("Law on free Access to public Information") and parenthesised inserts
    ("Law on (Prevention and Fight of) Cyber Crime"); it ends on its last capitalised word,
    before verbs/relative pronouns, punctuation, a new "and the ..." item or a blank line.
    """
    best = pos
    before_and: int | None = None  # where the run ended before its last "and"
    lower_run = 0
    n = 0
    it = list(_words(text, pos, min(len(text), pos + 400)))
    i = 0
    prev_end = pos
    while i < len(it) and n < max_words:
        m = it[i]
        if "\n\n" in text[prev_end : m.start()] or "\f" in text[prev_end : m.start()]:
            break
        w = m.group(0)
        if w == "(":
            close = next((j for j in range(i + 1, min(i + 9, len(it))) if it[j].group(0) == ")"),
                         None)
            if close is None:
                break
            inner = [it[j].group(0) for j in range(i + 1, close)]
            nxt = it[close + 1].group(0) if close + 1 < len(it) else ""
            gap = text[it[close].end() : it[close + 1].start()] if close + 1 < len(it) else ""
            inner_txt = " ".join(inner)
            if re.fullmatch(r"\d{4}(?:\s*[-–/]\s*\d{2,4})?", inner_txt.replace(" ", "")):
                best = it[close].end()
                break
            if (inner and all(_is_cap(x) or x in _CONNECTORS for x in inner)
                    and any(len(x) > 1 and not x.isupper() for x in inner if _is_cap(x))
                    and _is_cap(nxt) and gap.strip() == ""):
                i = close + 1
                prev_end = it[close].end()
                continue
            break
        if w == ")":
            break
        core, cut = _strip_trailing_punct(w)
        if core.endswith(("'s", "’s")):
            break
        if not core or not (core[0].isalnum() or core[0] in "“\"‘"):
            break
        lw = core.lower()
        if lw in _CONNECTORS:
            nxt = it[i + 1].group(0) if i + 1 < len(it) else ""
            if lw in ("and", "&") and nxt.lower() in ("the", "a", "an", "its", "their"):
                break
            if re.match(r"\d{4}\b", nxt) and lw in ("in", "of", "from", "by", "on"):
                break
            if lw == "with" and nxt.lower() not in ("regard", "respect"):
                break  # "Memorandum of Cooperation with the Initiative ...": a partner follows
            if cut:
                break
            if lw in ("and", "&"):
                before_and = best
            lower_run = 0
        elif core[0].isdigit():
            break  # years and dates end a name; _year_tail takes "(2014-2020)"
        elif _is_cap(core):
            if core.startswith(("“", '"', "‘")) and not core[1:2].isupper():
                break
            if core in stop_heads and n > 0:
                break  # "Forensic Department of the Ministry of Interior": two bodies
            if core in coord_heads and before_and is not None:
                return before_and  # "... Representation and Brussels Agreement": two titles
            best = m.start() + len(core)
            lower_run = 0
            if cut:
                break
        else:
            if (not allow_lower or lw in _LOWER_STOP or lw.endswith(("ed", "ing", "ly"))
                    or lower_run >= 2 or not lw.isalpha()):
                break
            lower_run += 1
            if cut:
                break
        n += 1
        prev_end = m.end()
        i += 1
    return best


def _backward_run(text: str, pos: int, max_words: int = 8) -> int:
    """Start offset of the capitalised modifiers right before ``pos`` ("National Cyber Security"
    before "Strategy"); ``pos`` if there are none."""
    seg_start = max(0, pos - 200)
    words = list(_words(text, seg_start, pos))
    start = pos
    pending: str | None = None  # a connector waiting for a capitalised word before it
    start_at_and: int | None = None
    n_at_and = 0
    count = 0
    accepted: list[re.Match[str]] = []
    for m in reversed(words):
        w = m.group(0)
        if "\n\n" in text[m.end() : start] or "\f" in text[m.end() : start]:
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
        if w.startswith(("“", '"', "‘", "[")):
            if _is_cap(w[1:]) and pending is None and w[1:] not in _NOT_NAME_START:
                start = m.start() + 1
            break
        if not _is_cap(w) or w in _NOT_NAME_START:
            break
        if re.search(r"-[a-z]", w) and not re.search(r"[a-z]-", w):
            break  # "NATO-accredited", "Tallinn-based": an attribute, not part of the name
        if pending in ("and", "&") and w.isupper():
            break  # "NATO and Norwich University": two names
        if pending is not None and (w in _ORG_HEAD_WORDS or w in _INSTR_HEAD_WORDS):
            if start_at_and is not None:  # "Ministry of Defence and Ministry of ...": two bodies
                start, accepted = start_at_and, accepted[:n_at_and]
            break
        start = m.start()
        accepted.append(m)
        pending = None
        count += 1
        if count >= max_words:
            break
    # never start a name with a section number, a year or a demonym ("Serbian Ministry of ...")
    from wbpolicy.knowledge import get_gazetteer

    gaz = get_gazetteer()
    for m in reversed(accepted):
        w = m.group(0)
        if w[0].isdigit() or gaz.demonym(w) is not None:
            nxt = _WORD.search(text, m.end(), pos)
            start = nxt.start() if nxt else pos
            while True:
                nm = re.match(r"\s*(?:of|and|&|for|on)\s+", text[start:pos])
                if not nm:
                    break
                start += nm.end()
            continue
        break
    return start


_INSTR_HEADS = re.compile(
    r"\b(?:Strategy|Action Plan|Declaration|Convention|Treaty|Protocol|Charter|Code|Guidelines"
    r"|Manual|Agenda|Concept|Act|Pledge|Resolution|Recommendation|Agreements?|Memorandum)\b"
)
_ORG_HEADS = re.compile(
    r"\b(?:Ministry|Agency|Directorate|Department|Office|Council|Centre|Center|Authority|Bureau"
    r"|Committee|Institute|University|Unit|Association|Foundation|Secretariat|Commission"
    r"|Inspectorate|Board|Group|Team|Forum)\b"
)
_ORG_HEAD_WORDS = frozenset(_ORG_HEADS.pattern.split("(?:")[1].split(")")[0].split("|"))
_WEAK_HEADS = frozenset({"Board", "Group", "Team", "Forum"})
_INSTR_HEAD_WORDS = frozenset(
    {"Strategy", "Law", "Act", "Convention", "Directive", "Regulation", "Decision", "Treaty",
     "Code", "Declaration", "Protocol", "Charter", "Framework", "Agreement", "Agreements",
     "Memorandum"}
)
# Heads that start a second, coordinated title: "Agreement on the Regional Representation and
# Brussels Agreement" is two instruments, not one.
_COORD_INSTR_HEADS = frozenset(
    {"Strategy", "Law", "Act", "Convention", "Directive", "Regulation", "Decision", "Treaty",
     "Declaration", "Protocol", "Charter", "Agreement", "Agreements", "Memorandum"}
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


def slugify(text: str) -> str:
    key = alias_key(text)
    key = re.sub(r"[^\w]+", "-", key).strip("-")
    return re.sub(r"-{2,}", "-", key)


def _pattern_id(label: str, text: str) -> str:
    t = re.sub(r"^(?:the|The)\s+", "", text)
    prefix = {"INSTRUMENT": _instrument_kind(t), "ORG": "org", "COUNTRY": "country"}[label]
    return f"{prefix}:{slugify(t)}"


def _instrument_kind(text: str) -> str:
    for word, kind in (("Directive", "directive"), ("Regulation", "regulation"),
                       ("Decision", "decision"), ("Convention", "convention"),
                       ("Strategy", "strategy"), ("Law", "law"), ("Act", "act"),
                       ("Code", "code"), ("Action Plan", "plan"), ("Declaration", "declaration"),
                       ("Treaty", "treaty"), ("Protocol", "protocol"),
                       ("Agreement", "agreement"), ("Memorandum", "memorandum")):
        if re.search(rf"\b{word}\b", text):
            return kind
    return "instrument"


def find_pattern_entities(text: str) -> list[tuple[int, int, str]]:
    """Regex-found (start, end, label) for instruments and bodies, overlapping allowed."""
    out: list[tuple[int, int, str]] = []

    def add(s: int, e: int, label: str) -> None:
        if e > s:
            out.append((s, e, label))

    for m in _LAW_HEAD.finditer(text):
        end = _forward_run(text, m.end())
        if end > m.end():
            add(m.start(), _year_tail(text, end), "INSTRUMENT")
    for m in _LAW_NUMBER.finditer(text):
        add(m.start(), m.end(), "INSTRUMENT")
    for m in _ACT_ON.finditer(text):
        end = _forward_run(text, m.end())
        if end > m.end():
            start = _backward_run(text, m.start())
            add(start, _year_tail(text, end), "INSTRUMENT")
    for rx in (_DIRECTIVE, _REGULATION):
        for m in rx.finditer(text):
            end = m.end()
            t = _EU_TAIL.match(text, end)
            if t:
                end = t.end()
            add(m.start(), end, "INSTRUMENT")
    for m in _DECISION.finditer(text):
        add(m.start(), m.end(), "INSTRUMENT")
    for m in _TREATY_NUMBER.finditer(text):
        add(m.start(), m.end(), "INSTRUMENT")
    for m in _CERT.finditer(text):
        add(m.start(), m.end(), "ORG")
    for m in _INSTR_HEADS.finditer(text):
        _head_entity(text, m, "INSTRUMENT", add)
    for m in _ORG_HEADS.finditer(text):
        _head_entity(text, m, "ORG", add)
    out = [c for c in out if not _generic(c, text)]
    return _cut_coordinated(out, text)


# "to establish a Computer Security Incident Response Team (CSIRT)", "each National Cyber Security
# Council": an indefinite or distributive determiner makes a title-cased phrase a kind, not a name.
# A body is generic whatever follows; an instrument only when it is bare modifiers + head ("a
# Memorandum of Understanding with X", "a Law on ...": one specific, if unnamed, document).
_INDEFINITE_BEFORE = re.compile(r"(?<![\w-])(?:a|an|each|every|any)\s+$")
_ENDS_WITH_INSTR_HEAD = re.compile(_INSTR_HEADS.pattern + r"$")


def _generic(c: tuple[int, int, str], text: str) -> bool:
    start, end, label = c
    if not _INDEFINITE_BEFORE.search(text, 0, start):
        return False
    return label == "ORG" or bool(_ENDS_WITH_INSTR_HEAD.search(text, start, end))


_AND_GAP = re.compile(r"\s+(?:and|&)\s+")


def _cut_coordinated(cands: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
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


def _head_entity(text: str, m: re.Match[str], label: str, add: Any) -> None:
    head = m.group(0)
    start = _backward_run(text, m.start())
    end = m.end()
    fwd = re.match(r"\s+(?:on|for|of|against|to|concerning)\s+(?:the\s+)?", text[end:])
    nxt_word = _WORD.match(text, end + fwd.end()) if fwd else None
    if nxt_word and label == "ORG" and nxt_word.group(0) in _ORG_HEAD_WORDS:
        fwd = None  # "Forensic Department of the Ministry of Interior": two bodies
    if fwd and not (head == "Act" and start == m.start()):
        run_end = _forward_run(
            text, end + fwd.end(), allow_lower=(label == "INSTRUMENT"),
            stop_heads=(_ORG_HEAD_WORDS | _INSTR_HEAD_WORDS) if label == "ORG" else frozenset(),
            coord_heads=_COORD_INSTR_HEADS if label == "INSTRUMENT" else frozenset(),
        )
        if run_end > end + fwd.end():
            end = run_end
    if label == "INSTRUMENT":
        ap = _ACTION_PLAN_TAIL.match(text, end)
        if ap and head == "Strategy":
            end = ap.end()
        end = _year_tail(text, end)
    if start == m.start() and (end == m.end() or not fwd):
        return  # a bare head word ("the Strategy", "Council", "Strategy 2021") is anaphoric
    if head == "Protocol" and not fwd:
        return  # "Internet Protocol"; treaties are "Protocol to/on ..."
    if head == "Act" and start == m.start():
        return
    if head in _WEAK_HEADS and end == m.end():
        # "Board", "Group", "Team", "Forum": two real modifiers ("ICT Response Board"), never
        # just "Working Group" / "Expert Group", which are generic
        mods = [w for w in text[start : m.start()].split() if w not in ("Working", "Expert")]
        if len(mods) < 2:
            return
    if head == "Act" and end == m.end():
        # "... Act" needs two capitalised words before it or a year: "Data Secrecy Act (2007)"
        n_mod = len(text[start : m.start()].split())
        if n_mod < 2 and not _YEAR_TAIL.match(text, m.end()):
            return
    add(start, end, label)


def _year_tail(text: str, end: int) -> int:
    m = _YEAR_TAIL.match(text, end)
    if m and (m.group(0).lstrip().startswith("(") or text[end : end + 1] == " "):
        return m.end()
    return end


# ----------------------------------------------------------------------------------------------
# spaCy pipeline


def _customise_tokenizer(nlp: Language) -> None:
    from spacy.util import compile_infix_regex

    infixes = list(nlp.Defaults.infixes) + [
        r"[()\[\]]",  # "CyberCrime@IPA(2010-2013)", "(NIS)Directive"
        r"(?<=[A-Za-z])@(?=[A-Za-z])",
        r"(?<=\b[Nn]o)\.(?=\d)",  # "CETS no.108"
    ]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _ascii_dashes(alias: str) -> str:
    """The alias as :func:`normalise_whitespace` leaves text: ASCII hyphens, plain spaces."""
    return "".join("-" if ch in _DASHES else " " if ch.isspace() else ch for ch in alias)


def _build_nlp(gaz: Gazetteer, *, with_patterns: bool = True) -> Language:
    import spacy
    from spacy.language import Language

    nlp = spacy.blank("en")
    _customise_tokenizer(nlp)
    nlp.add_pipe("sentencizer")
    cs_patterns: list[dict[str, Any]] = []
    ci_patterns: list[dict[str, Any]] = []
    for e in gaz.entries:
        for a in e.aliases:
            target = cs_patterns if e.alias_is_case_sensitive(a) else ci_patterns
            for variant in dict.fromkeys((a, _ascii_dashes(a))):
                target.append({"label": e.label, "pattern": variant, "id": e.id})
    ruler_cs = nlp.add_pipe(
        "span_ruler", name="gazetteer_cased",
        config={"spans_key": CAND_KEY, "phrase_matcher_attr": "ORTH", "overwrite": False,
                "spans_filter": None},
    )
    ruler_cs.add_patterns(cs_patterns)
    ruler_ci = nlp.add_pipe(
        "span_ruler", name="gazetteer_names",
        config={"spans_key": CAND_KEY, "phrase_matcher_attr": "LOWER", "overwrite": False,
                "spans_filter": None},
    )
    ruler_ci.add_patterns(ci_patterns)

    if not Language.has_factory("wbpolicy_patterns"):
        Language.component("wbpolicy_patterns", func=_patterns_component)
    if not Language.has_factory("wbpolicy_resolve"):
        Language.component("wbpolicy_resolve", func=_resolve_component)
    if with_patterns:
        nlp.add_pipe("wbpolicy_patterns")
    nlp.add_pipe("wbpolicy_resolve")
    return nlp


def _patterns_component(doc: Doc) -> Doc:
    spans = list(doc.spans.get(CAND_KEY, []))
    for s, e, label in find_pattern_entities(doc.text):
        span = doc.char_span(s, e, label=label, kb_id=_SOURCE_PATTERN, alignment_mode="contract")
        if span is not None and len(span):
            spans.append(span)
    doc.spans[CAND_KEY] = spans
    return doc


def _resolve_component(doc: Doc) -> Doc:
    gaz = get_gazetteer()
    text = doc.text
    cands: list[_Cand] = []
    for sp in doc.spans.get(CAND_KEY, []):
        source = sp.kb_id_ or "gazetteer"
        if source == "gazetteer" and not _case_ok(gaz, sp.id_, sp.text):
            continue
        if source == "gazetteer" and re.match(r"-[a-z]", text[sp.end_char : sp.end_char + 2]):
            continue  # "EU-funded", "NATO-accredited": not the body standing as its own token
        cands.append(_Cand(sp.start_char, sp.end_char, sp.label_, sp.id_ or None, source))
    doc.spans[ENT_KEY] = []
    chosen = resolve(cands, text)
    spans = []
    for c in chosen:
        sp = doc.char_span(c.start, c.end, label=c.label, kb_id=c.source, span_id=c.id or "",
                           alignment_mode="contract")
        if sp is not None and len(sp):
            spans.append(sp)
    doc.spans[ENT_KEY] = spans
    return doc


def _case_ok(gaz: Gazetteer, entity_id: str, matched: str) -> bool:
    """Names are matched ignoring case, but "criminal code" is not "Criminal Code": keep a
    case-insensitive match only if it starts like the alias it matched."""
    e = gaz.get(entity_id)
    if e is None:
        return True
    key = alias_key(matched)
    for a in e.aliases:
        if alias_key(a) == key and (a == matched or a[0].islower() or matched[0].isupper()):
            return True
    return False


def resolve(cands: list[_Cand], text: str) -> list[_Cand]:
    """Flat, maximal spans: longest first, gazetteer before pattern on equal spans."""
    order = sorted(
        cands, key=lambda c: (-(c.end - c.start), c.source != "gazetteer", c.start)
    )
    taken: list[_Cand] = []
    for c in order:
        if any(c.start < t.end and t.start < c.end for t in taken):
            continue
        taken.append(c)
    out: list[_Cand] = []
    for c in taken:
        if c.source == _SOURCE_PATTERN:
            c = _inherit_id(c, cands, text)
        if c.label == "ORG":
            out.extend(_split_country(c, cands, text))
        elif c.label == "INSTRUMENT":
            out.extend(_split_inner_acronym(c, text))
        else:
            out.append(c)
    out.extend(_bracket_acronyms(out, text))
    return sorted(out, key=lambda c: c.start)


_BRACKET_ACRONYM = re.compile(r"\s*\(([A-Z][A-Za-z&.-]{0,10}[A-Z])\)")


def _bracket_acronyms(chosen: list[_Cand], text: str) -> list[_Cand]:
    """"European Committee on Crime Problems (ECCP)": the bracketed abbreviation is a second
    mention of the same entity, and so are its later uses in the same text."""
    extra: list[_Cand] = []
    taken = [(c.start, c.end) for c in chosen]
    for c in list(chosen):
        if c.label == "COUNTRY":
            continue
        m = _BRACKET_ACRONYM.match(text, c.end)
        if not m:
            continue
        acr = m.group(1)
        if sum(ch.isupper() for ch in acr) < 2 or acr[0] != text[c.start : c.end].lstrip("“\"")[:1]:
            continue  # "(CII)" after "Methodology of ... Critical Information Infrastructure"
        for occ in re.finditer(rf"(?<![\w-]){re.escape(acr)}(?![\w-])", text):
            s, e = occ.start(), occ.end()
            if any(s < b and a < e for a, b in taken):
                continue
            taken.append((s, e))
            extra.append(_Cand(s, e, c.label, c.id, _SOURCE_PATTERN))
    return extra


_INNER_ACRONYM = re.compile(
    r"\s\(([A-Z][A-Za-z&.-]{0,10}[A-Z])\)(\s*\d{4}(?:\s*[-–/]\s*\d{2,4})?)$"
)


def _split_inner_acronym(c: _Cand, text: str) -> list[_Cand]:
    """"RCC Strategy and Work Programme (SWP) 2014-2016": the name and its bracketed abbreviation
    are two mentions even when a year follows the brackets (the year is left out)."""
    m = _INNER_ACRONYM.search(text, c.start, c.end)
    if not m or m.end() != c.end:
        return [c]
    name = text[c.start : m.start()]
    initials = {w[0] for w in re.findall(r"[A-Z][\w-]*", name)}
    if m.group(1)[0] not in initials or len(name.split()) < 2:
        return [c]  # "Regulation (EU) 2016/679" never gets here; "(EU)" inside a title stays
    return [_Cand(c.start, m.start(), c.label, c.id, c.source),
            _Cand(m.start(1), m.end(1), c.label, c.id, c.source)]


def _inherit_id(c: _Cand, cands: list[_Cand], text: str) -> _Cand:
    """A pattern span that mostly covers a known entry keeps that entry's id."""
    inner = [
        g for g in cands
        if g.source == "gazetteer" and g.label == c.label and c.start <= g.start
        and g.end <= c.end and (g.end - g.start) >= 0.6 * (c.end - c.start)
    ]
    if inner:
        best = max(inner, key=lambda g: g.end - g.start)
        return _Cand(c.start, c.end, c.label, best.id, c.source)
    return _Cand(c.start, c.end, c.label, _pattern_id(c.label, text[c.start : c.end]), c.source)


_SPLIT_CONNECTOR = re.compile(r"\s+(?:of|in|to|for)\s+(?:the\s+)?$")


def _split_country(c: _Cand, cands: list[_Cand], text: str) -> list[_Cand]:
    """"Ministry of Interior of RepublikaSrpska" -> ORG "Ministry of Interior" + COUNTRY."""
    countries = [
        g for g in cands
        if g.label == "COUNTRY" and g.end == c.end and c.start < g.start
        and _case_ok(get_gazetteer(), g.id or "", text[g.start : g.end])
    ]
    if not countries:
        return [c]
    country = max(countries, key=lambda g: g.end - g.start)
    m = _SPLIT_CONNECTOR.search(text, c.start, country.start)
    if not m:
        return [c]
    head = text[c.start : m.start()]
    if len(head.split()) < 2:
        return [c]  # "University of Malta" stays one name
    same = [g for g in cands if g.source == "gazetteer" and g.label == c.label
            and (g.start, g.end) == (c.start, m.start())]
    eid = same[0].id if same else c.id
    return [_Cand(c.start, m.start(), c.label, eid, c.source), country]


_ODD_SPACE = re.compile(
    r"\s{2,}|[\n\t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]"  # breaks, odd spaces
    r"|(?<=\w)[\u2010-\u2013\u2212](?=\w)"  # word-inner hyphens: "South–East", "North‑Atlantic"
    r"|[\u00ad\u200b-\u200d\u2060\ufeff]"  # soft hyphen, zero-width characters
)
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2212")
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def normalise_whitespace(text: str) -> tuple[str, list[int] | None]:
    """Collapse line breaks and runs of spaces (PDF/TXT extraction) so that names broken
    across lines still match; blank lines and form feeds stay paragraph breaks ("\\n\\n").
    Text pasted from a word processor is evened out too: non-breaking and thin spaces become
    spaces, Unicode hyphens and en dashes between two word characters become "-" (a dash used
    as punctuation stays), zero-width characters and soft hyphens go.
    Returns the text to tag and, if it changed, the original offset of each of its characters
    (plus one past the end)."""
    if not _ODD_SPACE.search(text):
        return text, None
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _ODD_SPACE.finditer(text):
        parts.append(text[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        ws = m.group(0)
        if ws in _DASHES:
            rep = "-"
        elif ws in _INVISIBLE:
            rep = ""
        elif ws.count("\n") >= 2 or "\f" in ws:
            rep = "\n\n"
        else:
            rep = " "
        parts.append(rep)
        offsets.extend([m.start()] * len(rep))
        pos = m.end()
    parts.append(text[pos:])
    offsets.extend(range(pos, len(text)))
    offsets.append(len(text))
    return "".join(parts), offsets


class Tagger:
    """spaCy-based tagger.  Build with :meth:`load`; share with :func:`get_tagger`."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer

    @classmethod
    def load(cls, gazetteer: Gazetteer | None = None, *, use_model: bool = False) -> Tagger:
        gaz = gazetteer or get_gazetteer()
        if use_model:
            log.warning("statistical model entities are not supported; using rules only")
        return cls(_build_nlp(gaz), gaz)

    def tag(self, text: str) -> list[Entity]:
        norm, offsets = normalise_whitespace(text)
        return self._entities(self.nlp(norm), text, offsets)

    def tag_many(self, texts: Iterable[str], batch_size: int = 64) -> list[list[Entity]]:
        originals = list(texts)
        normed = [normalise_whitespace(t) for t in originals]
        docs = self.nlp.pipe((n for n, _ in normed), batch_size=batch_size)
        return [
            self._entities(doc, orig, offs)
            for doc, orig, (_, offs) in zip(docs, originals, normed, strict=True)
        ]

    def sentences(self, text: str) -> list[tuple[int, int]]:
        doc = self.nlp(text)
        return [(s.start_char, s.end_char) for s in doc.sents]

    @staticmethod
    def _entities(doc: Doc, original: str, offsets: list[int] | None) -> list[Entity]:
        out = []
        for sp in doc.spans.get(ENT_KEY, []):
            s, e = sp.start_char, sp.end_char
            if offsets is not None:
                s, e = offsets[s], offsets[e - 1] + 1
            out.append(Entity(text=original[s:e], label=sp.label_, id=sp.id_ or None, start=s,
                              end=e, source=sp.kb_id_ or "gazetteer"))
        return out


@lru_cache(maxsize=1)
def get_tagger() -> Tagger:
    return Tagger.load()


# ----------------------------------------------------------------------------------------------
# Query understanding


@dataclass(frozen=True)
class QueryEntities:
    countries: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()

    def is_empty(self) -> bool:
        return not (self.countries or self.orgs or self.instruments)


@lru_cache(maxsize=1)
def _query_nlp() -> Language:
    """Lower-case matcher over every alias and demonym, for questions typed in lower case."""
    import spacy
    from spacy.lang.en.stop_words import STOP_WORDS

    gaz = get_gazetteer()
    nlp = spacy.blank("en")
    _customise_tokenizer(nlp)
    patterns: list[dict[str, Any]] = []
    for e in gaz.entries:
        for a in e.aliases:
            if len(a) <= 3 and a.lower() in STOP_WORDS:
                continue  # "US" typed as "us" is a pronoun
            patterns.append({"label": e.label, "pattern": a, "id": e.id})
        for d in e.demonyms:
            patterns.append({"label": "COUNTRY", "pattern": d, "id": e.id})
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "q", "phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(patterns)
    return nlp


def query_entities(text: str, tagger: Tagger | None = None) -> QueryEntities:
    """Countries, organisations and instruments a QUERY names, in order of mention.

    Accepts what :meth:`Tagger.tag` finds plus demonyms ("Macedonian"), possessives ("BiH's")
    and lower-case forms ("kosovo", "rcc").  A sub-state entity brings its parent too
    (Republika Srpska -> ``BA-SRP`` and ``BA``).
    """
    tagger = tagger or get_tagger()
    gaz = tagger.gazetteer
    ents = list(tagger.tag(text))
    doc = _query_nlp()(text)
    found: list[tuple[int, str, str | None]] = [(e.start, e.label, e.id) for e in ents]
    covered = [(e.start, e.end) for e in ents]
    for sp in sorted(doc.spans["q"], key=lambda s: (s.start_char, -(s.end_char - s.start_char))):
        if any(sp.start_char < b and a < sp.end_char for a, b in covered):
            continue
        covered.append((sp.start_char, sp.end_char))
        found.append((sp.start_char, sp.label_, sp.id_))
    found.sort(key=lambda t: t[0])
    countries: list[str] = []
    orgs: list[str] = []
    instruments: list[str] = []
    for _, label, eid in found:
        if not eid:
            continue
        if label == "COUNTRY":
            countries.append(eid)
            entry = gaz.get(eid)
            if entry is not None and entry.parent:
                countries.append(entry.parent)
        elif label == "ORG":
            orgs.append(eid)
        else:
            instruments.append(eid)
    return QueryEntities(
        countries=tuple(dict.fromkeys(countries)),
        orgs=tuple(dict.fromkeys(orgs)),
        instruments=tuple(dict.fromkeys(instruments)),
        entities=tuple(ents),
    )
