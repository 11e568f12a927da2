"""The countries, organisations and instruments a query names.

The entity matcher (:func:`wbpolicy.enrich.tag.query_entities`) finds names, demonyms,
possessives and lower-case forms.  When it finds no country, the country may still be named
through a national body or instrument ("the BIH-CERT" is about BA), or swallowed by a longer
name ("the National Cyber Security Strategy of Kosovo*", "the OSCE Mission to Skopje").
"""

from __future__ import annotations

from dataclasses import dataclass

from wbpolicy.knowledge import knowledge


@dataclass(frozen=True)
class QueryCountries:
    states: tuple[str, ...]  # a sub-state entity replaced by its state
    subdivisions: tuple[str, ...]  # BA-SRP for "Republika Srpska"
    orgs: tuple[str, ...]
    instruments: tuple[str, ...]
    bearers: tuple[str, ...]  # entities through which the country is named
    mentioned: tuple[str, ...]  # countries as the matcher found them (sub-states with parents)
    raw: tuple[str, ...]  # every country found, by whichever route, before the state split
    spans: tuple[tuple[int, int], ...]  # where the tagger found entities


def _matcher(text: str):  # -> QueryEntities
    from wbpolicy.enrich.tag import query_entities

    return query_entities(text)


def mentioned_countries(text: str) -> tuple[str, ...]:
    return tuple(_matcher(text).countries)


def read_countries(text: str) -> QueryCountries:
    know = knowledge()
    qe = _matcher(text)
    countries = list(qe.countries)
    orgs, instruments = list(qe.orgs), list(qe.instruments)
    bearers: list[str] = []
    if not countries:
        bearers = [e for e in (*orgs, *instruments) if know.home_country(e)]
        countries = [c for c in map(know.home_country, bearers) if c]
    if not countries:
        countries = countries_named_in(text)
        bearers = [
            e
            for e in (*orgs, *instruments)
            if set(countries_named_in(know.names_of(e))) & set(countries)
        ]
    states: list[str] = []
    subdivisions: list[str] = []
    for c in countries:
        parent = know.parent_country(c)
        if parent:
            subdivisions.append(c)
            states.append(parent)
        else:
            states.append(c)
    return QueryCountries(
        states=tuple(dict.fromkeys(states)),
        subdivisions=tuple(dict.fromkeys(subdivisions)),
        orgs=tuple(dict.fromkeys(orgs)),
        instruments=tuple(dict.fromkeys(instruments)),
        bearers=tuple(dict.fromkeys(bearers)),
        mentioned=tuple(qe.countries),
        raw=tuple(countries),
        spans=tuple((e.start, e.end) for e in qe.entities),
    )


def countries_named_in(text: str) -> list[str]:
    return knowledge().countries_named_in(text)
