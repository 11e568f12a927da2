"""A light rerank of the fused list's head: country evidence, the passage kind the query asks
for, footnotes and tables of contents, coverage of the query's words, and the focus region."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from wbpolicy.index.reader import Reader
from wbpolicy.knowledge import knowledge
from wbpolicy.query import Query
from wbpolicy.settings import SearchSettings
from wbpolicy.text import fold, match_prefix

Ranked = list[tuple[int, float]]


def rerank_head(reader: Reader, scored: Ranked, query: Query, s: SearchSettings) -> Ranked:
    head, tail = scored[: s.boost_depth], scored[s.boost_depth :]
    if not head:
        return scored
    ids = [pid for pid, _ in head]
    bonus = country_bonus(reader, ids, query.country_set, s)
    patterns = term_patterns(query.terms) if s.coverage_weight else []
    for row in reader.rerank_rows(ids):
        b = _passage_bonus(row, query, s, patterns)
        if b:
            bonus[row["id"]] = bonus.get(row["id"], 0.0) + b
    if not bonus:
        return scored
    head = sorted(((p, v + bonus.get(p, 0.0)) for p, v in head), key=lambda x: (-x[1], x[0]))
    return head + tail


def _passage_bonus(
    row: sqlite3.Row, query: Query, s: SearchSettings, patterns: list[re.Pattern[str]]
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
    if patterns:
        folded = fold(text)
        b += s.coverage_weight * sum(1 for r in patterns if r.search(folded)) / len(patterns)
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
