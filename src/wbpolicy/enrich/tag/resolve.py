"""Span resolution: from overlapping candidates (gazetteer matches and grammar spans) to flat,
maximal entities.

Longest wins; a gazetteer match beats a grammar span on an equal span; a grammar span that mostly
covers a known name inherits its id; a country is split off the end of an organisation name
("Ministry of Interior of Republika Srpska" -> ORG + COUNTRY); a bracketed abbreviation after a
name ("... Council (RCC)") is a second mention, and so are its later uses.  Both the spaCy
pipeline and the spaCy-free query matcher resolve with these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from wbpolicy.enrich.tag.bodies import initials_of
from wbpolicy.enrich.tag.grammar import pattern_id
from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS, TaggerSettings
from wbpolicy.knowledge import get_gazetteer
from wbpolicy.knowledge.gazetteer import Gazetteer, alias_key
from wbpolicy.models import Entity

SOURCE_GAZETTEER = "gazetteer"
SOURCE_PATTERN = "pattern"

_GLUED_SUFFIX = re.compile(r"-[a-z]")
_BRACKET_ACRONYM = re.compile(r"\s*\(([A-Z][A-Za-z&.-]{0,10}[A-Z])\)")
_INNER_ACRONYM = re.compile(
    r"\s\(([A-Z][A-Za-z&.-]{0,10}[A-Z])\)(\s*\d{4}(?:\s*[-–/]\s*\d{2,4})?)$"
)
_INSTR_COMPLEMENT = re.compile(
    r"(?:[A-Z][\w-]*\s+){0,3}(?:Agreement|Convention|Treaty|Protocol|Act|Law|Directive"
    r"|Regulation|Strategy|Charter)\s+(?:on|of|for|against|concerning)\s+(?:the\s+)?"
)
_SPLIT_CONNECTOR = re.compile(r"\s+(?:of|in|to|for)\s+(?:the\s+)?$")


@dataclass(frozen=True)
class Cand:
    start: int
    end: int
    label: str
    id: str | None
    source: str  # gazetteer | pattern


def case_ok(gaz: Gazetteer, entity_id: str, matched: str) -> bool:
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


def keep_candidate(gaz: Gazetteer, c: Cand, text: str) -> bool:
    """Gazetteer matches must pass the case check and stand as their own token ("EU-funded",
    "NATO-accredited" are not the body); grammar spans always pass."""
    if c.source != SOURCE_GAZETTEER:
        return True
    if not case_ok(gaz, c.id or "", text[c.start : c.end]):
        return False
    return not _GLUED_SUFFIX.match(text[c.end : c.end + 2])


def resolve(
    cands: list[Cand],
    text: str,
    settings: TaggerSettings = DEFAULT_SETTINGS,
) -> list[Cand]:
    """Flat, maximal spans: longest first, gazetteer before pattern on equal spans."""
    order = sorted(cands, key=lambda c: (-(c.end - c.start), c.source != SOURCE_GAZETTEER, c.start))
    taken: list[Cand] = []
    for c in order:
        if any(c.start < t.end and t.start < c.end for t in taken):
            continue
        taken.append(c)
    out: list[Cand] = []
    for c in taken:
        if c.source == SOURCE_PATTERN:
            c = _inherit_id(c, cands, text, settings)
        if c.label == "ORG":
            out.extend(_split_country(c, cands, text, settings))
        elif c.label == "INSTRUMENT":
            out.extend(_split_inner_acronym(c, text))
        else:
            out.append(c)
    out.extend(_bracket_acronyms(out, text))
    return sorted(out, key=lambda c: c.start)


def _bracket_acronyms(chosen: list[Cand], text: str) -> list[Cand]:
    """ "European Committee on Crime Problems (ECCP)": the bracketed abbreviation is a second
    mention of the same entity, and so are its later uses in the same text."""
    extra: list[Cand] = []
    taken = [(c.start, c.end) for c in chosen]
    for c in list(chosen):
        if c.label == "COUNTRY":
            continue
        m = _BRACKET_ACRONYM.match(text, c.end)
        if not m:
            continue
        acr = m.group(1)
        if sum(ch.isupper() for ch in acr) < 2:
            continue
        name = text[c.start : c.end].lstrip('“"')
        if acr[0] != name[:1] and not _native_acronym(acr, name, c.label):
            continue  # "(CII)" after "Methodology of ... Critical Information Infrastructure"
        for occ in re.finditer(rf"(?<![\w-]){re.escape(acr)}(?![\w-])", text):
            s, e = occ.start(), occ.end()
            if any(s < b and a < e for a, b in taken):
                continue
            taken.append((s, e))
            extra.append(Cand(s, e, c.label, c.id, SOURCE_PATTERN))
    return extra


def _native_acronym(acr: str, name: str, label: str) -> bool:
    """A body's acronym from its own language ("European Committee on Crime Problems (CDPC)",
    "Federal Criminal Police Office (BKA)"): all capitals, and not the initials of the name's
    last words (which would abbreviate only a part of it)."""
    if label == "INSTRUMENT":
        # "Agreement on Trade-Related Aspects of Intellectual Property Rights (TRIPS)": the
        # acronym of the whole title after its head
        m = _INSTR_COMPLEMENT.match(name)
        return m is not None and initials_of(acr, name[m.end() :])
    if label != "ORG" or not acr.isupper():
        return False
    words = name.split()
    return not any(
        initials_of(acr, " ".join(words[i:]))
        for i in range(1, len(words))
        if words[i][:1].isupper()
    )


def _split_inner_acronym(c: Cand, text: str) -> list[Cand]:
    """ "RCC Strategy and Work Programme (SWP) 2014-2016": the name and its bracketed abbreviation
    are two mentions even when a year follows the brackets (the year is left out)."""
    m = _INNER_ACRONYM.search(text, c.start, c.end)
    if not m or m.end() != c.end:
        return [c]
    name = text[c.start : m.start()]
    initials = {w[0] for w in re.findall(r"[A-Z][\w-]*", name)}
    if m.group(1)[0] not in initials or len(name.split()) < 2:
        return [c]  # "Regulation (EU) 2016/679" never gets here; "(EU)" inside a title stays
    return [
        Cand(c.start, m.start(), c.label, c.id, c.source),
        Cand(m.start(1), m.end(1), c.label, c.id, c.source),
    ]


def _inherit_id(c: Cand, cands: list[Cand], text: str, settings: TaggerSettings) -> Cand:
    """A pattern span that mostly covers a known entry keeps that entry's id."""
    inner = [
        g
        for g in cands
        if g.source == SOURCE_GAZETTEER
        and g.label == c.label
        and c.start <= g.start
        and g.end <= c.end
        and (g.end - g.start) >= settings.inherit_min_cover * (c.end - c.start)
    ]
    if inner:
        best = max(inner, key=lambda g: g.end - g.start)
        return Cand(c.start, c.end, c.label, best.id, c.source)
    return Cand(c.start, c.end, c.label, pattern_id(c.label, text[c.start : c.end]), c.source)


def _split_country(c: Cand, cands: list[Cand], text: str, settings: TaggerSettings) -> list[Cand]:
    """ "Ministry of Interior of RepublikaSrpska" -> ORG "Ministry of Interior" + COUNTRY."""
    countries = [
        g
        for g in cands
        if g.label == "COUNTRY"
        and g.end == c.end
        and c.start < g.start
        and case_ok(get_gazetteer(), g.id or "", text[g.start : g.end])
    ]
    if not countries:
        return [c]
    country = max(countries, key=lambda g: g.end - g.start)
    m = _SPLIT_CONNECTOR.search(text, c.start, country.start)
    if not m:
        return [c]
    head = text[c.start : m.start()]
    if len(head.split()) < settings.split_min_head_words:
        return [c]  # "University of Malta" stays one name
    same = [
        g
        for g in cands
        if g.source == SOURCE_GAZETTEER
        and g.label == c.label
        and (g.start, g.end) == (c.start, m.start())
    ]
    eid = same[0].id if same else c.id
    gaz = get_gazetteer()
    home = gaz.get(eid) if eid else None
    named = gaz.get(country.id) if country.id else None
    related = {country.id, named.parent if named is not None else None}
    if home is not None and home.country and home.country not in related:
        # "National Council for Cyber Security of Georgia" is not Montenegro's council of that
        # name: a generic name is bound to the country the text names, never to another one
        eid = pattern_id(c.label, head)
    return [Cand(c.start, m.start(), c.label, eid, c.source), country]


def make_entities(
    spans: Iterable[tuple[int, int, str, str | None, str]],
    original: str,
    offsets: list[int] | None,
) -> list[Entity]:
    """Entities over the ORIGINAL text from (start, end, label, id, source) over the text as
    tagged (``offsets`` maps it back, see :func:`normalise_whitespace`)."""
    out = []
    for s, e, label, eid, source in spans:
        if offsets is not None:
            s, e = offsets[s], offsets[e - 1] + 1
        out.append(
            Entity(
                text=original[s:e],
                label=label,
                id=eid or None,
                start=s,
                end=e,
                source=source or SOURCE_GAZETTEER,
            )
        )
    return out
