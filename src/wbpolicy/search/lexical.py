"""Lexical retrieval: SQLite FTS5 BM25 over passage text, section path and title."""

from __future__ import annotations

from collections.abc import Sequence

from wbpolicy.index.reader import Reader
from wbpolicy.query import Query
from wbpolicy.settings import SearchSettings
from wbpolicy.text import TOKEN, prefix_query


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_expression(terms: Sequence[str], phrases: Sequence[str] = ()) -> str | None:
    """A MATCH expression that cannot raise a syntax error: every term is a quoted string (FTS5
    treats a quoted string as a phrase of its tokens, so "KOS-CERT" matches ``kos cert``), every
    inflected term also as a prefix query, all OR-ed.  None when nothing searchable is left."""
    parts: list[str] = []
    for t in terms:
        if not any(c.isalnum() for c in t):
            continue
        parts.append(quote(t))
        prefix = prefix_query(t)
        if prefix:
            parts.append(quote(prefix) + "*")
    for p in phrases:
        toks = TOKEN.findall(p)
        if toks:
            parts.append(quote(" ".join(toks)))
    parts = list(dict.fromkeys(parts))
    return " OR ".join(parts) if parts else None


def lexical_search(
    reader: Reader, query: Query, k: int, allowed: set[int] | None, settings: SearchSettings
) -> list[tuple[int, float]]:
    expr = fts_expression(query.terms, query.phrases)
    if expr is None:
        return []
    return reader.fts(expr, k, allowed, settings.bm25_weights)
