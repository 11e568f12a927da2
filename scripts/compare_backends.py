"""The Milvus backend against FAISS on the same store: top-10 overlap and Recall@5 per mode.

    .venv/bin/python scripts/compare_backends.py --index DIR [--milvus-uri URI] [QUERIES.jsonl ...]

DIR is a FAISS-backed index (work on a copy: the Milvus Lite file goes into DIR/milvus.db unless
``--milvus-uri`` names another file or a server).  Nothing else in DIR is written: the collection
is built (or synced) from the SQLite store, then every query runs in dense and hybrid mode
through both backends.  Targets (issue 15): top-10 overlap >= 0.9, Recall@5 within 0.02; the
exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_QUERIES = [
    REPO.parent / "shared" / "eval" / "dev_queries.jsonl",
    REPO.parent / "shared" / "eval" / "dev2_queries.jsonl",
]
OVERLAP_MIN = 0.9
RECALL_DELTA_MAX = 0.02


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("queries", nargs="*", type=Path, help="query files (default: dev, dev2)")
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--milvus-uri", help="default: DIR/milvus.db (Milvus Lite)")
    ap.add_argument("--modes", default="dense,hybrid")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = ap.parse_args(argv)

    from wbpolicy.evaluation.retrieval import evaluate, load_queries
    from wbpolicy.index import Index
    from wbpolicy.index.milvus import MilvusVectors, sync_collection
    from wbpolicy.index.vectors import VectorIndex
    from wbpolicy.search import search
    from wbpolicy.settings import load_settings

    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    base = load_settings(index_dir=args.index, backend="faiss")
    uri = args.milvus_uri or str(args.index / "milvus.db")
    faiss_ix = Index.open(base)
    t0 = time.perf_counter()
    report = sync_collection(faiss_ix, uri)
    build_s = time.perf_counter() - t0
    milvus_ix = Index.open(base.with_(backend="milvus", milvus_uri=uri))
    if not isinstance(faiss_ix.vectors, VectorIndex):
        raise SystemExit(f"{args.index}: the FAISS side is not a FAISS index")
    if not isinstance(milvus_ix.vectors, MilvusVectors):
        raise SystemExit(f"{uri}: the Milvus side fell back to FAISS (see the log)")
    milvus_ix.embedder = faiss_ix.embedder  # one model in memory, the same query vectors

    tops: dict[tuple[str, str, str], list[int]] = {}

    def recorder(name: str) -> Any:
        def run(index: Any, query: str, **kw: Any) -> Any:
            res = search(index, query, **kw)
            tops[(name, kw["mode"], query)] = [h.passage_id for h in res.hits]
            return res

        return run

    out: dict[str, Any] = {
        "index": str(args.index),
        "milvus": {
            **milvus_ix.vectors.describe(),
            "vectors": len(milvus_ix.vectors),
            "build": report.to_json(),
            "build_wall_s": round(build_s, 2),
        },
        "files": {},
    }
    out["raw_search_ms"] = _raw_search(faiss_ix, faiss_ix.vectors, milvus_ix.vectors)
    ok = True
    for path in args.queries or DEFAULT_QUERIES:
        queries = load_queries(path)
        reports = {
            name: evaluate(ix, queries, modes=modes, top_k=10, search_fn=recorder(name))
            for name, ix in (("faiss", faiss_ix), ("milvus", milvus_ix))
        }
        rows = {}
        for mode in modes:
            overlaps = [
                len(set(tops[("faiss", mode, q.query)]) & set(tops[("milvus", mode, q.query)]))
                / max(1, len(tops[("faiss", mode, q.query)]))
                for q in queries
            ]
            same_order = sum(
                tops[("faiss", mode, q.query)] == tops[("milvus", mode, q.query)] for q in queries
            )
            r5 = {n: r.overall[mode].recall[5] for n, r in reports.items()}
            ms = {
                n: statistics.median(d.ms for d in r.details if d.mode == mode)
                for n, r in reports.items()
            }
            row = {
                "queries": len(queries),
                "overlap@10": round(statistics.fmean(overlaps), 4),
                "overlap@10_min": round(min(overlaps), 4),
                "same_order": same_order,
                "recall@5": {n: round(v, 4) for n, v in r5.items()},
                "recall@5_delta": round(abs(r5["faiss"] - r5["milvus"]), 4),
                "p50_ms": {n: round(v, 1) for n, v in ms.items()},
            }
            ok &= row["overlap@10"] >= OVERLAP_MIN and row["recall@5_delta"] <= RECALL_DELTA_MAX
            rows[mode] = row
        out["files"][path.name] = rows
    out["targets_met"] = ok
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(_table(out))
    return 0 if ok else 1


def _raw_search(index: Any, faiss_vecs: Any, milvus_vecs: Any, n: int = 30) -> dict[str, Any]:
    """Warm ``vectors.search`` p50 (ms, k=100) of both backends: no filter, a filter allowing
    10% of the passages (an `id in` list) and one allowing 90% (`id not in` the rest)."""
    import numpy as np

    ids, mat = index.stored_vectors()
    rng = np.random.default_rng(0)
    queries = mat[rng.choice(len(ids), size=min(n, len(ids)), replace=False)]
    subsets = {
        "none": None,
        "10%": np.sort(rng.choice(ids, size=len(ids) // 10, replace=False)),
        "90%": np.sort(rng.choice(ids, size=len(ids) * 9 // 10, replace=False)),
    }
    out: dict[str, Any] = {}
    for name, allowed in subsets.items():
        row = {}
        for backend, vecs in (("faiss", faiss_vecs), ("milvus", milvus_vecs)):
            vecs.search(queries[0], 100, allowed)  # warm
            times = []
            for q in queries:
                t0 = time.perf_counter()
                vecs.search(q, 100, allowed)
                times.append((time.perf_counter() - t0) * 1000)
            row[backend] = round(statistics.median(times), 2)
        out[name] = row
    return out


def _table(out: dict[str, Any]) -> str:
    m = out["milvus"]
    b = m["build"]
    lines = [
        f"Milvus {m['index_type']} / {m['metric']} at {m['uri']}: {m['vectors']} vectors; sync "
        f"{b['inserted']} inserted, {b['deleted']} deleted, {b['kept']} kept in {b['seconds']} s",
        f"{'queries':<22} {'mode':<7} {'n':>3} {'overlap@10':>10} {'min':>5} {'same':>5} "
        f"{'R@5 faiss':>9} {'R@5 milvus':>10} {'p50 ms f/m':>12}",
    ]
    for name, rows in out["files"].items():
        for mode, r in rows.items():
            lines.append(
                f"{name:<22} {mode:<7} {r['queries']:>3} {r['overlap@10']:>10.3f} "
                f"{r['overlap@10_min']:>5.2f} {r['same_order']:>5} {r['recall@5']['faiss']:>9.3f} "
                f"{r['recall@5']['milvus']:>10.3f} "
                f"{r['p50_ms']['faiss']:>5.1f}/{r['p50_ms']['milvus']:<6.1f}"
            )
    raw = ", ".join(
        f"filter {name}: {r['faiss']}/{r['milvus']}" for name, r in out["raw_search_ms"].items()
    )
    lines.append(f"vectors.search p50 ms (k=100) faiss/milvus: {raw}")
    lines.append("targets met" if out["targets_met"] else "TARGETS MISSED")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
