"""Evidence per country for a topic: the shared step of ``brief`` and ``matrix``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wbpolicy.answer.question import answer
from wbpolicy.answer.types import AnswerItem, CitedNote
from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.topics import Topic
from wbpolicy.query import Query, analyse
from wbpolicy.settings import BriefSettings
from wbpolicy.text import fold

if TYPE_CHECKING:
    from wbpolicy.index import Index

NO_EVIDENCE = "no evidence found"


def focus_countries() -> tuple[str, ...]:
    """The default countries of a brief or matrix: the focus region (knowledge/region.yaml)."""
    return knowledge().region.focus


def resolve_topic(topic: str | Topic) -> Topic:
    """A topic by id/alias/label/term; free text becomes an ad-hoc topic whose term is itself."""
    if isinstance(topic, Topic):
        return topic
    try:
        return knowledge().topics.get(topic)
    except KeyError:
        return Topic(
            id=fold(topic).strip().replace(" ", "-"), label=topic.strip(), terms=(topic.strip(),)
        )


def country_label(country_id: str) -> str:
    entry = knowledge().entry(country_id)
    return str(entry.name) if entry is not None else country_id


def topic_query(topic: Topic, country: str) -> tuple[Query, Query]:
    """The question ``ask`` would get for a topic and country, already understood, and the query
    searched for it: the country's name with the topic's label and terms.  Sentences are
    compared with the topic alone (whether a sentence is about the country is decided by where
    it stands, and a country name would make every sentence about it look similar)."""
    name = country_label(country)
    terms = ", ".join(topic.terms[:5])
    known = topic.id in knowledge().topics.ids
    question = Query(
        text=f"What is the state of {topic.label.lower()} in {name}?",
        countries=(country,),
        topics=(topic.id,) if known else (),
        content_terms=() if known else tuple(topic.label.split()),
        sim_text=f"{topic.label}: {terms}",
    )
    return question, analyse(f"{name} {topic.label}: {terms}")


def evidence(
    index: Index, topic: Topic, country: str, n: int, settings: BriefSettings | None = None
) -> tuple[list[AnswerItem], str]:
    s = settings or BriefSettings()
    q, sq = topic_query(topic, country)
    # a briefing wants the n best eligible quotes, not only those close to the very best one
    ans = answer(index, q, top_k=s.top_k, search_query=sq, max_items=n, per_doc=n, relative=0.0)
    return list(ans.items), ans.message or ""


def cites_inline(cites: tuple[CitedNote, ...] | list[CitedNote]) -> str:
    return "".join(f" [fn {c.marker}]" for c in cites)
