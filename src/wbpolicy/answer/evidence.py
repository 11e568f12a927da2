"""Evidence selection: split candidate passages into sentences (each an exact slice of a stored
passage), give each its lexical evidence and its similarity to the question, keep the eligible
ones (about the asked country, addressing the topic) and choose the quotes."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from wbpolicy.answer.quotable import is_lead_in, list_after, quotable
from wbpolicy.answer.types import GROUP_OWN
from wbpolicy.knowledge.topics import Topic
from wbpolicy.models import Document, Hit
from wbpolicy.query import Query
from wbpolicy.query.expand import form_in, topic_forms
from wbpolicy.settings import AnswerSettings
from wbpolicy.text import PARAGRAPH_BREAK, fold, match_prefix, normalise_ws, sentence_spans

if TYPE_CHECKING:
    import sqlite3

    import numpy as np

    from wbpolicy.index import Index


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    group: str
    country: str | None
    rank: int  # in its own search (scores of separate searches are not comparable)


@dataclass
class Sentence:
    cand: Candidate
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


@dataclass(frozen=True)
class Tables:
    """What the store says about the candidate passages, read once per answer."""

    sources: dict[int, dict[str, str]]  # passage -> {country: section|document|mention}
    mentions: dict[int, list[sqlite3.Row]]
    weights: dict[str, float]  # IDF of each content term
    doc_instruments: dict[str, set[str]]


def select(
    index: Index,
    q: Query,
    topics: Sequence[Topic],
    candidates: Sequence[Candidate],
    s: AnswerSettings,
    *,
    max_items: int,
    per_doc: int,
    relative: float,
    current: frozenset[str] = frozenset(),
) -> list[Sentence]:
    """The sentences to quote, best document first; [] to abstain.  ``current``: the documents
    that are their country's newest primary source (:func:`current_primary`)."""
    if not candidates:
        return []
    reader = index.reader
    pids = [c.hit.passage_id for c in candidates]
    tables = Tables(
        sources=reader.passage_countries(pids),
        mentions=reader.mentions(pids),
        weights=term_weights(index, q.content_terms),
        doc_instruments=reader.document_instruments() if q.instruments else {},
    )
    sents = featured_sentences(q, topics, candidates, tables, s)
    # a sentence not about the asked country can never be quoted: do not pay to embed it
    sents = [x for x in sents if x.about]
    similarities(index, q.similarity_text, sents, s)
    for x in sents:
        x.score = s.w_sim * x.sim + prior(x, s)
        if x.cand.hit.doc_id in current:  # the newest strategy/law of its country speaks first
            x.score += s.w_current
    eligible = [x for x in sents if eligible_for(x, q, topics, s)]
    eligible.sort(key=lambda x: (-x.score, x.cand.rank, x.start))
    if not eligible or eligible[0].score < s.min_score:
        return []
    floor = max(s.min_score, relative * eligible[0].score)
    chosen: list[Sentence] = []
    per: dict[tuple[str | None, str], int] = {}
    seen: set[str] = set()
    for x in eligible:
        if x.score < floor or len(chosen) >= max_items:
            break
        key = normalise_ws(x.text).casefold()
        doc_key = (x.cand.country, x.cand.hit.doc_id)
        if key in seen or per.get(doc_key, 0) >= per_doc:
            continue
        seen.add(key)
        per[doc_key] = per.get(doc_key, 0) + 1
        chosen.append(x)
    return group_by_document(with_anaphora(with_lists(chosen, s), s))


def current_primary(docs: dict[str, Document]) -> frozenset[str]:
    """The documents that are the newest primary source (strategy, law...) of their country and
    kind: when an older one, or a report about the country, says the same, these are quoted
    first."""
    from wbpolicy.knowledge import knowledge

    kinds = knowledge().kinds
    newest: dict[tuple[str, str], tuple[int, str]] = {}
    for d in docs.values():
        if d.country and d.year and kinds.is_primary(d.kind):
            key = (d.country, d.kind)
            newest[key] = max(newest.get(key, (0, "")), (d.year, d.doc_id))
    return frozenset(doc_id for _, doc_id in newest.values())


def featured_sentences(
    q: Query,
    topics: Sequence[Topic],
    candidates: Sequence[Candidate],
    tables: Tables,
    s: AnswerSettings,
) -> list[Sentence]:
    """The quotable sentences of the candidate passages with their lexical evidence."""
    sents: list[Sentence] = []
    for cand in candidates:
        if cand.hit.kind == "table" or cand.hit.is_toc:  # rows of marks, a contents page
            continue
        text = cand.hit.text
        heading = (cand.hit.section or "").rsplit(" > ", 1)[-1]
        notes = {normalise_ws(c.text) for c in cand.hit.citations}
        last: Sentence | None = None
        for start, end in sentence_spans(text, skip=notes):
            chunk = text[start:end]
            if len(chunk) > s.max_sentence_chars or not quotable(chunk, heading, s):
                last = None  # a heading, caption, TOC line or fragment: searchable, not quoted
                continue
            sent = Sentence(cand, start, end, chunk)
            lexical_features(sent, q, topics, tables, s)
            if last is not None and not PARAGRAPH_BREAK.search(text, last.end, start):
                ctx = Sentence(cand, last.start, end, text[last.start : end])
                carry_context(sent, ctx, q, topics, tables, s)
                sent.prev, last.next = (last.start, last.end), (start, end)
            sents.append(sent)
            last = sent
    return sents


def lexical_features(
    x: Sentence, q: Query, topics: Sequence[Topic], t: Tables, s: AnswerSettings
) -> None:
    pid = x.cand.hit.passage_id
    # the sentence's own heading ("Article 2 - Illegal access", "4 Public-private partnership")
    # says what it is about even when the sentence does not repeat it
    heading = (x.cand.hit.section or "").rsplit(" > ", 1)[-1]
    if topics:
        # a topic term in the sentence, or its translation (glossary.yaml): "obuka" is training
        if any(tp.find_terms(x.text) for tp in topics) or _names_topic(topics, fold(x.text)):
            x.topic = 1.0
        elif heading and any(tp.find_terms(heading) for tp in topics):
            x.topic = s.heading_topic
        elif any(tp.find_related(x.text) for tp in topics):
            x.topic = s.related_topic
    if q.content_terms:
        ftext = fold(x.text + " " + heading)
        total = sum(t.weights.get(w, 1.0) for w in q.content_terms) or 1.0
        x.terms = (
            sum(t.weights.get(w, 1.0) for w in q.content_terms if term_in(w, ftext, q.forms_of(w)))
            / total
        )
    if q.years and any(str(y) in x.text for y in q.years):
        x.terms = min(1.0, x.terms + s.year_bonus)
    in_sentence = {
        m["entity_id"]
        for m in t.mentions.get(pid, ())
        if x.start <= m["start"] and m["end"] <= x.end
    }
    # a sentence of the instrument itself need not name it
    if (set(q.orgs) | set(q.instruments)) & (
        in_sentence | t.doc_instruments.get(x.cand.hit.doc_id, set())
    ):
        x.entity = 1.0
    if set(q.subdivisions) & in_sentence:
        x.entity = max(x.entity, s.subdivision_entity)
    _about(x, q, t, in_sentence, s)


def _about(x: Sentence, q: Query, t: Tables, in_sentence: set[str], s: AnswerSettings) -> None:
    """Whether the sentence is about the candidate's country: the passage sits in a section about
    it or in its own document; otherwise (a mere mention somewhere in the passage) the sentence
    itself must name the country."""
    country = x.cand.country
    if country is None:
        x.about = True
        return
    cset = q.country_scope(country)
    src = t.sources.get(x.cand.hit.passage_id, {})
    if (
        x.cand.group == GROUP_OWN
        or set(cset) & in_sentence
        or set(q.country_entities) & in_sentence
        or any(src.get(c) in ("section", "document") for c in cset)
    ):
        x.about = True
    if set(cset) & in_sentence:
        x.entity = max(x.entity, s.country_entity)


def carry_context(
    x: Sentence, ctx: Sentence, q: Query, topics: Sequence[Topic], t: Tables, s: AnswerSettings
) -> None:
    """Evidence the sentence owes to the one before it in its paragraph ("... the National
    council for cybersecurity. This has not happened to date"): ``ctx`` spans both sentences and
    its features count at a discount, never as the sentence's own naming of the topic."""
    lexical_features(ctx, q, topics, t, s)
    x.terms = max(x.terms, s.context * ctx.terms)
    x.topic = max(x.topic, min(ctx.topic, s.context_topic))
    x.entity = max(x.entity, s.context * ctx.entity)
    x.about = x.about or ctx.about


def eligible_for(x: Sentence, q: Query, topics: Sequence[Topic], s: AnswerSettings) -> bool:
    if q.countries and not x.about:
        return False
    if topics:
        return x.topic >= s.heading_topic or x.sim >= s.strong_sim
    if q.content_terms or q.orgs or q.instruments:
        # shared words alone, with a sentence that means something else, are no answer
        return (
            (x.terms >= s.terms_min and x.sim >= s.terms_sim)
            or x.entity >= 1.0
            or x.sim >= s.strong_sim
        )
    return True


def prior(x: Sentence, s: AnswerSettings) -> float:
    """The score without similarity: decides which sentences are worth embedding."""
    return (
        s.w_topic * x.topic
        + s.w_terms * x.terms
        + s.w_hit / math.sqrt(x.cand.rank)
        + s.w_entity * x.entity
    )


def term_in(term: str, folded_text: str, forms: Sequence[str] = ()) -> bool:
    """Whether a folded text contains the term in some form, or one of its translations
    (``forms``: glossary forms, :attr:`Query.term_forms`)."""
    if re.search(r"(?<!\w)" + re.escape(match_prefix(term)), folded_text) is not None:
        return True
    return any(form_in(f, folded_text) for f in forms)


def _names_topic(topics: Sequence[Topic], folded_text: str) -> bool:
    """Whether a sentence names one of the topics through a translation of one of its terms."""
    return any(form_in(f, folded_text) for tp in topics for f in topic_forms(tp.id))


def term_weights(index: Index, terms: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency of each term over the passages (FTS5 prefix counts), so that
    "quantum" outweighs "computing" when deciding whether a sentence covers a question."""
    if not terms:
        return {}
    reader = index.reader
    n = reader.passage_count()
    out: dict[str, float] = {}
    for t in terms:
        words = re.findall(r"\w+", match_prefix(t))
        if not words:
            continue
        expr = " ".join('"' + w + '"' for w in words[:-1]) + f' "{words[-1]}"*'
        df = reader.fts_count(expr.strip())
        out[t] = math.log((n + 1) / ((n if df is None else df) + 1)) + 0.1
    return out


def similarities(index: Index, question: str, sents: list[Sentence], s: AnswerSettings) -> None:
    """Cosine of each sentence with the question.  Embedding sentences is what ``ask`` spends
    its time on, so only the most promising ones (by their lexical evidence) are embedded; the
    rest get their passage's stored vector's similarity."""
    if not sents:
        return
    import numpy as np

    from wbpolicy.search.dense import query_vector

    q = query_vector(index, question)
    ranked = sorted(sents, key=lambda x: (-prior(x, s), x.cand.rank, x.start))
    head, tail = ranked[: s.max_sentences_embedded], ranked[s.max_sentences_embedded :]
    for x, v in zip(head, sentence_vectors(index, [x.text for x in head], s), strict=True):
        x.sim = max(0.0, float(v @ q))
    if tail:
        pvecs = index.reader.vectors({x.cand.hit.passage_id for x in tail})
        for x in tail:
            pv: np.ndarray | None = pvecs.get(x.cand.hit.passage_id)
            x.sim = max(0.0, float(pv @ q)) if pv is not None and pv.shape == q.shape else 0.0
    del np


def sentence_vectors(index: Index, texts: list[str], s: AnswerSettings) -> list[Any]:
    """Embeddings of sentences, cached on the index: briefs and matrices quote the same country
    sections again and again, and embedding dominates the cost of ``ask``."""
    import numpy as np

    cache: dict[str, Any] = index.sentence_vectors
    missing = list(dict.fromkeys(t for t in texts if t not in cache))
    if missing:
        if len(cache) + len(missing) > s.vector_cache_size:
            cache.clear()
        vecs = np.asarray(index.embedder.embed(missing, kind="passage"), dtype="float32")
        cache.update(zip(missing, vecs, strict=True))
    return [cache[t] for t in texts]


# A sentence opening with one of these leans on the sentence before it ("This has not happened
# to date", "This unit is tasked to ...").
_ANAPHORA = re.compile(
    r"(?:This|These|That|Those|It|Its|They|Their|Such|The latter|"
    r"The former|He|She|Both)\b"
)


def with_anaphora(chosen: list[Sentence], s: AnswerSettings) -> list[Sentence]:
    """Quote a sentence together with its anaphoric neighbour, so that every quote stands on its
    own: the antecedent of a sentence opening with "This ...", and the "This ..." sentence that
    completes the statement of a chosen one (e.g. its current status).  Still one verbatim
    slice of the passage; overlapping quotes of one passage merge."""
    out: list[Sentence] = []
    for x in chosen:
        text = x.cand.hit.text
        start, end = x.start, x.end
        if x.prev and _ANAPHORA.match(x.text) and x.end - x.prev[0] <= s.max_quote_chars:
            start = x.prev[0]
        if (
            x.next
            and _ANAPHORA.match(text[x.next[0] : x.next[1]])
            and x.next[1] - start <= s.max_quote_chars
        ):
            end = x.next[1]
        merged = next(
            (
                o
                for o in out
                if o.cand.hit.passage_id == x.cand.hit.passage_id
                and o.start < end
                and start < o.end
            ),
            None,
        )
        if merged is not None:  # keep the better-ranked quote's place, widened
            merged.start, merged.end = min(merged.start, start), max(merged.end, end)
            merged.text = text[merged.start : merged.end]
            continue
        if (start, end) != (x.start, x.end):
            x = replace(x, start=start, end=end, text=text[start:end])
        out.append(x)
    return out


def with_lists(chosen: list[Sentence], s: AnswerSettings) -> list[Sentence]:
    """A sentence ending in ":" is quoted with the list it introduces; one that only announces
    it ("The main laws related to cybercrime are the following:") is dropped when no list
    follows in its passage."""
    out: list[Sentence] = []
    for x in chosen:
        if not x.text.rstrip().endswith(":"):
            out.append(x)
            continue
        text = x.cand.hit.text
        end = list_after(text, x.end, s.max_quote_chars - len(x.text))
        if end is not None:
            out.append(replace(x, end=end, text=text[x.start : end], next=None))
        elif not is_lead_in(x.text):
            out.append(x)
    return out


def group_by_document(sents: list[Sentence]) -> list[Sentence]:
    """Stable grouping: documents in order of their best sentence, sentences by score within."""
    order: dict[tuple[str | None, str], list[Sentence]] = {}
    for x in sents:
        order.setdefault((x.cand.country, x.cand.hit.doc_id), []).append(x)
    return [x for group in order.values() for x in group]
