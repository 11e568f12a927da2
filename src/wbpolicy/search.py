"""Passage retrieval: dense (FAISS), lexical (SQLite FTS5 bm25) and hybrid (fused) search.

Filters are applied before ranking: the allowed passage ids are computed in SQL and handed to both
retrievers, so a filtered query still returns ``top_k`` hits when that many exist.

Query analysis uses what the index knows: gazetteer aliases (acronym <-> full name), the countries
a query names (including demonyms, via :mod:`wbpolicy.tag`), and topic synonyms
(:mod:`wbpolicy.topics`).  Each of those is optional: a missing module degrades to plain search.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from wbpolicy.errors import WbpolicyError
from wbpolicy.models import Citation, Filters, Hit
from wbpolicy.text import fold

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")

# Candidate depth per retriever before fusion; deep enough that fusion and boosts can reorder.
CANDIDATES = 100
RRF_K = 60
# Hybrid fusion: "rrf" or "weighted" (min-max normalised score mix).  Chosen on measurements
# (see eval/README.md): both are kept so the comparison can be re-run.
FUSION = "weighted"
DENSE_WEIGHT = 0.5
# Cosine at which a dense list counts as fully confident (see _minmax).
DENSE_REF: float | None = 0.6
# Score bonus (in normalised [0, 1] fused-score units) for passages about a country the query
# names; a section-level assignment ("4.4 Kosovo*") is the strongest evidence.
COUNTRY_BOOST = {"section": 0.12, "document": 0.08, "mention": 0.04}
# Penalty for a passage that is about *other* states only (by section or document), when the
# query names a country: an ITU profile of Serbia is not an answer about Kosovo.
COUNTRY_MISMATCH = 0.1
# Hybrid: score every candidate of either list in both retrievers before fusing, and normalise
# against absolute floors (bm25 0; a cosine of 0.3, below which MiniLM similarity is noise)
# instead of each list's cut-off score, so a passage just below one list's cut-off keeps partial
# credit.  Measured on dev + own query sets (eval/README.md): +0.04 dev MRR, +0.03 other-document
# MRR, held-out neutral.
COMPLETE_SCORES = True
LEX_FLOOR_ZERO = True
DENSE_FLOOR: float | None = 0.3
COMPLETE_LEX_DEPTH = 500
# bm25 column weights for passages_fts(text, section, title)
BM25_WEIGHTS = (1.0, 0.4, 0.1)

_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours s t don cannot can't
    there's what's tell give list show find describe explain many much
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# A query token: words, numbers, and compounds joined by - . / ' (KOS-CERT, e-SEE, 2013/40/EU).
_TOKEN = re.compile(r"\w+(?:[-/.'’]\w+)*", re.UNICODE)
_NUMBERED = re.compile(r"\b([A-Za-z]{2,})\.?\s+(\d[\w/.-]*)")
_SUFFIXES = ("ations", "ation", "ments", "ment", "ities", "ity", "ies", "ing", "ed", "es", "s")


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str
    hits: tuple[Hit, ...]
    understood: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "hits": [h.to_json() for h in self.hits],
            "mode": self.mode,
            "understood": self.understood,
        }


@dataclass(frozen=True)
class QueryAnalysis:
    """What query analysis found; drives expansion and boosting."""

    terms: tuple[str, ...]  # content tokens of the query as typed
    phrases: tuple[str, ...]  # extra lexical phrases: alias expansions, country names, topic terms
    dense_text: str  # the string embedded for dense retrieval
    countries: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    expansions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    wants: tuple[str, ...] = ()  # passage kinds the query asks for: "footnote" (a URL), "table"

    def understood(self) -> dict[str, Any]:
        return {
            "terms": list(self.terms),
            "countries": list(self.countries),
            "orgs": list(self.orgs),
            "instruments": list(self.instruments),
            "expansions": list(self.expansions),
            "topics": list(self.topics),
            "wants": list(self.wants),
        }


# --------------------------------------------------------------------------------------------
# public entry point


def search(
    index: Any,
    query: str,
    top_k: int = 10,
    filters: Filters | None = None,
    mode: str = "hybrid",
) -> SearchResult:
    """Rank passages of ``index`` for ``query``; see the module docstring."""
    if mode not in MODES:
        raise WbpolicyError(f"unknown search mode {mode!r} (choose from {', '.join(MODES)})")
    filters = filters or Filters()
    top_k = max(0, int(top_k))
    analysis = analyse_query(query)
    conn = index.store.conn
    if top_k == 0 or not query.strip():
        return SearchResult(query, mode, (), analysis.understood())
    allowed = allowed_passage_ids(conn, filters)
    if allowed is not None and not allowed:
        return SearchResult(query, mode, (), analysis.understood())
    depth = max(CANDIDATES, top_k * 3)
    dense: list[tuple[int, float]] = []
    lexical: list[tuple[int, float]] = []
    if mode in ("dense", "hybrid"):
        dense = dense_search(index, analysis, depth, allowed)
    lexical_more: list[tuple[int, float]] = []
    if mode in ("lexical", "hybrid"):
        # hybrid reads deeper once: the passages below the cut-off are the score completion's
        # lexical scores (an FTS query restricted to given rowids is far slower than this)
        lex_k = max(depth, COMPLETE_LEX_DEPTH) if mode == "hybrid" and COMPLETE_SCORES else depth
        lexical = lexical_search(conn, analysis, lex_k, allowed)
        lexical, lexical_more = lexical[:depth], lexical[depth:]
    if mode == "dense":
        scored = dense
    elif mode == "lexical":
        scored = lexical
    else:
        dense_floor = dense[-1][1] if dense else None
        lex_floor = lexical[-1][1] if lexical else None
        if COMPLETE_SCORES:
            dense, lexical = _complete(index, analysis, dense, lexical, lexical_more)
            if LEX_FLOOR_ZERO:
                lex_floor = 0.0
            if DENSE_FLOOR is not None:
                dense_floor = DENSE_FLOOR
        scored = fuse(dense, lexical, floors=(dense_floor, lex_floor))
        scored = _boost(conn, scored, analysis)
    hits = _make_hits(conn, scored, top_k)
    return SearchResult(query, mode, tuple(hits), analysis.understood())


# --------------------------------------------------------------------------------------------
# filters


def filter_sql(filters: Filters) -> tuple[str, list[Any]] | None:
    """A ``SELECT p.id`` statement for the passages allowed by ``filters`` (None: no filter)."""
    if filters.is_empty():
        return None
    where: list[str] = []
    params: list[Any] = []

    def in_list(expr: str, values: Sequence[str]) -> None:
        where.append(f"{expr} IN ({','.join('?' * len(values))})")
        params.extend(values)

    if filters.doc_ids:
        in_list("d.doc_id", filters.doc_ids)
    if filters.kinds:
        in_list("d.kind", filters.kinds)
    if filters.year_min is not None:
        where.append("d.year >= ?")
        params.append(filters.year_min)
    if filters.year_max is not None:
        where.append("d.year <= ?")
        params.append(filters.year_max)
    if filters.countries:
        marks = ",".join("?" * len(filters.countries))
        where.append(
            f"p.id IN (SELECT passage_id FROM passage_countries WHERE country IN ({marks}))"
        )
        params.extend(filters.countries)
    # orgs and instruments are separate constraints: a passage must match one of each given kind
    for ids in (filters.orgs, filters.instruments):
        if ids:
            marks = ",".join("?" * len(ids))
            where.append(f"p.id IN (SELECT passage_id FROM mentions WHERE entity_id IN ({marks}))")
            params.extend(ids)
    sql = "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_pk WHERE " + " AND ".join(
        where
    )
    return sql, params


def allowed_passage_ids(conn: Any, filters: Filters) -> set[int] | None:
    spec = filter_sql(filters)
    if spec is None:
        return None
    sql, params = spec
    return {int(r[0]) for r in conn.execute(sql, params)}


# --------------------------------------------------------------------------------------------
# query analysis


def query_tokens(query: str) -> list[str]:
    """Content tokens of ``query`` in order, stopwords and duplicates dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for m in _TOKEN.finditer(query):
        tok = m.group(0).strip(".'’")
        key = fold(tok)
        if not tok or key in seen or key in _STOPWORDS:
            continue
        # single letters carry no signal except as part of compounds
        if len(tok) == 1 and not tok.isdigit():
            continue
        seen.add(key)
        out.append(tok)
    return out


def analyse_query(query: str) -> QueryAnalysis:
    terms = tuple(query_tokens(query))
    countries, orgs, instruments = _query_entities(query)
    expansions = _alias_expansions(query)
    # the canonical names of countries the query names ("Macedonian" -> "Macedonia")
    country_names = _entity_names(countries)
    topic_ids, topic_terms = _topic_terms(query)
    seen = {fold(t) for t in terms}
    phrases: list[str] = []
    # "Table 1", "Article 35", "Decision no. 1202": a number is only meaningful with its noun
    numbered = [
        f"{m.group(1)} {m.group(2)}"
        for m in _NUMBERED.finditer(query)
        if fold(m.group(1)) in ("no", "nos", "nr") or fold(m.group(1)) not in _STOPWORDS
    ]
    for p in (*numbered, *expansions, *country_names, *topic_terms):
        if fold(p) not in seen:
            seen.add(fold(p))
            phrases.append(p)
    dense_text = query
    extra = [e for e in expansions if fold(e) not in fold(query)]
    if extra:
        dense_text = f"{query} ({'; '.join(extra[:3])})"
    return QueryAnalysis(
        terms=terms,
        phrases=tuple(phrases),
        dense_text=dense_text,
        countries=countries,
        orgs=orgs,
        instruments=instruments,
        expansions=tuple(expansions),
        topics=topic_ids,
        wants=_wants(query),
    )


_WANTS_URL = re.compile(
    r"\b(?:published|publishes|available|url|link|links|website|web\s*site|online|download\w*|"
    r"web\s*page|where\s+(?:can|could|do|does|is|are)\b.*\b(?:find|read|get|found))",
    re.IGNORECASE,
)
_WANTS_TABLE = re.compile(r"\btable\s*\d+\b|\btables?\b|\bmatrix\b", re.IGNORECASE)


def _wants(query: str) -> tuple[str, ...]:
    wants = []
    if _WANTS_URL.search(query):
        wants.append("footnote")
    if _WANTS_TABLE.search(query):
        wants.append("table")
    return tuple(wants)


def _query_entities(query: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    from wbpolicy import tag

    qe = tag.query_entities(query)
    return tuple(qe.countries), tuple(qe.orgs), tuple(qe.instruments)


EXPANSIONS_MAX = 3


@lru_cache(maxsize=1)
def _gazetteer() -> Any:
    """The gazetteer, parsed once per process (YAML parsing costs ~0.5 s)."""
    from wbpolicy.knowledge import get_gazetteer

    return get_gazetteer()


@dataclass(frozen=True)
class _Alias:
    forms: tuple[str, ...]  # every name of the entry
    acronym: bool  # the matched alias is an acronym ("SEENSA")


@lru_cache(maxsize=1)
def _alias_table() -> tuple[dict[str, _Alias], dict[str, _Alias], int]:
    """Aliases of ORG/INSTRUMENT entries: (case-sensitive table of acronyms keyed by their exact
    tokens, case-insensitive table of names keyed by folded tokens, longest alias in tokens).
    Acronyms match case-sensitively so that "first" never expands to FIRST.  Country names are
    handled by entity boosting instead."""
    gaz = _gazetteer()
    from wbpolicy.knowledge.gazetteer import looks_like_acronym

    exact: dict[str, _Alias] = {}
    folded: dict[str, _Alias] = {}
    longest = 0
    for entry in gaz.entries:
        if getattr(entry, "label", "") == "COUNTRY":
            continue
        forms = tuple(dict.fromkeys([entry.name, *entry.aliases]))
        for form in forms:
            toks = _TOKEN.findall(form)
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


def _alias_expansions(query: str) -> list[str]:
    """Acronym <-> full name: a query naming "SEENSA" gets the full name, and vice versa."""
    exact, folded, longest = _alias_table()
    if not (exact or folded):
        return []
    from wbpolicy.knowledge.gazetteer import looks_like_acronym

    toks = _TOKEN.findall(query)
    keys = [fold(t) for t in toks]
    found: list[str] = []
    used: set[int] = set()
    for n in range(min(longest, len(toks)), 0, -1):
        for i in range(len(toks) - n + 1):
            if any(j in used for j in range(i, i + n)):
                continue
            hit = exact.get(" ".join(toks[i : i + n]))
            if hit is None and not (n == 1 and keys[i] in _STOPWORDS):
                hit = folded.get(" ".join(keys[i : i + n]))
            if hit is None:
                continue
            used.update(range(i, i + n))
            # the other kind of name: full names for an acronym, acronyms for a full name
            others = [f for f in hit.forms if looks_like_acronym(f) != hit.acronym]
            found.extend(others[:2])
    return list(dict.fromkeys(found))[:EXPANSIONS_MAX]


@lru_cache(maxsize=64)
def _entity_names_cached(ids: tuple[str, ...]) -> tuple[str, ...]:
    gaz = _gazetteer()
    names: list[str] = []
    for i in ids:
        entry = gaz.get(i)
        if entry is not None:
            names.append(entry.name)
    return tuple(names)


def _entity_names(ids: Iterable[str]) -> tuple[str, ...]:
    return _entity_names_cached(tuple(ids))


@lru_cache(maxsize=1)
def _topics() -> Any:
    from wbpolicy.knowledge import get_topics as load_topics

    return load_topics()


TOPIC_TERMS_MAX = 6


def _topic_terms(query: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    matched = _topics().match(query)
    ids = tuple(t.id for t in matched)
    terms: list[str] = []
    for t in matched:
        terms.extend(t.terms[:TOPIC_TERMS_MAX])
    return ids, tuple(dict.fromkeys(terms))


# --------------------------------------------------------------------------------------------
# lexical retrieval


def _stem(tok: str) -> str | None:
    """A crude prefix for FTS prefix queries ("attacks" -> "attack*"); None: match exactly."""
    low = tok.lower()
    if not low.isalpha() or len(low) < 5:
        return None
    for suf in _SUFFIXES:
        if low.endswith(suf) and len(low) - len(suf) >= 4:
            return low[: -len(suf)]
    return None


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_expression(terms: Sequence[str], phrases: Sequence[str] = ()) -> str | None:
    """A MATCH expression that cannot raise a syntax error: every term is a quoted string (FTS5
    treats a quoted string as a phrase of its tokens, so "KOS-CERT" matches ``kos cert``), every
    inflected term also as a prefix query, all OR-ed.  None when nothing searchable is left."""
    parts: list[str] = []
    for t in terms:
        if not any(c.isalnum() for c in t):
            continue
        parts.append(_quote(t))
        stem = _stem(t)
        if stem:
            parts.append(_quote(stem) + "*")
    for p in phrases:
        toks = _TOKEN.findall(p)
        if toks:
            parts.append(_quote(" ".join(toks)))
    parts = list(dict.fromkeys(parts))
    return " OR ".join(parts) if parts else None


def lexical_search(
    conn: Any, analysis: QueryAnalysis, k: int, allowed: set[int] | None
) -> list[tuple[int, float]]:
    expr = fts_expression(analysis.terms, analysis.phrases)
    if expr is None:
        return []
    w = BM25_WEIGHTS
    sql = (
        f"SELECT rowid, -bm25(passages_fts, {w[0]}, {w[1]}, {w[2]}) AS s FROM passages_fts "
        "WHERE passages_fts MATCH ?"
    )
    params: list[Any] = [expr]
    if allowed is not None:
        # json_each keeps the statement one parameter long whatever the size of the allowed set
        sql += " AND rowid IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(allowed)))
    sql += " ORDER BY s DESC LIMIT ?"
    params.append(k)
    try:
        rows = conn.execute(sql, params).fetchall()
    except Exception as exc:  # noqa: BLE001 - a bad MATCH must never crash a search
        log.warning("FTS query failed for %r: %s", expr, exc)
        return []
    return [(int(r[0]), float(r[1])) for r in rows]


# --------------------------------------------------------------------------------------------
# dense retrieval


def dense_search(
    index: Any, analysis: QueryAnalysis, k: int, allowed: set[int] | None
) -> list[tuple[int, float]]:
    import numpy as np

    vec = _query_vector(index, analysis.dense_text)
    allowed_arr = None
    if allowed is not None:
        allowed_arr = np.fromiter(sorted(allowed), dtype="int64", count=len(allowed))
    res = index.vectors.search(vec, k, allowed_arr)
    return [(int(pid), float(score)) for pid, score in res]


_LAST_VECTOR: dict[str, Any] = {}  # {'key': (embedder id, text), 'vec': array}


def _query_vector(index: Any, text: str) -> Any:
    """The query embedding; the last one is kept so score completion does not embed twice."""
    import numpy as np

    key = (id(index.embedder), text)
    if _LAST_VECTOR.get("key") != key:
        vec = index.embedder.embed([text], kind="query")
        _LAST_VECTOR["key"] = key
        _LAST_VECTOR["vec"] = np.asarray(vec, dtype="float32").reshape(1, -1)[0]
    return _LAST_VECTOR["vec"]


# --------------------------------------------------------------------------------------------
# fusion and boosting


def fuse(
    dense: list[tuple[int, float]],
    lexical: list[tuple[int, float]],
    method: str | None = None,
    dense_weight: float | None = None,
    floors: tuple[float | None, float | None] = (None, None),
) -> list[tuple[int, float]]:
    """Combine two ranked lists into one, best first.  Scores end in [0, 1].  ``floors``: the
    (dense, lexical) scores that normalise to 0 (default: each list's lowest score)."""
    method = method or FUSION
    w = DENSE_WEIGHT if dense_weight is None else dense_weight
    scores: dict[int, float] = {}
    if method == "rrf":
        for weight, ranked in ((w, dense), (1 - w, lexical)):
            for rank, (pid, _) in enumerate(ranked, start=1):
                scores[pid] = scores.get(pid, 0.0) + 2 * weight / (RRF_K + rank)
        top = max(scores.values(), default=1.0) or 1.0
        scores = {pid: s / top for pid, s in scores.items()}
    elif method == "weighted":
        for weight, ranked, ref, floor in (
            (w, dense, DENSE_REF, floors[0]),
            (1 - w, lexical, None, floors[1]),
        ):
            for pid, s in _minmax(ranked, ref, floor):
                scores[pid] = scores.get(pid, 0.0) + weight * s
    else:
        raise ValueError(f"unknown fusion method {method!r}")
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def _minmax(
    ranked: list[tuple[int, float]], ref: float | None = None, floor: float | None = None
) -> list[tuple[int, float]]:
    """Scale scores to [0, 1] relative to the best; the floor is the list's last score, so a
    candidate missing from a list scores 0 there.  With ``ref``, the top is at least ``ref``: a
    list whose best score is weak in absolute terms (a cosine of 0.4 for an unknown acronym)
    then counts for less than a confident one."""
    if not ranked:
        return []
    top = max(s for _, s in ranked)
    hi = top if ref is None else max(top, ref)
    lo = min(s for _, s in ranked) if floor is None else floor
    span = hi - lo
    if span <= 1e-9:
        return [(pid, 1.0) for pid, _ in ranked]
    return [(pid, max(0.0, (s - lo) / span)) for pid, s in ranked]


def _complete(
    index: Any,
    analysis: QueryAnalysis,
    dense: list[tuple[int, float]],
    lexical: list[tuple[int, float]],
    lexical_more: list[tuple[int, float]],
) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """Score every candidate in both retrievers: a passage found by one list only would otherwise
    count 0 in the other, although it may match the query's words (or meaning) just below that
    list's cut-off.  ``lexical_more``: the lexical matches below the cut-off."""
    d_ids = {p for p, _ in dense}
    l_ids = {p for p, _ in lexical}
    more_lex = [(p, s) for p, s in lexical_more if p in d_ids]
    only_lex = l_ids - d_ids
    more_dense = dense_search(index, analysis, len(only_lex), only_lex) if only_lex else []
    return dense + more_dense, lexical + more_lex


# Bonus for a passage of the kind the query asks for (a footnote or a URL; a table).
KIND_BOOST = 0.15
# A bare footnote ("Available at: http://...") is weak evidence unless the query asks where
# something is published: body passages carry their footnotes as citations anyway.
FOOTNOTE_PENALTY = 0.2
# Tables of contents match every heading's words and answer nothing.
TOC_PENALTY = 0.3
_TOC_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+|…+\s*\d+")
# Heuristic rerank: bonus x share of the query's content terms present in the passage.
COVERAGE_WEIGHT = 0.1
# The corpus is about the Western Balkans; strategies of other single states are comparative
# background.  When a query names no country, their passages step back by this much.
OFF_FOCUS_PENALTY = 0.1
FOCUS_STATES = frozenset({"AL", "BA", "BA-SRP", "HR", "ME", "MK", "RS", "XK"})
BOOST_DEPTH = 60  # only the head of the fused list can move; keeps boosting cheap


def _boost(
    conn: Any, scored: list[tuple[int, float]], analysis: QueryAnalysis
) -> list[tuple[int, float]]:
    """Adjust the head of a fused list: country, wanted kind, footnote and TOC evidence."""
    head, tail = scored[:BOOST_DEPTH], scored[BOOST_DEPTH:]
    if not head:
        return scored
    ids = [pid for pid, _ in head]
    bonus = _country_bonus(conn, ids, analysis.countries)
    sql = (
        "SELECT p.id, p.kind, p.text, EXISTS (SELECT 1 FROM citations c WHERE c.passage_id = "
        "p.id AND c.url IS NOT NULL) AS cited_url, d.country "
        "FROM passages p JOIN documents d ON d.id = p.doc_pk "
        "WHERE p.id IN (SELECT value FROM json_each(?))"
    )
    term_res = _term_patterns(analysis.terms) if COVERAGE_WEIGHT else []
    off_focus = OFF_FOCUS_PENALTY if not analysis.countries else 0.0
    for pid, kind, text, cited_url, doc_country in conn.execute(sql, [json.dumps(ids)]):
        b = 0.0
        if off_focus and doc_country and _is_state(doc_country) and (
            doc_country not in FOCUS_STATES
        ):
            b -= off_focus
        if term_res:
            folded = fold(text)
            b += COVERAGE_WEIGHT * sum(1 for r in term_res if r.search(folded)) / len(term_res)
        has_url = cited_url or "http" in text or "www." in text
        if "footnote" in analysis.wants and (kind == "footnote" or has_url):
            b += KIND_BOOST
        elif kind == "footnote":
            b -= FOOTNOTE_PENALTY
        if "table" in analysis.wants and kind == "table":
            b += KIND_BOOST
        if len(_TOC_LEADER.findall(text)) >= 2:
            b -= TOC_PENALTY
        if b:
            bonus[pid] = bonus.get(pid, 0.0) + b
    if not bonus:
        return scored
    head = sorted(((p, s + bonus.get(p, 0.0)) for p, s in head), key=lambda x: (-x[1], x[0]))
    return head + tail


def _term_patterns(terms: Sequence[str]) -> list[re.Pattern[str]]:
    pats = []
    for t in terms:
        stem = _stem(t) or fold(t)
        pats.append(re.compile(r"(?<!\w)" + re.escape(stem)))
    return pats


def _country_bonus(conn: Any, ids: list[int], countries: Sequence[str]) -> dict[int, float]:
    if not countries or not ids:
        return {}
    sql = (
        "SELECT passage_id, source FROM passage_countries WHERE country IN "
        f"({','.join('?' * len(countries))}) AND passage_id IN (SELECT value FROM json_each(?))"
    )
    best: dict[int, float] = {}
    for pid, source in conn.execute(sql, [*countries, json.dumps(ids)]):
        best[pid] = max(best.get(pid, 0.0), COUNTRY_BOOST.get(source, 0.0))
    if COUNTRY_MISMATCH:
        # states only: ISO alpha-2 codes (and sub-state ids like BA-SRP); bodies (EU, CoE, WB)
        # are neutral
        about: dict[int, set[str]] = {}
        sql = (
            "SELECT passage_id, country FROM passage_countries WHERE source != 'mention' AND "
            "passage_id IN (SELECT value FROM json_each(?))"
        )
        for pid, country in conn.execute(sql, [json.dumps(ids)]):
            about.setdefault(pid, set()).add(country)
        wanted = set(countries)
        for pid, cs in about.items():
            if pid not in best and all(_is_state(c) for c in cs) and not (cs & wanted):
                best[pid] = -COUNTRY_MISMATCH
    return best


def _is_state(code: str) -> bool:
    return code[:2].isalpha() and code[:2].isupper() and (len(code) == 2 or code[2] == "-") and (
        code not in ("EU", "UN", "WB")
    )


# --------------------------------------------------------------------------------------------
# hits


def hits_for_passages(index: Any, passage_ids: Sequence[int]) -> list[Hit]:
    """Hits for given passages, in the given order (score 0): for listings such as
    ``wbpolicy entities ID``."""
    return _make_hits(index.store.conn, [(int(p), 0.0) for p in passage_ids], len(passage_ids))


def _make_hits(conn: Any, scored: list[tuple[int, float]], top_k: int) -> list[Hit]:
    """Materialise the best ``top_k`` passages, dropping exact duplicate texts."""
    hits: list[Hit] = []
    seen: set[str] = set()
    pos = 0
    batch = max(top_k * 2, 20)
    while len(hits) < top_k and pos < len(scored):
        chunk = scored[pos : pos + batch]
        pos += batch
        rows = _fetch_passages(conn, [pid for pid, _ in chunk])
        cites = _fetch_citations(conn, [pid for pid, _ in chunk])
        for pid, score in chunk:
            row = rows.get(pid)
            if row is None:  # FAISS cache ahead of SQLite; skip rather than fail
                continue
            key = " ".join(row["text"].split())
            if key in seen:
                continue
            seen.add(key)
            pages = tuple(json.loads(row["pages"] or "[]"))
            hits.append(
                Hit(
                    rank=len(hits) + 1,
                    passage_id=pid,
                    doc_id=row["doc_id"],
                    title=row["title"],
                    page=row["page_start"] if row["page_start"] is not None else (
                        pages[0] if pages else None
                    ),
                    pages=pages,
                    section=row["section"],
                    text=row["text"],
                    score=score,
                    citations=cites.get(pid, ()),
                    kind=row["kind"],
                    doc_kind=row["doc_kind"],
                    country=row["country"],
                )
            )
            if len(hits) == top_k:
                break
    return hits


def _fetch_passages(conn: Any, ids: list[int]) -> dict[int, Any]:
    sql = (
        "SELECT p.id, p.text, p.kind, p.section, p.page_start, p.pages, d.doc_id, d.title, "
        "d.kind AS doc_kind, d.country FROM passages p JOIN documents d ON d.id = p.doc_pk "
        "WHERE p.id IN (SELECT value FROM json_each(?))"
    )
    return {int(r["id"]): r for r in conn.execute(sql, [json.dumps(ids)])}


def _fetch_citations(conn: Any, ids: list[int]) -> dict[int, tuple[Citation, ...]]:
    sql = (
        "SELECT passage_id, marker, text, url, urls, page, offset FROM citations "
        "WHERE passage_id IN (SELECT value FROM json_each(?)) ORDER BY passage_id, offset, id"
    )
    out: dict[int, list[Citation]] = {}
    for r in conn.execute(sql, [json.dumps(ids)]):
        out.setdefault(int(r["passage_id"]), []).append(
            Citation(
                marker=r["marker"],
                text=r["text"],
                url=r["url"],
                page=r["page"] if r["page"] is not None else 0,
                offset=r["offset"],
                urls=tuple(json.loads(r["urls"] or "[]")),
            )
        )
    return {pid: tuple(c) for pid, c in out.items()}
