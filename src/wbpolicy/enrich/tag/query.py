"""Query understanding: the countries, organisations and instruments a query names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wbpolicy.knowledge import get_gazetteer
from wbpolicy.knowledge.gazetteer import Gazetteer
from wbpolicy.models import Entity

if TYPE_CHECKING:  # pragma: no cover
    from wbpolicy.enrich.tag.pipeline import Tagger


@dataclass(frozen=True)
class QueryEntities:
    countries: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()

    def is_empty(self) -> bool:
        return not (self.countries or self.orgs or self.instruments)


def query_entities(text: str, tagger: Tagger | None = None) -> QueryEntities:
    """Countries, organisations and instruments a QUERY names, in order of mention.

    Accepts what :meth:`Tagger.tag` finds plus demonyms ("Macedonian"), possessives ("BiH's")
    and lower-case forms ("kosovo", "rcc").  A sub-state entity brings its parent too
    (Republika Srpska -> ``BA-SRP`` and ``BA``).

    Without ``tagger`` no spaCy is loaded: the spaCy-free matcher (:mod:`.matcher`) finds
    exactly what the spaCy pipelines find, entity spans included.
    """
    if tagger is not None:
        return query_entities_spacy(text, tagger)
    from wbpolicy.enrich.tag.matcher import get_matcher

    matcher = get_matcher()
    return collect(matcher.tag(text), matcher.query_spans(text), get_gazetteer())


def query_entities_spacy(text: str, tagger: Tagger | None = None) -> QueryEntities:
    """:func:`query_entities` computed with the spaCy pipelines."""
    from wbpolicy.enrich.tag.pipeline import get_tagger, query_spans

    tagger = tagger or get_tagger()
    ents = list(tagger.tag(text))
    return collect(ents, query_spans(text), tagger.gazetteer)


def collect(
    ents: list[Entity],
    extra: Iterable[tuple[int, int, str, str]],
    gaz: Gazetteer,
) -> QueryEntities:
    """The tagger's entities plus the query matcher's spans (``extra``: start, end, label, id)
    that none of them overlaps, grouped by label in order of mention."""
    found: list[tuple[int, str, str | None]] = [(e.start, e.label, e.id) for e in ents]
    covered = [(e.start, e.end) for e in ents]
    for s, e, label, span_id in sorted(extra, key=lambda sp: (sp[0], -(sp[1] - sp[0]))):
        if any(s < b and a < e for a, b in covered):
            continue
        covered.append((s, e))
        found.append((s, label, span_id))
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
