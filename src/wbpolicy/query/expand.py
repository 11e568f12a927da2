"""Lexical expansion of a query: acronyms <-> full names from the gazetteer, topic synonyms, the
numbered references a query names ("Table 1", "Article 35"), and the passage kinds it asks for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.gazetteer import looks_like_acronym
from wbpolicy.knowledge.topics import Topic
from wbpolicy.text import STOPWORDS, TOKEN, fold

_NUMBERED = re.compile(r"\b([A-Za-z]{2,})\.?\s+(\d[\w/.-]*)")
_WANTS_URL = re.compile(
    r"\b(?:published|publishes|available|url|link|links|website|web\s*site|online|download\w*|"
    r"web\s*page|where\s+(?:can|could|do|does|is|are)\b.*\b(?:find|read|get|found))",
    re.IGNORECASE,
)
_WANTS_TABLE = re.compile(r"\btable\s*\d+\b|\btables?\b|\bmatrix\b", re.IGNORECASE)


def wants(text: str) -> tuple[str, ...]:
    """Passage kinds the query asks for: "footnote" (where something is published), "table"."""
    out = []
    if _WANTS_URL.search(text):
        out.append("footnote")
    if _WANTS_TABLE.search(text):
        out.append("table")
    return tuple(out)


def numbered_refs(text: str) -> list[str]:
    """ "Table 1", "Article 35", "Decision no. 1202": a number means something only with its
    noun."""
    return [
        f"{m.group(1)} {m.group(2)}"
        for m in _NUMBERED.finditer(text)
        if fold(m.group(1)) in ("no", "nos", "nr") or fold(m.group(1)) not in STOPWORDS
    ]


@dataclass(frozen=True)
class _Alias:
    forms: tuple[str, ...]  # every name of the entry
    acronym: bool  # the matched alias is an acronym ("SEENSA")


@lru_cache(maxsize=1)
def _alias_table() -> tuple[dict[str, _Alias], dict[str, _Alias], int]:
    """Aliases of ORG/INSTRUMENT entries: (case-sensitive table of acronyms keyed by their exact
    tokens, case-insensitive table of names keyed by folded tokens, longest alias in tokens).
    Acronyms match case-sensitively so that "first" never expands to FIRST.  Country names are
    handled by country boosting instead."""
    exact: dict[str, _Alias] = {}
    folded: dict[str, _Alias] = {}
    longest = 0
    for entry in knowledge().gazetteer.entries:
        if entry.label == "COUNTRY":
            continue
        forms = tuple(dict.fromkeys([entry.name, *entry.aliases]))
        for form in forms:
            toks = TOKEN.findall(form)
            if not toks:
                continue
            acronym = looks_like_acronym(form)
            # an alias shared by several entries is ambiguous: the first entry keeps it
            if acronym:
                exact.setdefault(" ".join(toks), _Alias(forms, True))
            else:
                folded.setdefault(" ".join(fold(t) for t in toks), _Alias(forms, False))
            longest = max(longest, len(toks))
    return exact, folded, longest


def alias_expansions(text: str, limit: int) -> list[str]:
    """Acronym <-> full name: a query naming "SEENSA" gets the full name, and vice versa."""
    exact, folded, longest = _alias_table()
    toks = TOKEN.findall(text)
    keys = [fold(t) for t in toks]
    found: list[str] = []
    used: set[int] = set()
    for n in range(min(longest, len(toks)), 0, -1):
        for i in range(len(toks) - n + 1):
            if any(j in used for j in range(i, i + n)):
                continue
            hit = exact.get(" ".join(toks[i : i + n]))
            if hit is None and not (n == 1 and keys[i] in STOPWORDS):
                hit = folded.get(" ".join(keys[i : i + n]))
            if hit is None:
                continue
            used.update(range(i, i + n))
            # the other kind of name: full names for an acronym, acronyms for a full name
            others = [f for f in hit.forms if looks_like_acronym(f) != hit.acronym]
            found.extend(others[:2])
    return list(dict.fromkeys(found))[:limit]


def topic_terms(topics: Sequence[Topic], per_topic: int) -> tuple[str, ...]:
    terms: list[str] = []
    for t in topics:
        terms.extend(t.terms[:per_topic])
    return tuple(dict.fromkeys(terms))


def entity_names(ids: Sequence[str]) -> tuple[str, ...]:
    """Canonical names of known entities ("MK" -> "North Macedonia")."""
    know = knowledge()
    return tuple(e.name for i in ids if (e := know.entry(i)) is not None)
