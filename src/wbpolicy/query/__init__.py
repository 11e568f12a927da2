"""The one analysis of a query or question, consumed by search, ask, brief and matrix alike.

:func:`analyse` reads a text once: the countries it names (also through demonyms, capitals,
possessives, a national body or an instrument, or inside a longer name; a sub-state entity such
as Republika Srpska is kept beside its state), organisations, instruments, document kinds, years,
topics, its content words, and the lexical expansions retrieval adds (acronyms <-> full names,
topic synonyms, numbered references, and translations: the glossary concepts it names in the
corpus's other languages, Serbian words in both scripts).  A question in Serbian, Croatian,
Bosnian, Albanian, French or Dutch is recognised (``language``): its function words are no
terms, its words are stemmed by their language, and its topics and kinds are read from its
English reading as well.  Nothing downstream re-reads the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from wbpolicy.errors import InvalidQuery
from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.topics import Topic
from wbpolicy.query.entities import QueryCountries, mentioned_countries, read_countries
from wbpolicy.query.expand import (
    alias_expansions,
    entity_names,
    local_stopwords,
    numbered_refs,
    text_language,
    topic_terms,
    translate,
    wants,
)
from wbpolicy.settings import SearchSettings
from wbpolicy.text import STOPWORDS, TOKEN, fold, tokens
from wbpolicy.text.translit import to_latin

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


@dataclass(frozen=True)
class Query:
    """What a query or question asks.  ``countries`` are states (a sub-state entity is replaced
    by its state and kept in ``subdivisions``); ``terms`` are the content tokens lexical search
    matches, ``content_terms`` the words an evidence sentence must cover (entity names, kind
    words, topic terms and generic words removed)."""

    text: str
    terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # alias expansions, country names, topic terms, numbered refs
    dense_text: str = ""  # what is embedded for dense retrieval
    countries: tuple[str, ...] = ()
    subdivisions: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    # organisations/instruments through which the text names its country ("the OSCE Mission to
    # Skopje"): a sentence naming one is about that country
    country_entities: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    content_terms: tuple[str, ...] = ()
    expansions: tuple[str, ...] = ()
    wants: tuple[str, ...] = ()  # passage kinds asked for: "footnote" (a URL), "table"
    # what evidence sentences are compared with (default: the text itself)
    sim_text: str | None = None
    # "en", or the regional language the text is written in (sr, sh = sr/hr/bs, sq, fr, nl)
    language: str = "en"
    # cross-lingual lexical search: per glossary concept the text names, its forms in the other
    # languages (search/lexical.py renders them; "kritičn* infrastruktur*": prefixes, any order)
    translations: tuple[tuple[str, ...], ...] = ()
    # content term -> the forms that count as the term in an evidence sentence ("police" ->
    # "policij*", "=policia" ...)
    term_forms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    concepts: tuple[str, ...] = ()  # the glossary concepts named (their English names)
    # the query's concepts as plain words of each other language it is searched in (the
    # languages of the countries an English query names; English for a regional one): texts
    # a dense retriever may embed beside ``dense_text`` to reach passages in those languages
    dense_translations: tuple[str, ...] = ()
    # an English text's concepts by their other English names (glossary.yaml en): lexical
    # search adds them at a lower weight (SearchSettings.synonym_weight)
    synonyms: tuple[str, ...] = ()

    @property
    def country_set(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.countries, *self.subdivisions)))

    @property
    def similarity_text(self) -> str:
        return self.sim_text or self.text

    def topic_objects(self) -> list[Topic]:
        topics = knowledge().topics
        return [topics.get(t) for t in self.topics]

    def country_scope(self, country: str | None) -> tuple[str, ...]:
        """The country and the asked sub-state entities of it."""
        if country is None:
            return ()
        know = knowledge()
        subs = [s for s in self.subdivisions if know.parent_country(s) == country]
        return (country, *subs)

    def with_(self, **changes: Any) -> Query:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "terms": list(self.terms),
            "countries": list(self.countries),
            "subdivisions": list(self.subdivisions),
            "orgs": list(self.orgs),
            "instruments": list(self.instruments),
            "country_entities": list(self.country_entities),
            "kinds": list(self.kinds),
            "years": list(self.years),
            "topics": list(self.topics),
            "content_terms": list(self.content_terms),
            "expansions": list(self.expansions),
            "wants": list(self.wants),
            "language": self.language,
            "concepts": list(self.concepts),
        }

    def forms_of(self, term: str) -> tuple[str, ...]:
        """What counts as ``term`` in a sentence besides the word itself (its translations)."""
        return next((f for t, f in self.term_forms if t == term), ())


def check_query(text: str, settings: SearchSettings | None = None) -> None:
    """Raise :class:`InvalidQuery` for a text that is no query: empty, or over the length limit."""
    limit = (settings or SearchSettings()).max_query_chars
    if not text.strip():
        raise InvalidQuery("the query is empty")
    if len(text) > limit:
        raise InvalidQuery(
            f"the query is {len(text):,} characters long; the limit is {limit:,} "
            "(SearchSettings.max_query_chars)"
        )


def analyse(text: str, settings: SearchSettings | None = None) -> Query:
    """Read ``text`` once; see the module docstring."""
    settings = settings or SearchSettings()
    check_query(text, settings)
    know = knowledge()
    language = text_language(text, settings.language_evidence)
    found = read_countries(text)
    matched = know.topics.match(text)
    kinds = know.kinds.asked_in(text)
    content = _content_terms(text, matched, found, language)
    tr = translate(text, content, language, found.states)
    if language != "en" and tr.gloss:
        # a regional question's topics and kinds, read from its English reading as well
        matched += [t for t in know.topics.match(tr.gloss) if t not in matched]
        kinds += [k for k in know.kinds.asked_in(tr.gloss) if k not in kinds]
    topic_ids = [t.id for t in matched]
    # "strategy" as a topic and as a kind at once: the kind says where to look; keep the topic
    # only if it is the only thing asked about
    if "strategy" in kinds and len(topic_ids) > 1 and "strategy" in topic_ids:
        topic_ids.remove("strategy")
    terms = tuple(tokens(text))
    if language != "en":
        stop = local_stopwords(language)
        terms = tuple(t for t in terms if fold(to_latin(t)) not in stop)
    expansions = alias_expansions(text, settings.expansions_max)
    phrases = _phrases(text, terms, expansions, found, matched, settings)
    extra = [e for e in expansions if fold(e) not in fold(text)]
    dense_text = f"{text} ({'; '.join(extra[:3])})" if extra else text
    return Query(
        text=text,
        terms=terms,
        phrases=phrases,
        dense_text=dense_text,
        countries=found.states,
        subdivisions=found.subdivisions,
        orgs=found.orgs,
        instruments=found.instruments,
        country_entities=found.bearers,
        kinds=tuple(kinds),
        years=tuple(dict.fromkeys(int(y) for y in _YEAR.findall(text))),
        topics=tuple(topic_ids),
        content_terms=content,
        expansions=tuple(expansions),
        wants=wants(text),
        language=language,
        translations=tr.groups,
        term_forms=tr.term_forms,
        concepts=tr.concepts,
        dense_translations=tuple(tr.rendering.values()),
        synonyms=tr.synonyms,
    )


def _phrases(
    text: str,
    terms: tuple[str, ...],
    expansions: list[str],
    found: QueryCountries,
    matched: list[Topic],
    settings: SearchSettings,
) -> tuple[str, ...]:
    seen = {fold(t) for t in terms}
    out: list[str] = []
    names = entity_names(found.mentioned)
    for p in (
        *numbered_refs(text),
        *expansions,
        *names,
        *topic_terms(matched, settings.topic_terms_max),
    ):
        if fold(p) not in seen:
            seen.add(fold(p))
            out.append(p)
    return tuple(out)


def _content_terms(
    text: str, topics: list[Topic], found: QueryCountries, language: str = "en"
) -> tuple[str, ...]:
    """Words of the text that are not entity names, kind words, topic terms, stopwords (of its
    language too) or generic words; demonyms of the named countries ("the Serbian n-CERT") are
    not content."""
    know = knowledge()
    local = local_stopwords(language) if language != "en" else frozenset()
    blocked = list(found.spans)
    for t in topics:
        blocked.extend(t.find_terms(text))
    blocked.extend(know.kinds.asked_spans(text))
    out: list[str] = []
    for m in TOKEN.finditer(text):
        if any(a <= m.start() < b for a, b in blocked):
            continue
        w = m.group(0).strip(".'’")
        key = fold(w)
        if len(key) < 3 or key in STOPWORDS or key in know.generic_words or key.isdigit():
            continue
        if local and fold(to_latin(w)) in local:
            continue
        if key.endswith(("'s", "’s")):
            continue
        out.append(w)
    named = set(found.raw)
    return tuple(t for t in dict.fromkeys(out) if not set(mentioned_countries(t)) & named)


__all__ = ["Query", "analyse"]
