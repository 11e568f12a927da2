"""Answer a question with verbatim, page-accurate, footnote-cited sentences, or abstain.

Pipeline: the question's one analysis (:func:`wbpolicy.query.analyse`) -> search the country's own
documents (of the asked kind) and, separately, the passages about the country elsewhere -> choose
the sentences (:mod:`.evidence`) -> quote them with page and footnotes, or abstain.

Nothing is generated: every answer text is a slice of a stored passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from wbpolicy.answer.citations import CitationLinker
from wbpolicy.answer.evidence import Candidate, Sentence, current_primary, select
from wbpolicy.answer.types import (
    GROUP_ABOUT,
    GROUP_ANY,
    GROUP_OWN,
    Answer,
    AnswerItem,
    SearchedDoc,
)
from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.topics import Topic
from wbpolicy.models import Document, Filters, Hit
from wbpolicy.query import Query, analyse
from wbpolicy.settings import AnswerSettings, SearchSettings

if TYPE_CHECKING:
    from wbpolicy.index import Index


def ask(
    index: Index,
    question: str | Query,
    top_k: int | None = None,
    settings: AnswerSettings | None = None,
    search_settings: SearchSettings | None = None,
    filters: Filters | None = None,
) -> Answer:
    """Answer ``question`` from ``index`` with verbatim sentences, or abstain.  ``filters`` (the
    same as ``search``'s) narrow where the answer may come from."""
    s = settings or AnswerSettings()
    q = question if isinstance(question, Query) else analyse(question, search_settings)
    return answer(
        index,
        q,
        top_k=top_k or s.top_k,
        settings=s,
        search_settings=search_settings,
        filters=filters,
    )


def answer(
    index: Index,
    q: Query,
    top_k: int = 8,
    *,
    search_query: Query | None = None,
    max_items: int | None = None,
    per_doc: int | None = None,
    relative: float | None = None,
    settings: AnswerSettings | None = None,
    search_settings: SearchSettings | None = None,
    filters: Filters | None = None,
) -> Answer:
    """The retrieval-and-quoting half of :func:`ask`.  ``search_query`` is what is searched when
    it differs from the question (``brief`` searches a topic's terms)."""
    s = settings or AnswerSettings()
    user = filters or Filters()
    if q.years and user.year_min is None:
        # "Kosovo's 2023 Law on ...": a document written before 2023 cannot describe it
        user = replace(user, year_min=min(q.years), year_unknown_ok=True)
    docs = {k: d for k, d in index.reader.documents().items() if document_allowed(d, user)}
    topics = q.topic_objects()
    hits, searched, candidates = _retrieve(
        index, q, search_query or q, docs, top_k, search_settings, user
    )
    chosen = select(
        index,
        q,
        topics,
        candidates,
        s,
        max_items=s.max_items if max_items is None else max_items,
        per_doc=s.per_doc if per_doc is None else per_doc,
        relative=s.relative if relative is None else relative,
        current=current_primary(docs),
    )
    linker = CitationLinker.for_index(index)
    items = tuple(with_newer(quote(x, linker), docs) for x in chosen)
    searched = dedupe_searched(searched)
    return Answer(
        question=q.text,
        understood=q,
        items=items,
        hits=tuple(hits),
        searched=tuple(searched),
        abstained=not items,
        message=None if items else _empty_message(q, topics, searched, docs, user),
        topic_labels={t.id: t.label for t in topics},
    )


def _retrieve(
    index: Index,
    q: Query,
    sq: Query,
    docs: dict[str, Document],
    top_k: int,
    search_settings: SearchSettings | None,
    user: Filters,
) -> tuple[list[Hit], list[SearchedDoc], list[Candidate]]:
    from wbpolicy.search import search

    hits: list[Hit] = []
    searched: list[SearchedDoc] = []
    candidates: list[Candidate] = []
    seen: set[int] = set()
    if not docs:
        return hits, searched, candidates
    for country in q.countries or (None,):
        cset = q.country_scope(country)
        for group, run in search_runs(q, country, cset, docs):
            filters = narrowed(run, user, docs)
            got = list(
                search(index, sq, top_k=top_k, filters=filters, settings=search_settings).hits
            )
            searched.extend(searched_docs(docs, group, filters, got))
            for rank, h in enumerate(got, start=1):
                if h.passage_id in seen:
                    continue
                seen.add(h.passage_id)
                hits.append(h)
                candidates.append(Candidate(h, group, country, rank))
    return hits, searched, candidates


def search_runs(
    q: Query, country: str | None, cset: Sequence[str], docs: dict[str, Document]
) -> list[tuple[str, Filters]]:
    """Where to look: without a country, every document (of the asked kind); with one, its own
    documents (of the asked kind when the corpus has it, else all of them) and, separately, the
    passages about it in documents that are not its own."""
    if country is None:
        return [(GROUP_ANY, Filters(kinds=stored_kinds(docs, q.kinds)))]
    runs: list[tuple[str, Filters]] = []
    own = own_documents(docs, cset, q.kinds) or own_documents(docs, cset, ())
    if own:
        runs.append((GROUP_OWN, Filters(doc_ids=tuple(d.doc_id for d in own))))
    others = tuple(d.doc_id for d in docs.values() if d.country not in cset)
    if others:
        runs.append((GROUP_ABOUT, Filters(countries=tuple(cset), doc_ids=others)))
    return runs


def document_allowed(d: Document, f: Filters) -> bool:
    """Whether the document-level filters (ids, kinds, years) let ``d`` answer."""
    if f.doc_ids and d.doc_id not in f.doc_ids:
        return False
    if f.kinds and not any(is_kind(d, k) for k in f.kinds):
        return False
    if d.year is None:
        return f.year_unknown_ok or (f.year_min is None and f.year_max is None)
    if f.year_min is not None and d.year < f.year_min:
        return False
    return not (f.year_max is not None and d.year > f.year_max)


def narrowed(run: Filters, user: Filters, docs: dict[str, Document]) -> Filters:
    """A search run's filters narrowed by the user's: the document-level ones already chose
    ``docs``, which a run over every document is then limited to."""
    doc_level = bool(user.doc_ids or user.kinds or user.year_min or user.year_max)
    return replace(
        run,
        doc_ids=run.doc_ids or (tuple(docs) if doc_level else ()),
        countries=run.countries or user.countries,
        orgs=user.orgs,
        instruments=user.instruments,
    )


def own_documents(
    docs: dict[str, Document], countries: Sequence[str], kinds: Sequence[str]
) -> list[Document]:
    """The countries' own documents, of one of ``kinds`` when given (by stored kind, or the kind
    word in the title: the ITU profiles are stored as "other" but titled "... profile")."""
    return [
        d
        for d in docs.values()
        if d.country in countries and (not kinds or any(is_kind(d, k) for k in kinds))
    ]


def with_newer(item: AnswerItem, docs: dict[str, Document]) -> AnswerItem:
    """The item, noting the newest document that supersedes the one quoted: of the same country
    (the one the item answers for, when a regional report is quoted) and kind, or a primary
    document (strategy, law...) when a report or profile is quoted — the 2014 profile quoted
    while the 2020 strategy is indexed."""
    quoted = docs.get(item.doc_id)
    if quoted is None or quoted.year is None:
        return item
    kinds = knowledge().kinds
    country = item.country or quoted.country
    secondary = not kinds.is_primary(quoted.kind)
    newer = [
        d
        for d in docs.values()
        if d.doc_id != quoted.doc_id
        and d.country == country
        and d.year is not None
        and d.year > quoted.year
        and (d.kind == quoted.kind or (secondary and kinds.is_primary(d.kind)))
    ]
    if not newer:
        return item
    best = max(newer, key=lambda d: (d.year or 0, d.doc_id))
    return replace(item, newer=(best.doc_id, best.title, best.year or 0))


_LOCATOR = re.compile(
    r"^(?:(?P<art>Article|Art\.|Član|Članak|Clan|Neni|Член|Члан)\s*(?P<n>\d+[a-z]?)"
    r"|(?P<num>\d+(?:\.\d+)+|\d+)[.)]?\s)",
    re.IGNORECASE,
)


def section_locator(section: str | None) -> str | None:
    """ "Chapter II > Article 8 - Misuse of devices" -> "Art. 8"; "3 Goals > 3.2 Aims" -> "§ 3.2";
    else the innermost heading itself."""
    if not section:
        return None
    inner = section.rsplit(" > ", 1)[-1].strip()
    m = _LOCATOR.match(inner)
    if m and m.group("art"):
        word = m.group("art")
        return f"{'Art.' if word.lower().startswith('art') else word} {m.group('n')}"
    if m and m.group("num"):
        return f"§ {m.group('num')}"
    return f"§ {inner[:80]}"


def is_kind(doc: Document, kind: str) -> bool:
    kinds = knowledge().kinds
    return (doc.kind or "").lower() in kinds.stored_values(kind) or kinds.titled(doc.title, kind)


def stored_kinds(docs: dict[str, Document], kinds: Sequence[str]) -> tuple[str, ...]:
    present = {d.kind for d in docs.values() if d.kind}
    values = knowledge().kinds.stored_values
    return tuple(v for k in kinds for v in values(k) if v in present)


def searched_docs(
    docs: dict[str, Document], group: str, filters: Filters, hits: Sequence[Hit]
) -> list[SearchedDoc]:
    ids: Iterable[str] = (
        filters.doc_ids if group == GROUP_OWN else dict.fromkeys(h.doc_id for h in hits)
    )
    return [
        SearchedDoc(d.doc_id, d.title, d.kind, group)
        for doc_id in ids
        if (d := docs.get(doc_id)) is not None
    ]


def dedupe_searched(searched: Sequence[SearchedDoc]) -> list[SearchedDoc]:
    seen: dict[str, SearchedDoc] = {}
    for x in searched:
        seen.setdefault(x.doc_id, x)
    return list(seen.values())


def _empty_message(
    q: Query,
    topics: Sequence[Topic],
    searched: Sequence[SearchedDoc],
    docs: dict[str, Document],
    user: Filters,
) -> str:
    if not docs:
        from wbpolicy.search import describe_filters

        return f"Nothing to search: no document {describe_filters(user)}."
    return abstain_message(q, topics, searched)


def abstain_message(q: Query, topics: Sequence[Topic], searched: Sequence[SearchedDoc]) -> str:
    what = (
        ", ".join(t.label for t in topics)
        if topics
        else (" ".join(q.content_terms) or q.text.strip())
    )
    where = "; ".join(f"{x.title} ({x.doc_id})" for x in searched) or "the index (nothing matched)"
    msg = f"No passage in {where} addresses {what}"
    if q.countries:
        msg += " for " + ", ".join(knowledge().country_name(c) for c in q.country_set)
    return msg + "."


def quote(x: Sentence, linker: CitationLinker) -> AnswerItem:
    hit = x.cand.hit
    text = hit.text[x.start : x.end]
    # the invariant every answer rests on: the quote is a verbatim slice of a stored passage
    if text != x.text or not text:
        raise RuntimeError(f"answer text is not a slice of passage {hit.passage_id}")
    page, exact = hit.page_of(x.start)
    last, _ = hit.page_of(max(x.start, x.end - 1))
    if page is not None and last is not None and last > page:
        quote_pages: tuple[int, ...] = tuple(range(page, last + 1))  # it crosses a page break
    else:
        quote_pages = (page,) if page is not None else ()
    locator = None
    if not hit.paginated:  # a text without pages: its section says where the quote is
        exact, quote_pages, locator = False, (), section_locator(hit.section)
    cites = tuple(linker.link(c, hit.doc_id) for c in hit.citations if x.start <= c.offset <= x.end)
    return AnswerItem(
        text=text,
        doc_id=hit.doc_id,
        title=hit.title,
        doc_kind=hit.doc_kind,
        page=page,
        pages=tuple(hit.pages),
        page_exact=exact,
        section=hit.section,
        citations=cites,
        group=x.cand.group,
        country=x.cand.country,
        score=x.score,
        passage_id=hit.passage_id,
        start=x.start,
        end=x.end,
        year=hit.doc_year,
        quote_pages=quote_pages,
        locator=locator,
        ocr=hit.ocr,
    )
