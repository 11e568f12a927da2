"""Fusing the dense and lexical lists into one ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wbpolicy.query import Query
from wbpolicy.search.dense import dense_search
from wbpolicy.settings import SearchSettings

if TYPE_CHECKING:
    from wbpolicy.index import Index

Ranked = list[tuple[int, float]]


def fuse(
    dense: Ranked,
    lexical: Ranked,
    settings: SearchSettings | None = None,
    floors: tuple[float | None, float | None] = (None, None),
) -> Ranked:
    """Combine two ranked lists into one, best first.  Scores end in [0, 1].  ``floors``: the
    (dense, lexical) scores that normalise to 0 (default: each list's lowest score)."""
    s = settings or SearchSettings()
    w = s.dense_weight
    scores: dict[int, float] = {}
    if s.fusion == "rrf":
        for weight, ranked in ((w, dense), (1 - w, lexical)):
            for rank, (pid, _) in enumerate(ranked, start=1):
                scores[pid] = scores.get(pid, 0.0) + 2 * weight / (s.rrf_k + rank)
        top = max(scores.values(), default=1.0) or 1.0
        scores = {pid: v / top for pid, v in scores.items()}
    elif s.fusion == "weighted":
        for weight, ranked, ref, floor in (
            (w, dense, s.dense_ref, floors[0]),
            (1 - w, lexical, None, floors[1]),
        ):
            for pid, v in minmax(ranked, ref, floor):
                scores[pid] = scores.get(pid, 0.0) + weight * v
    else:
        raise ValueError(f"unknown fusion method {s.fusion!r}")
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def minmax(ranked: Ranked, ref: float | None = None, floor: float | None = None) -> Ranked:
    """Scale scores to [0, 1] relative to the best; the floor is the list's last score, so a
    candidate missing from a list scores 0 there.  With ``ref``, the top is at least ``ref``: a
    list whose best score is weak in absolute terms (a cosine of 0.4 for an unknown acronym)
    then counts for less than a confident one."""
    if not ranked:
        return []
    top = max(v for _, v in ranked)
    hi = top if ref is None else max(top, ref)
    lo = min(v for _, v in ranked) if floor is None else floor
    span = hi - lo
    if span <= 1e-9:
        return [(pid, 1.0) for pid, _ in ranked]
    return [(pid, max(0.0, (v - lo) / span)) for pid, v in ranked]


def complete(
    index: Index, query: Query, dense: Ranked, lexical: Ranked, lexical_more: Ranked
) -> tuple[Ranked, Ranked]:
    """Score every candidate in both retrievers: a passage found by one list only would otherwise
    count 0 in the other, although it may match the query's words (or meaning) just below that
    list's cut-off.  ``lexical_more``: the lexical matches below the cut-off."""
    d_ids = {p for p, _ in dense}
    l_ids = {p for p, _ in lexical}
    more_lex = [(p, v) for p, v in lexical_more if p in d_ids]
    only_lex = l_ids - d_ids
    more_dense = (
        dense_search(index, query, len(only_lex), only_lex, translations=True) if only_lex else []
    )
    return dense + more_dense, lexical + more_lex
