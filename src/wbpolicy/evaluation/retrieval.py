"""Retrieval evaluation: Recall@1/5/10 and MRR@10, overall and per query kind, per search mode.

The relevance rule is the one of ``../shared/eval/README.md``: a hit is relevant when its text
contains any gold phrase after normalisation; for ``kind == "citation"`` the hit's citation texts
and URLs are searched too.

Query files are JSON lines in the dev format.  A gold entry is either a phrase or a reference
``{"file": ..., "start": int, "end": int, "sha256": ...}`` into a document (so the repository never
holds corpus text); references are resolved at load time and their hash verified.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wbpolicy.errors import WbpolicyError
from wbpolicy.models import Filters, Hit
from wbpolicy.settings import SearchSettings, describe

KS = (1, 5, 10)

_SUP = re.compile(r"<sup>.*?</sup>", re.IGNORECASE | re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<((?:https?://|www\.|mailto:)[^>\s]+)>", re.IGNORECASE)
_BACKSLASH = re.compile(r"\\+(?=[^\sA-Za-z0-9])")
_HYPHEN_BREAK = re.compile(r"(\w)- (\w)")
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": "",
        "\u00a0": " ",
    }
)


def normalise(text: str) -> str:
    """The README's normalisation, applied identically to gold phrases and hit texts."""
    text = _SUP.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _BACKSLASH.sub("", text)
    text = text.replace("*", "")
    text = text.translate(_TRANSLATE).lower()
    text = " ".join(text.split())
    return _HYPHEN_BREAK.sub(r"\1\2", text)


# --------------------------------------------------------------------------------------------
# queries


@dataclass(frozen=True)
class Query:
    id: str
    query: str
    kind: str
    gold: tuple[str, ...]
    section: str | None = None
    doc: str | None = None  # optional: doc_id the gold comes from (informational)


def read_corpus_text(path: Path) -> str:
    """Decode a document as the gold offsets were taken: utf-8-sig, else cp1252; CRLF -> LF."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n")


def default_roots() -> tuple[Path, ...]:
    """Where gold references resolve: the shared corpus dir and the shared dir above it."""
    from wbpolicy.settings import default_corpus_dir

    corpus = default_corpus_dir()
    return (corpus, corpus.parent) if corpus else ()


def resolve_gold(ref: dict[str, Any], roots: Sequence[Path], cache: dict[Path, str]) -> str:
    rel = ref["file"]
    for root in roots:
        path = Path(root) / rel
        if path.is_file():
            break
    else:
        raise WbpolicyError(f"gold reference file not found: {rel} (looked in {list(roots)})")
    if path not in cache:
        cache[path] = read_corpus_text(path)
    phrase = cache[path][int(ref["start"]) : int(ref["end"])]
    digest = hashlib.sha256(phrase.encode("utf-8")).hexdigest()
    if ref.get("sha256") and digest != ref["sha256"]:
        raise WbpolicyError(
            f"gold reference {rel}[{ref['start']}:{ref['end']}] does not match its sha256 "
            "(the document changed?)"
        )
    return phrase


def iter_jsonl(path: Path | str) -> Iterable[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` for each non-blank line; a bad line is a one-line error."""
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise WbpolicyError(f"{path}:{n}: not JSON ({exc.msg})") from None


def load_queries(path: Path | str, roots: Sequence[Path | str] | None = None) -> list[Query]:
    """Read a JSON-lines query file; resolve gold references against ``roots``."""
    root_paths = tuple(Path(r) for r in roots) if roots is not None else default_roots()
    cache: dict[Path, str] = {}
    out: list[Query] = []
    for n, rec in iter_jsonl(path):
        gold: list[str] = []
        for g in rec.get("gold", []):
            gold.append(resolve_gold(g, root_paths, cache) if isinstance(g, dict) else str(g))
        out.append(
            Query(
                id=str(rec.get("id", n)),
                query=rec["query"],
                kind=rec.get("kind", "other"),
                gold=tuple(gold),
                section=rec.get("section"),
                doc=rec.get("doc"),
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# relevance and metrics


def hit_haystacks(hit: Hit | dict[str, Any], citation: bool) -> list[str]:
    """The normalised texts a gold phrase is looked for in."""
    if isinstance(hit, dict):
        texts = [hit.get("text") or ""]
        cites = hit.get("citations") or []
        cite_texts = [(c.get("text") or "", c.get("url") or "") for c in cites]
    else:
        texts = [hit.text]
        cite_texts = [(c.text or "", c.url or "") for c in hit.citations]
    if citation:
        for t, u in cite_texts:
            texts.extend([t, u])
    return [normalise(t) for t in texts if t]


def is_relevant(hit: Hit | dict[str, Any], gold: Iterable[str], kind: str) -> bool:
    hay = hit_haystacks(hit, citation=(kind == "citation"))
    for g in gold:
        ng = normalise(g)
        if ng and any(ng in h for h in hay):
            return True
    return False


def first_relevant_rank(hits: Sequence[Hit | dict[str, Any]], query: Query) -> int | None:
    """1-based rank of the first relevant hit (ordered by ``rank`` when all hits have one)."""
    ordered = list(hits)
    ranks = [h.get("rank") if isinstance(h, dict) else h.rank for h in ordered]
    if ordered and all(isinstance(r, int) for r in ranks):
        pairs = sorted(zip(ranks, ordered, strict=True), key=lambda x: int(x[0] or 0))
        ordered = [h for _, h in pairs]
    for i, h in enumerate(ordered, start=1):
        if is_relevant(h, query.gold, query.kind):
            return i
    return None


@dataclass(frozen=True)
class Metrics:
    n: int
    recall: dict[int, float]  # k -> Recall@k
    mrr: float  # MRR@10

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n}
        out.update({f"recall@{k}": round(v, 4) for k, v in self.recall.items()})
        out["mrr@10"] = round(self.mrr, 4)
        return out


def metrics(ranks: Sequence[int | None], ks: Sequence[int] = KS, mrr_at: int = 10) -> Metrics:
    n = len(ranks)
    if n == 0:
        return Metrics(0, {k: 0.0 for k in ks}, 0.0)
    recall = {k: sum(1 for r in ranks if r is not None and r <= k) / n for k in ks}
    mrr = sum(1.0 / r for r in ranks if r is not None and r <= mrr_at) / n
    return Metrics(n, recall, mrr)


@dataclass(frozen=True)
class QueryOutcome:
    id: str
    kind: str
    mode: str
    query: str
    rank: int | None  # first relevant hit, None when not in the top k
    top: tuple[str, ...] = ()  # "doc_id p.N" of the first hits, for diagnosis
    ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "mode": self.mode,
            "query": self.query,
            "rank": self.rank,
            "top": list(self.top),
            "ms": round(self.ms, 2),
        }


@dataclass(frozen=True)
class EvalReport:
    modes: tuple[str, ...]
    top_k: int
    overall: dict[str, Metrics]
    by_kind: dict[str, dict[str, Metrics]]  # mode -> kind -> metrics
    details: tuple[QueryOutcome, ...] = field(default_factory=tuple)
    settings: dict[str, Any] = field(default_factory=dict)  # the settings objects it ran with

    def to_json(self) -> dict[str, Any]:
        return {
            "top_k": self.top_k,
            "settings": self.settings,
            "modes": list(self.modes),
            "overall": {m: v.to_json() for m, v in self.overall.items()},
            "by_kind": {
                m: {k: v.to_json() for k, v in kinds.items()} for m, kinds in self.by_kind.items()
            },
            "queries": [d.to_json() for d in self.details],
        }


def evaluate(
    index: Any,
    queries: Sequence[Query] | Path | str,
    modes: Sequence[str] = ("hybrid", "dense", "lexical"),
    top_k: int = 10,
    filters: Filters | None = None,
    search_fn: Callable[..., Any] | None = None,
    settings: SearchSettings | None = None,
) -> EvalReport:
    """Run every query in every mode and score the hits."""
    if isinstance(queries, (str, Path)):
        queries = load_queries(queries)
    settings = settings or SearchSettings()
    if search_fn is None:
        from wbpolicy.search import search

        search_fn = search
    details: list[QueryOutcome] = []
    for mode in modes:
        for q in queries:
            t0 = time.perf_counter()
            res = search_fn(
                index, q.query, top_k=top_k, filters=filters, mode=mode, settings=settings
            )
            ms = (time.perf_counter() - t0) * 1000
            rank = first_relevant_rank(res.hits, q)
            top = tuple(f"{h.doc_id} p.{h.page}" for h in res.hits[:3])
            details.append(QueryOutcome(q.id, q.kind, mode, q.query, rank, top, ms))
    # with the engines' tuned numbers of the index it ran on (full text and vector index)
    engines = getattr(index, "settings", None)
    tuned = [getattr(engines, "fulltext", None), getattr(engines, "vectors", None)]
    return build_report(
        details, tuple(modes), top_k, describe(settings, *(t for t in tuned if t is not None))
    )


def build_report(
    details: Sequence[QueryOutcome],
    modes: tuple[str, ...],
    top_k: int,
    settings: dict[str, Any] | None = None,
) -> EvalReport:
    overall: dict[str, Metrics] = {}
    by_kind: dict[str, dict[str, Metrics]] = {}
    for mode in modes:
        rows = [d for d in details if d.mode == mode]
        overall[mode] = metrics([d.rank for d in rows])
        kinds = sorted({d.kind for d in rows})
        by_kind[mode] = {k: metrics([d.rank for d in rows if d.kind == k]) for k in kinds}
    return EvalReport(modes, top_k, overall, by_kind, tuple(details), settings or {})


def format_table(report: EvalReport) -> str:
    """Plain-text table: one row per (scope, mode), scope = all then each kind."""
    head = f"{'scope':<16} {'mode':<8} {'n':>3} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7}"
    lines = [head, "-" * len(head)]

    def row(scope: str, mode: str, m: Metrics) -> str:
        r = m.recall
        return (
            f"{scope:<16} {mode:<8} {m.n:>3} {r.get(1, 0):>6.3f} {r.get(5, 0):>6.3f} "
            f"{r.get(10, 0):>6.3f} {m.mrr:>7.3f}"
        )

    for mode in report.modes:
        lines.append(row("all", mode, report.overall[mode]))
    kinds = sorted({k for m in report.modes for k in report.by_kind.get(m, {})})
    for kind in kinds:
        for mode in report.modes:
            m = report.by_kind.get(mode, {}).get(kind)
            if m is not None:
                lines.append(row(kind, mode, m))
    if report.settings:
        lines += ["", "settings: " + json.dumps(report.settings, sort_keys=True)]
    misses = [d for d in report.details if d.rank is None]
    if misses:
        lines.append("")
        lines.append(f"not found in top {report.top_k}:")
        for d in misses:
            lines.append(f"  {d.mode:<8} {d.id:<6} {d.query}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# helpers for benchmarks and corpus tests


def dev_queries_path() -> Path | None:
    roots = default_roots()
    for root in roots[1:]:
        cand = root / "eval" / "dev_queries.jsonl"
        if cand.is_file():
            return cand
    return None


def dev_metrics(
    index: Any,
    queries: Path | str | None = None,
    modes: Sequence[str] = ("hybrid", "dense", "lexical"),
) -> dict[str, dict[str, Any]]:
    """Overall metrics per mode on the dev queries (for a corpus test to assert targets on):
    ``{"hybrid": {"n": 20, "recall@1": .., "recall@5": .., "recall@10": .., "mrr@10": ..}}``."""
    path = queries or dev_queries_path()
    if path is None:
        raise WbpolicyError("dev queries not found (../shared/eval/dev_queries.jsonl)")
    report = evaluate(index, load_queries(path), modes=modes)
    return {m: report.overall[m].to_json() for m in report.modes}


def latency(
    index: Any, queries: Sequence[str], mode: str = "hybrid", top_k: int = 10, rounds: int = 3
) -> dict[str, float]:
    """Warm in-process search latency in ms (median, p95, max) after one warm-up query."""
    from wbpolicy.search import search

    if not queries:
        return {"n": 0, "median_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    search(index, queries[0], top_k=top_k, mode=mode)  # load model, FAISS, caches
    times: list[float] = []
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            search(index, q, top_k=top_k, mode=mode)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "n": len(times),
        "median_ms": round(times[len(times) // 2], 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(times[-1], 2),
    }
