"""Evidence per country for a topic: the shared step of ``brief`` and ``matrix``.

One :class:`EvidenceSearch` serves a whole brief or matrix: it reads the document catalog once,
restricts every search to the documents of the asked years, and gives each quote its document's
year; each (topic, country) question is analysed once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wbpolicy.answer.export import with_year, years_label
from wbpolicy.answer.question import answer
from wbpolicy.answer.types import AnswerItem, CitedNote
from wbpolicy.errors import InvalidQuery
from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.topics import Topic
from wbpolicy.models import Filters
from wbpolicy.query import Query, analyse
from wbpolicy.settings import BriefSettings
from wbpolicy.text import fold

if TYPE_CHECKING:
    from wbpolicy.index import Index

NO_EVIDENCE = "no evidence found"


class UnknownTopic(InvalidQuery):
    """A topic that is no id, alias, label, Table 1 row or term of a known topic (the CLI exits
    2); the message lists the valid topic ids."""

    def __init__(self, *topics: str) -> None:
        self.topics = topics
        self.valid = knowledge().topics.ids
        names = ", ".join(repr(t) for t in topics)
        super().__init__(
            f"unknown topic{'s' if len(topics) > 1 else ''} {names}; valid topics: "
            f"{', '.join(self.valid)} (`wbpolicy topics` lists them with what they match)"
        )


def focus_countries() -> tuple[str, ...]:
    """The default countries of a brief or matrix: the focus region (knowledge/region.yaml)."""
    return knowledge().region.focus


def resolve_topic(topic: str | Topic, *, strict: bool = False) -> Topic:
    """A topic by id/alias/label/Table 1 row/term.  Unknown text raises :class:`UnknownTopic`
    when ``strict``; otherwise it becomes an ad-hoc topic whose term is itself."""
    if isinstance(topic, Topic):
        return topic
    try:
        return knowledge().topics.get(topic)
    except KeyError:
        if strict or not topic.strip():
            raise UnknownTopic(topic) from None
        return Topic(
            id=fold(topic).strip().replace(" ", "-"), label=topic.strip(), terms=(topic.strip(),)
        )


def resolve_topics(topics: Sequence[str | Topic], *, strict: bool = True) -> tuple[Topic, ...]:
    """Each topic resolved (see :func:`resolve_topic`), duplicates dropped, in the given order;
    with ``strict`` every unknown one is named in one :class:`UnknownTopic`."""
    out: dict[str, Topic] = {}
    unknown: list[str] = []
    for t in topics:
        try:
            got = resolve_topic(t, strict=strict)
        except UnknownTopic:
            unknown.append(str(t))
            continue
        out.setdefault(got.id, got)
    if unknown:
        raise UnknownTopic(*unknown)
    return tuple(out.values())


def topic_catalog() -> list[dict[str, Any]]:
    """The known topics for ``wbpolicy topics``: id, label, aliases, Table 1 row and the terms a
    question or sentence must contain to be about the topic."""
    return [
        {
            "id": t.id,
            "label": t.label,
            "aliases": list(t.aliases),
            "table1": t.table1,
            "terms": list(t.terms),
            "related": list(t.related),
        }
        for t in knowledge().topics
    ]


def country_label(country_id: str) -> str:
    entry = knowledge().entry(country_id)
    return str(entry.name) if entry is not None else country_id


def topic_query(topic: Topic, country: str) -> tuple[Query, Query]:
    """The question ``ask`` would get for a topic and country, already understood, and the query
    searched for it: the country's name with the topic's label and terms.  Sentences are
    compared with the topic alone (whether a sentence is about the country is decided by where
    it stands, and a country name would make every sentence about it look similar)."""
    return _topic_query(topic.id, topic.label, topic.terms, country, knowledge().digest)


@functools.lru_cache(maxsize=512)
def _topic_query(
    topic_id: str, label: str, terms_all: tuple[str, ...], country: str, digest: str
) -> tuple[Query, Query]:
    # the analysis depends only on the topic, the country and the knowledge data (``digest``),
    # so a process analyses each (topic, country) once, however many briefs and matrices it runs
    name = country_label(country)
    terms = ", ".join(terms_all[:5])
    known = topic_id in knowledge().topics.ids
    question = Query(
        text=f"What is the state of {label.lower()} in {name}?",
        countries=(country,),
        topics=(topic_id,) if known else (),
        content_terms=() if known else tuple(label.split()),
        sim_text=f"{label}: {terms}",
    )
    return question, analyse(f"{name} {label}: {terms}")


class EvidenceSearch:
    """The evidence for topics and countries from one index, for one brief or matrix: the
    catalog is read once (for the quotes' years and the references); ``year_min``/``year_max``
    restrict every search to the documents of those years (a document without a year is then
    left out)."""

    def __init__(
        self,
        index: Index,
        settings: BriefSettings | None = None,
        *,
        year_min: int | None = None,
        year_max: int | None = None,
    ) -> None:
        self.index = index
        self.settings = settings or BriefSettings()
        self.year_min = year_min
        self.year_max = year_max
        self.docs = index.reader.documents()
        ranged = year_min is not None or year_max is not None
        self.filters = Filters(year_min=year_min, year_max=year_max) if ranged else None

    def evidence(self, topic: Topic, country: str, n: int) -> tuple[list[AnswerItem], str]:
        """The ``n`` best eligible quotes for ``topic`` in ``country`` (not only those close to
        the very best one), each with its document's year; or [] and why there is none."""
        q, sq = topic_query(topic, country)
        ans = answer(
            self.index,
            q,
            top_k=self.settings.top_k,
            search_query=sq,
            max_items=n,
            per_doc=n,
            relative=0.0,
            filters=self.filters,
        )
        items = [with_year(it, self.docs) for it in ans.items]
        message = ans.message or ""
        label = years_label(self.year_min, self.year_max)
        if not items and label and not message.startswith("Nothing to search"):
            message = message.rstrip(".") + f" (searching only {label})."
        return items, message


def evidence(
    index: Index,
    topic: Topic,
    country: str,
    n: int,
    settings: BriefSettings | None = None,
    *,
    year_min: int | None = None,
    year_max: int | None = None,
) -> tuple[list[AnswerItem], str]:
    """One (topic, country) evidence search; a brief or matrix keeps one
    :class:`EvidenceSearch` for all its cells instead."""
    run = EvidenceSearch(index, settings, year_min=year_min, year_max=year_max)
    return run.evidence(topic, country, n)


def cites_inline(cites: tuple[CitedNote, ...] | list[CitedNote]) -> str:
    return "".join(f" [fn {c.marker}]" for c in cites)
