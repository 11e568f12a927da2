"""A light rerank of the fused list's head: country evidence, the passage kind the query asks
for, footnotes and tables of contents, coverage of the query's words, and the focus region."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from wbpolicy.index.reader import Reader
from wbpolicy.knowledge import knowledge
from wbpolicy.query import Query
from wbpolicy.query.expand import form_in_tokens
from wbpolicy.settings import SearchSettings
from wbpolicy.text import TOKEN, fold, match_prefix

Ranked = list[tuple[int, float]]


def rerank_head(reader: Reader, scored: Ranked, query: Query, s: SearchSettings) -> Ranked:
    head, tail = scored[: s.boost_depth], scored[s.boost_depth :]
    if not head:
        return scored
    ids = [pid for pid, _ in head]
    bonus = country_bonus(reader, ids, query.country_set, s)
    words = _coverage_words(query, s) if s.coverage_weight else ()
    units = [(term_patterns(w), [query.forms_of(t) for t in w]) for w in words]
    for row in reader.rerank_rows(ids):
        b = _passage_bonus(row, query, s, units)
        if b:
            bonus[row["id"]] = bonus.get(row["id"], 0.0) + b
    if not bonus:
        return scored
    head = sorted(((p, v + bonus.get(p, 0.0)) for p, v in head), key=lambda x: (-x[1], x[0]))
    return head + tail


def _passage_bonus(
    row: sqlite3.Row,
    query: Query,
    s: SearchSettings,
    units: Sequence[tuple[list[re.Pattern[str]], list[tuple[str, ...]]]] = (),
) -> float:
    region = knowledge().region
    kind, text, doc_country = row["kind"], row["text"], row["country"]
    b = 0.0
    if (
        not query.country_set
        and doc_country
        and region.is_state(doc_country)
        and not region.in_focus(doc_country)
    ):
        b -= s.off_focus_penalty
    if units:
        b += s.coverage_weight * sum(coverage(text, p, f) for p, f in units) / len(units)
    has_url = row["cited_url"] or "http" in text or "www." in text
    if "footnote" in query.wants and (kind == "footnote" or has_url):
        b += s.kind_boost
    elif kind == "footnote":
        b -= s.footnote_penalty
    if "table" in query.wants and kind == "table":
        b += s.kind_boost
    if row["is_toc"]:
        b -= s.toc_penalty
    return b


def _coverage_words(query: Query, s: SearchSettings) -> tuple[tuple[str, ...], ...]:
    """The word lists whose coverage is averaged: all the query's words, and its content words
    (names, kinds and topic words left out) when it has at least
    ``SearchSettings.coverage_content_min_terms`` of them: a passage that merely repeats the name
    of what is asked about ("the Protocol", "the Council") then ranks below one that holds what
    is asked about it.  (One content word alone is too weak a test: "the role of X".)"""
    content, terms = tuple(query.content_terms), tuple(query.terms)
    if len(content) >= s.coverage_content_min_terms and content != terms:
        return (terms, content)
    return (tuple(query.terms),)


def coverage(
    text: str,
    patterns: Sequence[re.Pattern[str]],
    forms: Sequence[Sequence[str]] = (),
) -> float:
    """The share of the query's words a passage holds, a word counting as held in any of its
    translations (``forms[i]`` for ``patterns[i]``, Query.term_forms), so that a passage in the
    language of the country asked about is not judged by English words it cannot contain."""
    if not patterns:
        return 0.0
    folded = fold(text)
    toks: list[str] | None = None
    held = 0
    for i, r in enumerate(patterns):
        if r.search(folded):
            held += 1
            continue
        alts = forms[i] if i < len(forms) else ()
        if alts:
            toks = toks if toks is not None else [fold(t) for t in TOKEN.findall(text)]
            held += any(form_in_tokens(f, toks) for f in alts)
    return held / len(patterns)


def term_patterns(terms: Sequence[str]) -> list[re.Pattern[str]]:
    return [re.compile(r"(?<!\w)" + re.escape(match_prefix(t))) for t in terms]


def country_bonus(
    reader: Reader, ids: list[int], countries: Sequence[str], s: SearchSettings
) -> dict[int, float]:
    """A bonus for passages about an asked country (by how the country was assigned), and a
    penalty for passages about other states only."""
    if not countries or not ids:
        return {}
    wanted = set(countries)
    best: dict[int, float] = {}
    for pid, about in reader.passage_countries(ids).items():
        for country, source in about.items():
            if country in wanted:
                best[pid] = max(best.get(pid, 0.0), s.boost_for(source))
    if s.country_mismatch:
        region = knowledge().region
        for pid, about in reader.passage_countries(ids, assigned_only=True).items():
            cs = set(about)
            if pid not in best and all(region.is_state(c) for c in cs) and not (cs & wanted):
                best[pid] = -s.country_mismatch
    return best
