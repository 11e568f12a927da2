"""A light rerank of the fused list's head: country evidence, the passage kind the query asks
for, footnotes and tables of contents, coverage of the query's words, and the focus region."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from wbpolicy.index.reader import Reader
from wbpolicy.knowledge import knowledge
from wbpolicy.query import Query
from wbpolicy.query.expand import Tokens, form_in_tokens, form_words
from wbpolicy.settings import SearchSettings
from wbpolicy.text import TOKEN, fold, match_prefix

Ranked = list[tuple[int, float]]


def rerank_head(reader: Reader, scored: Ranked, query: Query, s: SearchSettings) -> Ranked:
    head, tail = scored[: s.boost_depth], scored[s.boost_depth :]
    if not head:
        return scored
    ids = [pid for pid, _ in head]
    bonus = country_bonus(reader, ids, query.country_set, s)
    for pid, b in year_bonus(reader, ids, query, s).items():
        bonus[pid] = bonus.get(pid, 0.0) + b
    lists = _coverage_words(query, s) if s.coverage_weight else ()
    units = [coverage_words(w, query) for w in lists]
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
    units: Sequence[Sequence[Word]] = (),
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
    passage = _passage(text)
    if units:
        b += s.coverage_weight * sum(passage.coverage(u) for u in units) / len(units)
    n_words = len(passage.words)
    if n_words < s.fragment_min_words:
        b -= s.fragment_penalty
    elif n_words > s.long_passage_words:
        b -= s.long_passage_penalty
    has_url = row["cited_url"] or "http" in text or "www." in text
    if "footnote" in query.wants and (kind == "footnote" or has_url):
        b += s.kind_boost
    elif kind == "footnote":
        b -= s.footnote_penalty
    if "table" in query.wants and kind == "table":
        b += s.kind_boost
    if "date" in query.wants and has_date(text):
        b += s.date_boost
    if row["is_toc"]:
        b -= s.toc_penalty
    return b


# a year (1950-2039), or a day and month in figures ("3.3.2010", "03/03/2010")
_DATE = re.compile(
    r"(?<![\d.])(?:19[5-9]\d|20[0-3]\d)(?!\d)|\b\d{1,2}[./]\s?\d{1,2}[./]\s?\d{2,4}\b"
)


def has_date(text: str) -> bool:
    """Whether a passage holds a date or a year (what a question asking "when" wants)."""
    return _DATE.search(text) is not None


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


@dataclass(frozen=True)
class Word:
    """A query word as coverage tests it: what a passage must hold at a word start (its
    folded :func:`match_prefix`, "cooper" for "cooperation"), or else one of its translations
    (``Query.forms_of``), so that a passage in the language of the country asked about is not
    judged by English words it cannot contain."""

    prefix: str
    forms: tuple[str, ...] = ()


def coverage_words(terms: Sequence[str], query: Query | None = None) -> tuple[Word, ...]:
    return tuple(Word(match_prefix(t), query.forms_of(t) if query else ()) for t in terms)


def coverage(text: str, words: Sequence[Word]) -> float:
    """The share of ``words`` a passage holds."""
    return _passage(text).coverage(words)


class _Passage:
    """A passage's text as coverage reads it, made once per passage (a rerank tests each of its
    60 passages against one or two word lists, and the same passages come back query after
    query): its words, its folded text, the words it was tested for."""

    __slots__ = ("_held", "_tokens", "folded", "words")

    def __init__(self, text: str) -> None:
        self.words = TOKEN.findall(text)
        self.folded = fold(text)
        self._tokens: Tokens | None = None
        self._held: dict[Word, bool] = {}

    def coverage(self, words: Sequence[Word]) -> float:
        if not words:
            return 0.0
        return sum(1 for w in words if self.holds(w)) / len(words)

    def holds(self, word: Word) -> bool:
        held = self._held.get(word)
        if held is None:
            held = self._starts_a_word(word.prefix) or any(
                self._may_hold(f) and form_in_tokens(f, self.tokens) for f in word.forms
            )
            if len(self._held) >= 256:  # a passage met by many queries
                self._held.clear()
            self._held[word] = held
        return held

    def _starts_a_word(self, prefix: str) -> bool:
        """Whether the folded text holds ``prefix`` where no word character precedes it (what
        the pattern ``(?<!\\w)prefix`` finds), by substring search: ``re``'s word characters
        are those ``str.isalnum`` accepts, and the underscore."""
        text = self.folded
        at = text.find(prefix)
        while at > 0:
            before = text[at - 1]
            if not (before.isalnum() or before == "_"):
                return True
            at = text.find(prefix, at + 1)
        return at == 0

    def _may_hold(self, form: str) -> bool:
        """Whether every part of every word of a form occurs in the folded text: what holding
        the form needs (folding is character by character), tested without tokenising."""
        return all(p in self.folded for parts, _ in form_words(form) for p in parts)

    @property
    def tokens(self) -> Tokens:
        if self._tokens is None:
            self._tokens = Tokens([_fold_token(t) for t in self.words])
        return self._tokens


_passage = lru_cache(maxsize=1024)(_Passage)
_fold_token = lru_cache(maxsize=65_536)(fold)


_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-\u2013/]\s*((?:19|20)\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def document_years(year: int | None, title: str) -> set[int]:
    """The years a document is of: its own, the years its title names, and every year of a
    period its title names ("Strategy 2016-2021")."""
    out = {int(y) for y in _YEAR.findall(title)}
    for a, b in _YEAR_RANGE.findall(title):
        if int(a) <= int(b) <= int(a) + 20:
            out.update(range(int(a), int(b) + 1))
    if year:
        out.add(int(year))
    return out


def year_bonus(reader: Reader, ids: list[int], query: Query, s: SearchSettings) -> dict[int, float]:
    """A bonus for passages of a document of the kind and year a query names ("the UK's 2011
    strategy", "the 2025 law"): the year says which document is meant.  A year named without a
    kind dates an event, which any document may report."""
    if not (query.years and query.kinds and s.year_boost and ids):
        return {}
    wanted = set(query.years)
    hits = reader.hits([(pid, 0.0) for pid in ids], len(ids))
    return {
        h.passage_id: s.year_boost
        for h in hits
        if h.doc_kind in query.kinds and wanted & document_years(h.doc_year, h.title or "")
    }


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
