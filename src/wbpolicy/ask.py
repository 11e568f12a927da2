"""Answer a question with verbatim, page-accurate, footnote-cited sentences, or abstain.

Pipeline: understand the question (countries, organisations, instruments, document kinds, years,
topics, remaining content words) -> search the country's own documents (of the asked kind) and,
separately, the passages about the country elsewhere -> split the hits into sentences (each an exact
substring of a stored passage) -> score each sentence against the question -> keep the eligible
ones (about the country, addressing the topic) -> group by document, or abstain.

Nothing is generated: every answer text is a slice of a stored passage.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from wbpolicy.models import Citation, Filters, Hit
from wbpolicy.text import find_urls, fold, normalise_ws, split_sentences
from wbpolicy.knowledge import get_topics as load_topics
from wbpolicy.knowledge.topics import Topic

log = logging.getLogger(__name__)

GROUP_OWN = "country document"
GROUP_ABOUT = "about the country"
GROUP_ANY = "document"

# Score weights.  ``sim`` is the cosine of sentence and question embeddings, the rest are
# evidence in [0, 1]: topic terms, the question's own words (IDF-weighted share), the passage's
# rank in its search, and the organisation/instrument the question names.  Chosen on
# eval/ask_questions.jsonl (a flat optimum; see eval/README.md), so MIN_SCORE is on this scale.
W_SIM = 0.40
W_TOPIC = 0.25
W_TERMS = 0.20
W_HIT = 0.15
W_ENTITY = 0.15
# A sentence must reach this score to be quoted; below it for every sentence -> abstain.
MIN_SCORE = 0.30
# Without a topic term, only a sentence this similar to the question addresses the topic.
STRONG_SIM = 0.68
# A topic term only in the sentence's heading counts this much (and makes it eligible).
HEADING_TOPIC = 0.8
# Without a topic, a sentence must hold this share (IDF-weighted) of the question's words.
TERMS_MIN = 0.5
# ... and be at least this similar to the question.
TERMS_SIM = 0.35
# Quote at most this many sentences, at most PER_DOC from one document, and none scoring below
# RELATIVE x the best one.
MAX_ITEMS = 8
PER_DOC = 3
RELATIVE = 0.5
MAX_SENTENCE_CHARS = 1500
# Evidence found only in the preceding sentence of the paragraph counts this much (terms,
# organisation/instrument), and a topic named there at most CONTEXT_TOPIC (below HEADING_TOPIC:
# it ranks the sentence up but does not make it eligible).
CONTEXT = 0.5
CONTEXT_TOPIC = 0.6
MAX_SENTENCES_EMBEDDED = 128

KIND_WORDS: dict[str, re.Pattern[str]] = {
    "strategy": re.compile(r"\bstrateg(?:y|ies)\b", re.IGNORECASE),
    "law": re.compile(r"\b(?:laws?|legislation|acts?\s+on)\b", re.IGNORECASE),
    "convention": re.compile(r"\b(?:conventions?|treat(?:y|ies)|protocols?)\b", re.IGNORECASE),
    "regulation": re.compile(r"\b(?:directives?|regulations?)\b", re.IGNORECASE),
    "profile": re.compile(r"\bprofiles?\b", re.IGNORECASE),
    "report": re.compile(r"\breports?\b", re.IGNORECASE),
}
# document kinds as stored, by the kind a question asks for (the corpus manifest's own spellings
# are accepted as well as the normalised ones)
KIND_VALUES: dict[str, tuple[str, ...]] = {
    "strategy": ("strategy", "strategies"),
    "law": ("law", "laws"),
    "convention": ("convention", "international"),
    "regulation": ("regulation", "eu", "directive"),
    "profile": ("profile",),
    "report": ("report",),
}

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_WORD = re.compile(r"\w+(?:[-/.'’]\w+)*", re.UNICODE)
_QUESTION_WORDS = frozenset((
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
    "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
    "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
    "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once",
    "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so",
    "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these",
    "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "you", "your", "yours", "s", "t", "don", "cannot", "tell", "give", "list",
    "show", "find", "describe", "explain", "many", "much", "say", "says", "said", "state",
    "states", "stated", "mention", "mentions", "mentioned", "regarding", "according",
    "country", "countries", "document", "documents", "provide", "provides", "exist", "exists",
    "existing", "current", "status", "whether", "anything", "something", "one", "get", "gets",
    "got", "make", "makes", "made", "take", "takes", "use", "used", "way", "ways", "yet",
    "compare", "comparison", "versus", "difference", "differences",
    # what every document here is about: as content words they would only demand a match
    "done", "happened", "situation", "cybersecurity", "cyber-security",
))


# --------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class Understood:
    """What ``ask`` understood of a question."""

    question: str
    countries: tuple[str, ...] = ()  # states (a sub-state entity is replaced by its state)
    subdivisions: tuple[str, ...] = ()  # BA-SRP for "Republika Srpska"
    orgs: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # remaining content words
    # organisations/instruments through which the question names its country ("the OSCE
    # Mission to Skopje"): a sentence naming one is about that country
    country_entities: tuple[str, ...] = ()

    @property
    def country_set(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.countries, *self.subdivisions)))

    def to_json(self) -> dict[str, Any]:
        return {
            "countries": list(self.countries),
            "subdivisions": list(self.subdivisions),
            "orgs": list(self.orgs),
            "instruments": list(self.instruments),
            "kinds": list(self.kinds),
            "years": list(self.years),
            "topics": list(self.topics),
            "terms": list(self.terms),
            "country_entities": list(self.country_entities),
        }


@dataclass(frozen=True)
class CitedNote:
    """A footnote cited by an answer sentence; ``linked_doc_id`` when the note cites a document
    that is itself in the corpus (a citation chain from a claim to its primary text)."""

    marker: str
    text: str
    url: str | None
    page: int | None = None
    urls: tuple[str, ...] = ()
    linked_doc_id: str | None = None
    linked_title: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"marker": self.marker, "text": self.text, "url": self.url}
        if self.linked_doc_id:
            out["linked_doc_id"] = self.linked_doc_id
            out["linked_title"] = self.linked_title
        return out


@dataclass(frozen=True)
class AnswerItem:
    text: str  # verbatim: passage_text[start:end]
    doc_id: str
    title: str
    doc_kind: str | None
    page: int | None
    pages: tuple[int, ...]
    page_exact: bool  # False: the passage spans pages and the sentence could not be placed
    section: str | None
    citations: tuple[CitedNote, ...]
    group: str  # "country document" | "about the country" | "document"
    country: str | None  # the country the item answers for
    score: float
    passage_id: int
    start: int  # offsets of the sentence in the passage text
    end: int

    @property
    def group_label(self) -> str:
        if self.group == GROUP_ABOUT:
            return f"about the country in {self.title}"
        return self.group

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "doc_id": self.doc_id,
            "title": self.title,
            "kind": self.doc_kind,
            "page": self.page,
            "pages": list(self.pages),
            "page_exact": self.page_exact,
            "section": self.section,
            "citations": [c.to_json() for c in self.citations],
            "group": self.group_label,
            "country": self.country,
            "score": round(self.score, 4),
            "passage_id": self.passage_id,
        }


@dataclass(frozen=True)
class SearchedDoc:
    doc_id: str
    title: str
    kind: str | None
    group: str

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "title": self.title, "kind": self.kind, "group": self.group}


@dataclass(frozen=True)
class Answer:
    question: str
    understood: Understood
    items: tuple[AnswerItem, ...]
    hits: tuple[Hit, ...]
    searched: tuple[SearchedDoc, ...]
    abstained: bool
    message: str | None = None
    topic_labels: dict[str, str] = field(default_factory=dict)

    @property
    def filters(self) -> dict[str, str | None]:
        u = self.understood
        return {
            "country": _first(u.countries),
            "org": _first(u.orgs),
            "instrument": _first(u.instruments),
            "kind": _first(u.kinds),
            "topic": _first(u.topics),
        }

    def groups(self) -> list[tuple[str, list[AnswerItem]]]:
        """Items grouped by document, documents in the order of their best item."""
        out: dict[str, list[AnswerItem]] = {}
        for it in self.items:
            out.setdefault(it.doc_id, []).append(it)
        return [(doc, items) for doc, items in out.items()]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "filters": self.filters,
            "answer": [it.to_json() for it in self.items],
            "hits": [_hit_json(h, rank) for rank, h in enumerate(self.hits, start=1)],
            "abstained": self.abstained,
            "message": self.message,
            "understood": self.understood.to_json(),
            "searched": [s.to_json() for s in self.searched],
        }


def _first(values: Sequence[str]) -> str | None:
    return values[0] if values else None


def _hit_json(hit: Hit, rank: int) -> dict[str, Any]:
    out = hit.to_json()
    out["rank"] = rank  # the merged list's own order
    return out


# --------------------------------------------------------------------------------------------
# understanding the question


def understand(question: str) -> Understood:
    countries, orgs, instruments = _question_entities(question)
    bearers: list[str] = []  # the entities that stand for the country in the question
    if not countries:
        # a national body or instrument names its country ("the BIH-CERT" is about BA)
        bearers = [e for e in (*orgs, *instruments) if _home_country(e)]
        countries = [c for c in map(_home_country, bearers) if c]
    if not countries:
        # a country (or its capital) swallowed by a longer entity name: "the National Cyber
        # Security Strategy of Kosovo*", "the OSCE Mission to Skopje"
        countries = _countries_named_in(question)
        bearers = [e for e in (*orgs, *instruments)
                   if set(_countries_named_in(_entity_names(e))) & set(countries)]
    states: list[str] = []
    subdivisions: list[str] = []
    for c in countries:
        parent = _parent_country(c)
        if parent:
            subdivisions.append(c)
            states.append(parent)
        else:
            states.append(c)
    matched = load_topics().match(question)
    kinds = [k for k, rx in KIND_WORDS.items() if rx.search(question)]
    topic_ids = [t.id for t in matched]
    # "strategy" as a topic and as a kind at once: the kind says where to look; keep the topic
    # only if it is the only thing asked about
    if "strategy" in kinds and len(topic_ids) > 1 and "strategy" in topic_ids:
        topic_ids.remove("strategy")
    years = tuple(dict.fromkeys(int(y) for y in _YEAR.findall(question)))
    # demonyms ("the Serbian n-CERT") are not tagged as entities but name the country
    terms = tuple(t for t in _content_terms(question, matched)
                  if not set(_question_entities(t)[0]) & set(countries))
    return Understood(
        question=question,
        countries=tuple(dict.fromkeys(states)),
        subdivisions=tuple(dict.fromkeys(subdivisions)),
        orgs=tuple(dict.fromkeys(orgs)),
        instruments=tuple(dict.fromkeys(instruments)),
        kinds=tuple(kinds),
        years=years,
        topics=tuple(topic_ids),
        terms=terms,
        country_entities=tuple(dict.fromkeys(bearers)),
    )


def _entity_names(entity_id: str) -> str:
    """The names of a gazetteer entity, or the words of an id the tagger made up
    ("strategy:national-cyber-security-strategy-of-kosovo")."""
    entry = gazetteer_entry(entity_id)
    if entry is not None:
        return " ; ".join((entry.name, *entry.aliases))
    return entity_id.rpartition(":")[2].replace("-", " ")


# Capitals (and Banja Luka) name their country in questions such as "the OSCE Mission to
# Skopje"; only consulted when no country was recognised otherwise.
CAPITALS: dict[str, str] = {
    "tirana": "AL", "tirane": "AL", "sarajevo": "BA", "banja luka": "BA", "zagreb": "HR",
    "pristina": "XK", "prishtina": "XK", "podgorica": "ME", "skopje": "MK", "belgrade": "RS",
}


def _countries_named_in(question: str) -> list[str]:
    """Countries whose name, alias, demonym or capital occurs anywhere in the question, also
    inside the name of another entity (which the tagger reports as that entity only)."""
    folded = fold(question)
    found: list[tuple[int, str]] = []

    def look(name: str, country: str) -> None:
        m = re.search(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", folded)
        if m:
            found.append((m.start(), country))

    for entry in _gazetteer().by_label("COUNTRY"):
        for name in (entry.name, *entry.aliases, *entry.demonyms):
            # short acronyms ("KOS", "BIH") only as the tagger reads them, never inside words
            if len(name) >= 4:
                look(name, entry.id)
    for city, country in CAPITALS.items():
        look(city, country)
    return list(dict.fromkeys(c for _, c in sorted(found)))


def _parent_country(country_id: str) -> str | None:
    """The state a sub-state entity belongs to: the gazetteer's parent, else the ISO 3166-2
    prefix ("BA-SRP" -> "BA")."""
    entry = gazetteer_entry(country_id)
    parent = getattr(entry, "parent", None)
    if parent:
        return str(parent)
    head, sep, _ = country_id.partition("-")
    return head if sep and len(head) == 2 and head.isalpha() and head.isupper() else None


def _home_country(entity_id: str) -> str | None:
    """The state a national body or instrument belongs to (not a body such as the EU)."""
    country = getattr(gazetteer_entry(entity_id), "country", None)
    entry = gazetteer_entry(country) if country else None
    return str(country) if getattr(entry, "label", None) == "COUNTRY" else None


def gazetteer_entry(entity_id: str) -> Any:
    return _gazetteer().get(entity_id)


@lru_cache(maxsize=1)
def _gazetteer() -> Any:
    from wbpolicy.knowledge import get_gazetteer

    return get_gazetteer()


def _question_entities(text: str) -> tuple[list[str], list[str], list[str]]:
    from wbpolicy import tag

    qe = tag.query_entities(text)
    return list(qe.countries), list(qe.orgs), list(qe.instruments)


def _entity_spans(text: str) -> list[tuple[int, int]]:
    from wbpolicy import tag

    return [(e.start, e.end) for e in tag.get_tagger().tag(text)]


def _content_terms(question: str, topics: Sequence[Topic]) -> tuple[str, ...]:
    """Words of the question that are not entity names, kind words, topic terms or stopwords."""
    blocked = _entity_spans(question)
    for t in topics:
        blocked.extend(t.find_terms(question))
    for rx in KIND_WORDS.values():
        blocked.extend(m.span() for m in rx.finditer(question))
    out: list[str] = []
    for m in _WORD.finditer(question):
        if any(a <= m.start() < b for a, b in blocked):
            continue
        w = m.group(0).strip(".'’")
        key = fold(w)
        if len(key) < 3 or key in _QUESTION_WORDS or key.isdigit():
            continue
        if key.endswith(("'s", "’s")):
            continue
        out.append(w)
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------
# documents


@dataclass(frozen=True)
class DocRow:
    doc_id: str
    title: str
    kind: str | None
    country: str | None
    year: int | None
    path: str
    source_url: str | None
    language: str | None = None


def documents(conn: Any) -> dict[str, DocRow]:
    rows = conn.execute(
        "SELECT doc_id, title, kind, country, year, path, source_url, language FROM documents "
        "ORDER BY doc_id"
    )
    return {r["doc_id"]: DocRow(r["doc_id"], r["title"], r["kind"], r["country"], r["year"],
                                r["path"], r["source_url"], r["language"]) for r in rows}


def own_documents(docs: dict[str, DocRow], countries: Sequence[str],
                  kinds: Sequence[str]) -> list[DocRow]:
    """The countries' own documents, of one of ``kinds`` when given (by stored kind, or the kind
    word in the title: the ITU profiles are stored as "other" but titled "... profile")."""
    out = []
    for d in docs.values():
        if d.country not in countries:
            continue
        if kinds and not any(_is_kind(d, k) for k in kinds):
            continue
        out.append(d)
    return out


def _is_kind(doc: DocRow, kind: str) -> bool:
    if (doc.kind or "").lower() in KIND_VALUES.get(kind, (kind,)):
        return True
    rx = KIND_WORDS.get(kind)
    return bool(rx and rx.search(doc.title or ""))


# --------------------------------------------------------------------------------------------
# asking


def ask(index: Any, question: str, top_k: int = 8) -> Answer:
    """Answer ``question`` from ``index`` with verbatim sentences, or abstain."""
    understood = understand(question)
    return answer(index, understood, top_k=top_k)


def answer(index: Any, understood: Understood, top_k: int = 8, *, query: str | None = None,
           max_items: int = MAX_ITEMS, per_doc: int = PER_DOC,
           relative: float = RELATIVE, sim_text: str | None = None) -> Answer:
    """The retrieval-and-quoting half of :func:`ask`, for an already understood question
    (``brief`` and ``matrix`` build the :class:`Understood` themselves).  ``query`` is what is
    searched and ``sim_text`` what sentences are compared with (both default to the question)."""
    from wbpolicy.search import search

    conn = index.store.conn
    docs = documents(conn)
    query = query or understood.question
    topics = load_topics()
    topic_objs = [topics.get(t) for t in understood.topics]
    countries = understood.countries or (None,)

    hits: list[Hit] = []
    searched: list[SearchedDoc] = []
    candidates: list[_Candidate] = []
    seen_passages: set[int] = set()
    for country in countries:
        cset = _country_set(understood, country)
        runs: list[tuple[str, Filters]] = []
        if country is None:
            kinds = _stored_kinds(docs, understood.kinds)
            runs.append((GROUP_ANY, Filters(kinds=kinds)))
        else:
            # the asked kind when the corpus has it for the country, else all its documents
            own = (own_documents(docs, cset, understood.kinds)
                   or own_documents(docs, cset, ()))
            if own:
                runs.append((GROUP_OWN, Filters(doc_ids=tuple(d.doc_id for d in own))))
            # elsewhere: passages about the country in documents that are not its own
            others = tuple(d.doc_id for d in docs.values() if d.country not in cset)
            if others:
                runs.append((GROUP_ABOUT, Filters(countries=cset, doc_ids=others)))
        for group, filters in runs:
            got = list(search(index, query, top_k=top_k, filters=filters).hits)
            searched.extend(_searched_docs(docs, group, filters, got, cset))
            for rank, h in enumerate(got, start=1):
                if h.passage_id in seen_passages:
                    continue
                seen_passages.add(h.passage_id)
                hits.append(h)
                candidates.append(_Candidate(h, group, country, rank))

    items = _score_and_select(index, understood, topic_objs, candidates, max_items, per_doc,
                              relative, sim_text or understood.question)
    message = None
    abstained = not items
    if abstained:
        message = abstain_message(understood, topic_objs, _dedupe_searched(searched), docs)
    return Answer(
        question=understood.question,
        understood=understood,
        items=tuple(items),
        hits=tuple(hits),
        searched=tuple(_dedupe_searched(searched)),
        abstained=abstained,
        message=message,
        topic_labels={t.id: t.label for t in topic_objs},
    )


def _country_set(u: Understood, country: str | None) -> tuple[str, ...]:
    if country is None:
        return ()
    subs = [s for s in u.subdivisions if _parent_country(s) == country]
    return (country, *subs)


def _stored_kinds(docs: dict[str, DocRow], kinds: Sequence[str]) -> tuple[str, ...]:
    present = {d.kind for d in docs.values() if d.kind}
    return tuple(v for k in kinds for v in KIND_VALUES.get(k, (k,)) if v in present)


def _searched_docs(docs: dict[str, DocRow], group: str, filters: Filters, hits: Sequence[Hit],
                   cset: Sequence[str]) -> list[SearchedDoc]:
    if group == GROUP_OWN:
        ids: Iterable[str] = filters.doc_ids
    else:
        ids = dict.fromkeys(h.doc_id for h in hits)
    out = []
    for doc_id in ids:
        d = docs.get(doc_id)
        if d is not None:
            out.append(SearchedDoc(d.doc_id, d.title, d.kind, group))
    return out


def _dedupe_searched(searched: Sequence[SearchedDoc]) -> list[SearchedDoc]:
    seen: dict[str, SearchedDoc] = {}
    for s in searched:
        seen.setdefault(s.doc_id, s)
    return list(seen.values())


def abstain_message(u: Understood, topics: Sequence[Topic], searched: Sequence[SearchedDoc],
                    docs: dict[str, DocRow]) -> str:
    what = ", ".join(t.label for t in topics) if topics else (
        " ".join(u.terms) or u.question.strip())
    where = "; ".join(f"{s.title} ({s.doc_id})" for s in searched) or "the index (nothing matched)"
    msg = f"No passage in {where} addresses {what}"
    if u.countries:
        msg += " for " + ", ".join(country_name(c) for c in u.country_set)
    return msg + "."


def country_name(country_id: str) -> str:
    """ "Kosovo (XK)"; the bare id when the gazetteer does not know it."""
    entry = gazetteer_entry(country_id)
    return f"{entry.name} ({country_id})" if entry is not None else country_id


# --------------------------------------------------------------------------------------------
# sentences: scoring, eligibility, selection


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    group: str
    country: str | None
    rank: int  # in its own search (scores of separate searches are not comparable)


@dataclass
class _Sentence:
    cand: _Candidate
    start: int
    end: int
    text: str
    topic: float = 0.0
    terms: float = 0.0
    entity: float = 0.0
    about: bool = False
    sim: float = 0.0
    score: float = 0.0
    # the neighbouring sentences in the same paragraph (spans into the passage text)
    prev: tuple[int, int] | None = None
    next: tuple[int, int] | None = None


def _score_and_select(index: Any, u: Understood, topics: Sequence[Topic],
                      candidates: Sequence[_Candidate], max_items: int,
                      per_doc: int, relative: float, sim_text: str) -> list[AnswerItem]:
    if not candidates:
        return []
    conn = index.store.conn
    pids = [c.hit.passage_id for c in candidates]
    sources = _passage_sources(conn, pids)
    mentions = _passage_mentions(conn, pids)
    weights = term_weights(conn, u.terms)
    doc_instruments = (CitationLinker.for_index(index).doc_instruments()
                       if u.instruments else {})
    sents = _featured_sentences(u, topics, candidates, sources, mentions, weights,
                                doc_instruments)
    # a sentence not about the asked country can never be quoted: do not pay to embed it
    sents = [s for s in sents if s.about]
    _similarities(index, sim_text, sents)
    for s in sents:
        s.score = W_SIM * s.sim + _prior(s)
    eligible = [s for s in sents if _eligible(s, u, topics)]
    eligible.sort(key=lambda s: (-s.score, s.cand.rank, s.start))
    if not eligible or eligible[0].score < MIN_SCORE:
        return []
    floor = max(MIN_SCORE, relative * eligible[0].score)
    chosen: list[_Sentence] = []
    per: dict[tuple[str | None, str], int] = {}
    seen: set[str] = set()
    for s in eligible:
        if s.score < floor or len(chosen) >= max_items:
            break
        key = normalise_ws(s.text).casefold()
        doc_key = (s.cand.country, s.cand.hit.doc_id)
        if key in seen or per.get(doc_key, 0) >= per_doc:
            continue
        seen.add(key)
        per[doc_key] = per.get(doc_key, 0) + 1
        chosen.append(s)
    chosen = _group_by_document(_with_anaphora(chosen))
    linker = CitationLinker.for_index(index)
    pager = _Pager(conn)
    return [_make_item(s, linker, pager) for s in chosen]


def _featured_sentences(u: Understood, topics: Sequence[Topic],
                        candidates: Sequence[_Candidate], *tables: Any) -> list[_Sentence]:
    """The quotable sentences of the candidate passages with their lexical evidence."""
    sents: list[_Sentence] = []
    for cand in candidates:
        if cand.hit.kind == "table":  # rows of marks are not sentences to quote
            continue
        text = cand.hit.text
        notes = {normalise_ws(c.text) for c in cand.hit.citations}
        last: _Sentence | None = None
        for start, end in sentence_spans(text, skip=notes):
            s = text[start:end]
            if len(s) > MAX_SENTENCE_CHARS or not any(ch.isalpha() for ch in s):
                last = None
                continue
            sent = _Sentence(cand, start, end, s)
            _lexical_features(sent, u, topics, *tables)
            if last is not None and not _PARAGRAPH_BREAK.search(text, last.end, start):
                _carry_context(sent, _Sentence(cand, last.start, end, text[last.start:end]), u,
                               topics, *tables)
                sent.prev, last.next = (last.start, last.end), (start, end)
            sents.append(sent)
            last = sent
    return sents


# A sentence opening with one of these leans on the sentence before it ("This has not happened
# to date", "This unit is tasked to ...").
_ANAPHORA = re.compile(r"(?:This|These|That|Those|It|Its|They|Their|Such|The latter|"
                       r"The former|He|She|Both)\b")
MAX_QUOTE_CHARS = 900


def _with_anaphora(chosen: list[_Sentence]) -> list[_Sentence]:
    """Quote a sentence together with its anaphoric neighbour, so that every quote stands on its
    own: the antecedent of a sentence opening with "This ...", and the "This ..." sentence that
    completes the statement of a chosen one (e.g. its current status).  Still one verbatim
    slice of the passage; overlapping quotes of one passage merge."""
    out: list[_Sentence] = []
    for s in chosen:
        text = s.cand.hit.text
        start, end = s.start, s.end
        if s.prev and _ANAPHORA.match(s.text) and s.end - s.prev[0] <= MAX_QUOTE_CHARS:
            start = s.prev[0]
        if (s.next and _ANAPHORA.match(text[s.next[0]:s.next[1]])
                and s.next[1] - start <= MAX_QUOTE_CHARS):
            end = s.next[1]
        merged = next((o for o in out if o.cand.hit.passage_id == s.cand.hit.passage_id
                       and o.start < end and start < o.end), None)
        if merged is not None:  # keep the better-ranked quote's place, widened
            merged.start, merged.end = min(merged.start, start), max(merged.end, end)
            merged.text = text[merged.start:merged.end]
            continue
        if (start, end) != (s.start, s.end):
            s = _Sentence(**{**s.__dict__, "start": start, "end": end,
                             "text": text[start:end]})
        out.append(s)
    return out


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def sentence_spans(text: str, skip: set[str] | frozenset[str] = frozenset()
                   ) -> list[tuple[int, int]]:
    """Sentence spans of a passage; a blank line always ends a sentence (block boundary).
    Paragraphs equal to one of ``skip`` (footnote texts that leaked into a body passage) are
    left out: a footnote is evidence only as the citation of the sentence that calls it."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        para = text[pos:end]
        if para.strip() and normalise_ws(para) not in skip:
            spans.extend((pos + a, pos + b) for a, b in split_sentences(para))
        pos = m.end() if m else len(text)
    return spans


def _group_by_document(sents: list[_Sentence]) -> list[_Sentence]:
    """Stable grouping: documents in order of their best sentence, sentences by score within."""
    order: dict[tuple[str | None, str], list[_Sentence]] = {}
    for s in sents:
        order.setdefault((s.cand.country, s.cand.hit.doc_id), []).append(s)
    return [s for group in order.values() for s in group]


def _carry_context(s: _Sentence, ctx: _Sentence, u: Understood, topics: Sequence[Topic],
                   *tables: Any) -> None:
    """Evidence the sentence owes to the one before it in its paragraph ("... the National
    council for cybersecurity. This has not happened to date"): ``ctx`` spans both sentences and
    its features count at a discount, never as the sentence's own naming of the topic."""
    _lexical_features(ctx, u, topics, *tables)
    s.terms = max(s.terms, CONTEXT * ctx.terms)
    s.topic = max(s.topic, min(ctx.topic, CONTEXT_TOPIC))
    s.entity = max(s.entity, CONTEXT * ctx.entity)
    s.about = s.about or ctx.about


def _eligible(s: _Sentence, u: Understood, topics: Sequence[Topic]) -> bool:
    if u.countries and not s.about:
        return False
    if topics:
        return s.topic >= HEADING_TOPIC or s.sim >= STRONG_SIM
    if u.terms or u.orgs or u.instruments:
        # shared words alone, with a sentence that means something else, are no answer
        return ((s.terms >= TERMS_MIN and s.sim >= TERMS_SIM) or s.entity >= 1.0
                or s.sim >= STRONG_SIM)
    return True


def _lexical_features(s: _Sentence, u: Understood, topics: Sequence[Topic],
                      sources: dict[int, dict[str, str]], mentions: dict[int, list[Any]],
                      weights: dict[str, float], doc_instruments: dict[str, set[str]]) -> None:
    pid = s.cand.hit.passage_id
    # the sentence's own heading ("Article 2 - Illegal access", "4 Public-private partnership")
    # says what it is about even when the sentence does not repeat it
    heading = (s.cand.hit.section or "").rsplit(" > ", 1)[-1]
    if topics:
        if any(t.find_terms(s.text) for t in topics):
            s.topic = 1.0
        elif heading and any(t.find_terms(heading) for t in topics):
            s.topic = HEADING_TOPIC
        elif any(t.find_related(s.text) for t in topics):
            s.topic = 0.4
    if u.terms:
        ftext = fold(s.text + " " + heading)
        total = sum(weights.get(t, 1.0) for t in u.terms) or 1.0
        s.terms = sum(weights.get(t, 1.0) for t in u.terms if _term_in(t, ftext)) / total
    if u.years and any(str(y) in s.text for y in u.years):
        s.terms = min(1.0, s.terms + 0.5)
    in_sentence = {m["entity_id"] for m in mentions.get(pid, ())
                   if s.start <= m["start"] and m["end"] <= s.end}
    wanted_entities = set(u.orgs) | set(u.instruments)
    # a sentence of the instrument itself need not name it
    if wanted_entities & (in_sentence | doc_instruments.get(s.cand.hit.doc_id, set())):
        s.entity = 1.0
    if set(u.subdivisions) & in_sentence:
        # "Republika Srpska" asked: its own sentences rank first, but naming it does not make a
        # sentence an answer (1.0, reserved for asked organisations/instruments, would)
        s.entity = max(s.entity, 0.9)
    country = s.cand.country
    if country is None:
        s.about = True
        return
    cset = _country_set(u, country)
    src = sources.get(pid, {})
    # the passage sits in a section about the country or in the country's own document; otherwise
    # (a mere mention somewhere in the passage) the sentence itself must name the country
    if (s.cand.group == GROUP_OWN or set(cset) & in_sentence
            or set(u.country_entities) & in_sentence
            or any(src.get(c) in ("section", "document") for c in cset)):
        s.about = True
    if set(cset) & in_sentence:
        s.entity = max(s.entity, 0.5)


_SUFFIXES = ("ing", "ed", "es", "s", "e")


def _stem(term: str) -> str:
    """A prefix that matches the word's inflections and derivations: "create" ~ "creation",
    "adopted" ~ "adoption", "cooperation" ~ "cooperate"."""
    t = fold(term)
    for suf in _SUFFIXES:
        if t.endswith(suf) and len(t) - len(suf) >= 4:
            t = t[:-len(suf)]
            break
    return t[:max(5, len(t) - 3)] if len(t) > 7 else t


def _term_in(term: str, folded_text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(_stem(term)), folded_text) is not None


def term_weights(conn: Any, terms: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency of each term over the passages (FTS5 prefix counts), so that
    "quantum" outweighs "computing" when deciding whether a sentence covers a question."""
    if not terms:
        return {}
    n = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] or 0
    out: dict[str, float] = {}
    for t in terms:
        words = re.findall(r"\w+", _stem(t))
        if not words:
            continue
        expr = " ".join('"' + w + '"' for w in words[:-1]) + f' "{words[-1]}"*'
        try:
            df = conn.execute("SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH ?",
                              (expr.strip(),)).fetchone()[0]
        except sqlite3.OperationalError:  # odd input for MATCH: treat the term as common
            log.debug("FTS count failed for %r", expr, exc_info=True)
            df = n
        out[t] = math.log((n + 1) / (df + 1)) + 0.1
    return out


def _similarities(index: Any, question: str, sents: list[_Sentence]) -> None:
    """Cosine of each sentence with the question.  Embedding sentences is what ``ask`` spends
    its time on, so only the MAX_SENTENCES_EMBEDDED most promising ones (by their lexical
    evidence) are embedded; the rest get their passage's stored vector's similarity."""
    if not sents:
        return
    import numpy as np

    emb = index.embedder
    q = np.asarray(emb.embed([question], kind="query"), dtype="float32").reshape(-1)
    ranked = sorted(sents, key=lambda s: (-_prior(s), s.cand.rank, s.start))
    head, tail = ranked[:MAX_SENTENCES_EMBEDDED], ranked[MAX_SENTENCES_EMBEDDED:]
    for s, v in zip(head, _sentence_vectors(emb, [s.text for s in head]), strict=True):
        s.sim = max(0.0, float(v @ q))
    if tail:
        pvecs = _passage_vectors(index.store.conn, {s.cand.hit.passage_id for s in tail})
        for s in tail:
            v = pvecs.get(s.cand.hit.passage_id)
            s.sim = max(0.0, float(v @ q)) if v is not None and v.shape == q.shape else 0.0


def _prior(s: _Sentence) -> float:
    """The score without similarity: decides which sentences are worth embedding."""
    return (W_TOPIC * s.topic + W_TERMS * s.terms + W_HIT / math.sqrt(s.cand.rank)
            + W_ENTITY * s.entity)


def _passage_vectors(conn: Any, pids: set[int]) -> dict[int, Any]:
    import numpy as np

    rows = conn.execute("SELECT passage_id, vector FROM embeddings "
                        "WHERE passage_id IN (SELECT value FROM json_each(?))",
                        [json.dumps(sorted(pids))])
    return {int(r[0]): np.frombuffer(r[1], dtype="float32") for r in rows}


_VECTOR_CACHE: dict[tuple[str, str], Any] = {}
VECTOR_CACHE_SIZE = 50_000


def _sentence_vectors(emb: Any, texts: list[str]) -> list[Any]:
    """Embeddings of sentences, cached per model: briefs and matrices quote the same country
    sections again and again, and embedding dominates the cost of ``ask``."""
    import numpy as np

    model = str(getattr(emb, "model_id", id(emb)))
    missing = list(dict.fromkeys(t for t in texts if (model, t) not in _VECTOR_CACHE))
    if missing:
        if len(_VECTOR_CACHE) + len(missing) > VECTOR_CACHE_SIZE:
            _VECTOR_CACHE.clear()
        vecs = np.asarray(emb.embed(missing, kind="passage"), dtype="float32")
        _VECTOR_CACHE.update(((model, t), v) for t, v in zip(missing, vecs, strict=True))
    return [_VECTOR_CACHE[(model, t)] for t in texts]


def _passage_sources(conn: Any, pids: Sequence[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    rows = conn.execute(
        "SELECT passage_id, country, source FROM passage_countries "
        "WHERE passage_id IN (SELECT value FROM json_each(?))", [json.dumps(list(pids))])
    for r in rows:
        out.setdefault(int(r["passage_id"]), {})[r["country"]] = r["source"]
    return out


def _passage_mentions(conn: Any, pids: Sequence[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    rows = conn.execute(
        'SELECT passage_id, entity_id, label, start, "end" FROM mentions '
        "WHERE passage_id IN (SELECT value FROM json_each(?))", [json.dumps(list(pids))])
    for r in rows:
        out.setdefault(int(r["passage_id"]), []).append(r)
    return out


def _make_item(s: _Sentence, linker: CitationLinker, pager: _Pager) -> AnswerItem:
    hit = s.cand.hit
    text = hit.text[s.start:s.end]
    # the invariant every answer rests on: the quote is a verbatim slice of a stored passage
    if text != s.text or not text:
        raise RuntimeError(f"answer text is not a slice of passage {hit.passage_id}")
    page, exact = pager.page_of(hit, s.start, s.end)
    cites = tuple(
        linker.link(c, hit.doc_id) for c in hit.citations if s.start <= c.offset <= s.end
    )
    return AnswerItem(
        text=text, doc_id=hit.doc_id, title=hit.title, doc_kind=hit.doc_kind, page=page,
        pages=tuple(hit.pages), page_exact=exact, section=hit.section, citations=cites,
        group=s.cand.group, country=s.cand.country, score=s.score, passage_id=hit.passage_id,
        start=s.start, end=s.end,
    )


# --------------------------------------------------------------------------------------------
# pages


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


class _Pager:
    """Finds the page a sentence is on when its passage spans pages, by locating the sentence
    in the stored page texts (whitespace, case and punctuation ignored)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._pages: dict[tuple[str, int], str | None] = {}

    def page_text(self, doc_id: str, page: int) -> str | None:
        key = (doc_id, page)
        if key not in self._pages:
            row = self.conn.execute(
                "SELECT pg.text FROM pages pg JOIN documents d ON d.id = pg.doc_pk "
                "WHERE d.doc_id = ? AND pg.page = ?", (doc_id, page)).fetchone()
            self._pages[key] = _squash(row[0]) if row else None
        return self._pages[key]

    def page_of(self, hit: Hit, start: int, end: int) -> tuple[int | None, bool]:
        pages = list(hit.pages) or ([hit.page] if hit.page is not None else [])
        if len(pages) <= 1:
            return (pages[0] if pages else None), bool(pages)
        texts = [(p, self.page_text(hit.doc_id, p)) for p in pages]
        if any(t is None for _, t in texts):
            return pages[0], False
        joined = ""
        bounds: list[tuple[int, int]] = []  # (offset in joined, page)
        for p, t in texts:
            bounds.append((len(joined), p))
            joined += t or ""
        sent = _squash(hit.text[start:end])
        # the passage's own squashed text anchors the search, so a sentence repeated on
        # another page of the span is placed where this passage has it
        anchor = joined.find(_squash(hit.text))
        prefix = _squash(hit.text[:start])
        pos = -1
        if anchor >= 0:
            pos = anchor + len(prefix)
            if not joined.startswith(sent, pos):
                pos = -1
        if pos < 0:
            pos = joined.find(sent) if sent else -1
            if pos < 0 or joined.find(sent, pos + 1) >= 0:
                return pages[0], False  # absent or ambiguous: do not guess
        page = bounds[0][1]
        for off, p in bounds:
            if off <= pos:
                page = p
        return page, True


# --------------------------------------------------------------------------------------------
# citation chains


_URL_WORD = re.compile(r"[a-z0-9]+")
_STEM_STOP = frozenset({"national", "of", "the", "and", "for", "on", "per"})


class CitationLinker:
    """Links a footnote to a corpus document it cites: same URL as the document's source URL,
    an instrument the footnote names that the document's title names too, or (for a state's
    own document) the footnote names the state and every distinctive word of the document's
    file name (e.g. ``Strategjia_per_Mbrojtjen_Kibernetike.pdf``)."""

    _cache: ClassVar[dict[tuple[int, int], CitationLinker]] = {}

    def __init__(self, docs: dict[str, DocRow]) -> None:
        self.docs = docs
        self._doc_instruments: dict[str, set[str]] | None = None
        self._memo: dict[tuple[str, str], tuple[str, str] | None] = {}

    @classmethod
    def for_index(cls, index: Any) -> CitationLinker:
        store = index.store
        key = (id(store), int(store.generation))
        linker = cls._cache.get(key)
        if linker is None:
            cls._cache.clear()
            linker = cls._cache[key] = cls(documents(store.conn))
        return linker

    def link(self, cit: Citation, from_doc: str) -> CitedNote:
        key = (cit.text, from_doc)
        if key not in self._memo:
            self._memo[key] = self._find(cit, from_doc)
        found = self._memo[key]
        return CitedNote(
            marker=cit.marker, text=cit.text, url=cit.url, page=cit.page or None,
            urls=tuple(cit.urls), linked_doc_id=found[0] if found else None,
            linked_title=found[1] if found else None,
        )

    def _find(self, cit: Citation, from_doc: str) -> tuple[str, str] | None:
        others = [d for d in self.docs.values() if d.doc_id != from_doc]
        urls = list(dict.fromkeys(u for u in (*cit.urls, cit.url, *find_urls(cit.text)) if u))
        normed = {_norm_url(u) for u in urls}
        for d in others:
            if d.source_url and _norm_url(d.source_url) in normed:
                return d.doc_id, d.title
        # the note's prose, and the words of its URLs' paths ("...-croatian-cyber-security-
        # strategy"); never the host names, where "ox.ac.uk" would read as a country
        prose = _URL_RE.sub(" ", cit.text)
        path_words = " ".join(_url_path_words(u) for u in urls)
        ents = _tag(prose)
        path_countries, _, path_instruments = _entities_or_nothing(path_words)
        instruments = {e.id for e in ents if e.label == "INSTRUMENT" and e.id}
        instruments |= set(path_instruments)
        if instruments:
            doc_inst = self.doc_instruments()
            matches = [d for d in others if doc_inst.get(d.doc_id, set()) & instruments]
            if matches:
                best = _prefer(matches, self.docs.get(from_doc))
                return best.doc_id, best.title
        words = set(_URL_WORD.findall(fold(prose.replace("_", " ") + " " + path_words)))
        countries = {e.id for e in ents if e.label == "COUNTRY" and e.id} | set(path_countries)
        countries |= {p for c in countries if (p := _parent_country(c))}
        for d in others:
            if not d.country or d.country not in countries:
                continue
            stem = _stem_words(d)
            if len(stem) >= 2 and stem <= words:
                return d.doc_id, d.title
        return None

    def doc_instruments(self) -> dict[str, set[str]]:
        if self._doc_instruments is None:
            self._doc_instruments = {
                d.doc_id: {e.id for e in _tag(d.title) if e.label == "INSTRUMENT" and e.id}
                for d in self.docs.values()
            }
        return self._doc_instruments


def _prefer(docs: Sequence[DocRow], citing: DocRow | None) -> DocRow:
    """Several documents may carry one instrument (Croatia's strategy in Croatian and in
    English, the GDPR as OJ text and as Council PDF): take the citing document's language, then
    the plain-text edition, then the first id, so the choice is stable."""
    lang = citing.language if citing else None
    return min(docs, key=lambda d: (d.language != lang, not d.path.endswith(".txt"), d.doc_id))


def _tag(text: str) -> list[Any]:
    from wbpolicy import tag

    return list(tag.get_tagger().tag(text))


def _entities_or_nothing(text: str) -> tuple[list[str], list[str], list[str]]:
    if not text.strip():
        return [], [], []
    return _question_entities(text)


_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_FILE_WORDS = frozenset({"pdf", "html", "htm", "doc", "docx", "php", "aspx", "asp", "view"})


def _url_path_words(url: str) -> str:
    parsed = urllib.parse.urlparse(url if "://" in url else "http://" + url)
    path = urllib.parse.unquote(parsed.path + " " + parsed.query).replace("\\", " ")
    return " ".join(w for w in re.split(r"[^0-9A-Za-z\u00c0-\u024f]+", path)
                    if w and w.lower() not in _FILE_WORDS)


def _stem_words(doc: DocRow) -> set[str]:
    """Distinctive words of a document's file name: "al-strategjia-per-mbrojtjen-kibernetike-2014"
    -> {strategjia, mbrojtjen, kibernetike}."""
    name = doc.path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if doc.path else doc.doc_id
    words = _URL_WORD.findall(fold(name))
    country = fold(doc.country or "")
    return {w for w in words if len(w) >= 4 and not w.isdigit() and w != country
            and w not in _STEM_STOP}


def _norm_url(url: str) -> str:
    u = fold(urllib.parse.unquote(url.strip()))
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"^www\.", "", u)
    return u.rstrip("/")


# --------------------------------------------------------------------------------------------
# rendering


def format_citation(c: CitedNote) -> str:
    parts = [f"fn {c.marker}: {normalise_ws(c.text)}"]
    if c.url and c.url not in c.text:
        parts.append(c.url)
    if c.linked_doc_id:
        parts.append(f"-> in corpus: {c.linked_title} ({c.linked_doc_id})")
    return "[" + " ".join(parts) + "]"


def format_source(it: AnswerItem) -> str:
    out = f"— {it.title}"
    if it.page is not None:
        out += f", p. {it.page}" if it.page_exact else f", pp. {'-'.join(map(str, it.pages))}"
    if it.section:
        out += f", § {it.section}"
    return out


def format_answer(ans: Answer) -> str:
    u = ans.understood
    lines = [f"Question: {ans.question}"]
    understood = []
    if u.countries:
        understood.append("country " + ", ".join(country_name(c) for c in u.country_set))
    for label, vals in (("organisation", u.orgs), ("instrument", u.instruments),
                        ("kind", u.kinds), ("year", [str(y) for y in u.years])):
        if vals:
            understood.append(f"{label} {', '.join(vals)}")
    if u.topics:
        understood.append("topic " + ", ".join(
            f"{t} ({ans.topic_labels.get(t, t)})" for t in u.topics))
    if u.terms:
        understood.append("words " + ", ".join(u.terms))
    lines.append("Understood: " + ("; ".join(understood) or "nothing specific"))
    own = [s for s in ans.searched if s.group == GROUP_OWN]
    if own:
        lines.append("Country documents searched: " + "; ".join(s.title for s in own))
    elif u.countries:
        kinds = " or ".join(u.kinds) or "document"
        lines.append(f"The corpus holds no {kinds} of "
                     + ", ".join(country_name(c) for c in u.countries)
                     + "; quoting what other documents say about it.")
    if ans.abstained:
        lines += ["", ans.message or "No answer."]
        return "\n".join(lines)
    for _, items in ans.groups():
        first = items[0]
        head = (f"About {country_name(first.country)} in" if first.group == GROUP_ABOUT
                else first.group[:1].upper() + first.group[1:] + ":")
        lines += ["", f"== {head} {first.title} ({first.doc_kind or 'document'}) =="]
        for it in items:
            cites = " ".join(format_citation(c) for c in it.citations)
            lines.append(f"“{normalise_ws(it.text)}” {format_source(it)}"
                         + (f" {cites}" if cites else ""))
    return "\n".join(lines)
