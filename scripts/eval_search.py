#!/usr/bin/env python3
"""Evaluate search on a queries file and print a table comparing modes.

    PYTHONPATH=src .venv/bin/python scripts/eval_search.py ../shared/eval/dev_queries.jsonl \
        --index /tmp/wbp-full [--mode hybrid --mode lexical] [--json] [--latency] [--details]
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("queries", help="JSON-lines queries file (dev_queries.jsonl format)")
    ap.add_argument("--index", help="index directory (default: $WBPOLICY_INDEX or indexes/default)")
    ap.add_argument(
        "--mode",
        action="append",
        choices=["hybrid", "dense", "lexical"],
        help="mode(s) to compare (default: all three)",
    )
    ap.add_argument("-k", "--top-k", type=int, default=10)
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--details", action="store_true", help="print each query's first rank")
    ap.add_argument("--latency", action="store_true", help="also measure warm query latency")
    args = ap.parse_args(argv)

    from wbpolicy.evaluation.retrieval import evaluate, format_table, latency, load_queries
    from wbpolicy.index import Index
    from wbpolicy.settings import load_settings

    t0 = time.perf_counter()
    index = Index.open(load_settings(args.index), readonly=True)
    queries = load_queries(args.queries)
    modes = tuple(args.mode or ("hybrid", "dense", "lexical"))
    report = evaluate(index, queries, modes=modes, top_k=args.top_k)
    elapsed = time.perf_counter() - t0
    if args.json:
        out = report.to_json()
        if args.latency:
            out["latency"] = latency(index, [q.query for q in queries])
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(format_table(report))
    if args.details:
        print()
        for d in report.details:
            print(f"{d.mode:<8} {d.id:<6} {d.kind:<14} rank={d.rank!s:<5} {d.query}")
    if args.latency:
        lat = latency(index, [q.query for q in queries])
        print(
            f"\nwarm latency (hybrid, {lat['n']} queries): median {lat['median_ms']} ms, "
            f"p95 {lat['p95_ms']} ms, max {lat['max_ms']} ms"
        )
    print(f"(total {elapsed:.1f}s incl. loading)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
