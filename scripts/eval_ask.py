#!/usr/bin/env python3
"""Measure `ask` on eval/ask_questions.jsonl: country understood, gold passage quoted, abstention,
and latency (cold process to first answer, warm per question).

    PYTHONPATH=src .venv/bin/python scripts/eval_ask.py [eval/ask_questions.jsonl] \
        --index /tmp/wbp-full [--details] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

T_START = time.perf_counter()  # as early as possible: the cold figure includes imports


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions", nargs="?", default="eval/ask_questions.jsonl")
    ap.add_argument("--index", help="index directory (default: $WBPOLICY_INDEX or indexes/default)")
    ap.add_argument("-k", "--top-k", type=int, default=8)
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--details", action="store_true", help="one line per question")
    args = ap.parse_args(argv)

    from wbpolicy.answer import ask
    from wbpolicy.evaluation.ask import evaluate_ask, load_ask_questions
    from wbpolicy.index import Index
    from wbpolicy.settings import load_settings

    index = Index.open(load_settings(args.index), readonly=True)
    first = load_ask_questions(args.questions)[0]
    ask(index, first.question, top_k=args.top_k)
    cold = time.perf_counter() - T_START
    report = evaluate_ask(index, args.questions, top_k=args.top_k)
    warm = [o.seconds for o in report.outcomes]
    latency = {
        "cold_process_s": round(cold, 3),
        "warm_mean_s": round(statistics.mean(warm), 4),
        "warm_median_s": round(statistics.median(warm), 4),
        "warm_max_s": round(max(warm), 4),
    }
    if args.json:
        print(json.dumps({**report.to_json(), "latency": latency}, indent=2))
    else:
        print(report.format(details=args.details))
        print(
            f"latency: cold process to first answer {latency['cold_process_s']:.2f} s; warm "
            f"mean {1000 * latency['warm_mean_s']:.0f} ms, median "
            f"{1000 * latency['warm_median_s']:.0f} ms, max "
            f"{1000 * latency['warm_max_s']:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
