#!/usr/bin/env python
"""Benchmark wbpolicy on the shared corpus: the torch and the ONNX embedding paths side by side,
on the same machine, in one run.

    .venv/bin/python scripts/bench.py [--corpus ../shared/corpus] [--work /tmp/wbp-bench]
        [--paths onnx=bundled:all-MiniLM-L6-v2,torch=st:bundled:all-MiniLM-L6-v2]
        [--runs 5] [--reuse] [--json]

For each path: whole-corpus ingest from scratch (wall, CPU, peak RSS; a subprocess each), the
unchanged re-ingest, embedding throughput (passages/s on 512 stored passages), cold `search`
and `ask` processes (medians of ``--runs``; wall and CPU), warm in-process search/ask, and the
retrieval figures (Recall@5, MRR@10 per mode on the dev and own query sets) and ask figures.
The same cold-process figures for a lexical-only search (`--mode lexical`: BM25 over SQLite
FTS5, no model) and for `python -c pass` give the floor a cold process cannot go below.
Progress goes to stderr, figures to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EXE = str(REPO / ".venv" / "bin" / "wbpolicy")
QUERIES = [
    "state of cybersecurity skills, training and awareness in Kosovo",
    "SEENSA membership",
    "Decision no. 1202 confidence building measures",
    "which Balkan state treats cyber attacks as a top-tier risk?",
    "national CERT of Montenegro",
    "public-private partnership in Croatia",
    "Budapest Convention ratification",
    "personal data breach notification",
]
QUESTIONS = [
    "What does Kosovo's strategy say about public-private partnership?",
    "Has Albania set up a national CERT?",
    "What does Montenegro's strategy say about education and training?",
]
QUERY_SETS = {
    "dev": REPO.parent / "shared" / "eval" / "dev_queries.jsonl",
    "own": REPO / "eval" / "queries_extra.jsonl",
    "dev2": REPO.parent / "shared" / "eval" / "dev2_queries.jsonl",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU seconds and peak RSS (MB) of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": after.ru_maxrss // 1024,
    }


def median_of(runs: int, cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    got = [timed(cmd, env) for _ in range(runs)]
    return {k: round(statistics.median(g[k] for g in got), 2) for k in ("wall_s", "cpu_s")}


def bench_path(
    name: str, spec: str, corpus: Path, work: Path, runs: int, reuse: bool
) -> dict[str, Any]:
    index_dir = work / name
    env = {**os.environ, "WBPOLICY_INDEX": str(index_dir), "WBPOLICY_MODEL": spec}
    out: dict[str, Any] = {"model": spec}
    if index_dir.exists() and not reuse:
        shutil.rmtree(index_dir)
    log(f"[{name}] ingest from scratch ...")
    out["ingest"] = timed([EXE, "corpus", "import", str(corpus), "-q"], env)
    log(f"[{name}] unchanged re-ingest ...")
    out["reingest_unchanged"] = timed([EXE, "corpus", "import", str(corpus), "-q"], env)
    log(f"[{name}] cold search / ask ({runs} runs each) ...")
    out["cold_search"] = median_of(runs, [EXE, "search", QUERIES[0], "--json"], env)
    out["cold_ask"] = median_of(runs, [EXE, "ask", QUESTIONS[0], "--json"], env)
    log(f"[{name}] in-process figures ...")
    out.update(in_process(index_dir, spec))
    return out


def in_process(index_dir: Path, spec: str) -> dict[str, Any]:
    from wbpolicy.evaluation.ask import evaluate_ask
    from wbpolicy.evaluation.retrieval import evaluate, load_queries
    from wbpolicy.index import Index
    from wbpolicy.settings import load_settings

    index = Index.open(load_settings(index_dir=index_dir, model=spec), readonly=True)
    texts = index.reader.passage_texts(512)
    index.embedder.embed(texts[:8], kind="passage")
    t0 = time.perf_counter()
    index.embedder.embed(texts, kind="passage")
    out: dict[str, Any] = {"embed_passages_per_s": round(len(texts) / (time.perf_counter() - t0))}
    index.search("warm-up", top_k=10)
    warm = []
    for _ in range(5):
        for q in QUERIES:
            t0 = time.perf_counter()
            index.search(q, top_k=10)
            warm.append((time.perf_counter() - t0) * 1000)
    ask_warm = []
    for q in QUESTIONS:
        t0 = time.perf_counter()
        index.ask(q)
        ask_warm.append((time.perf_counter() - t0) * 1000)
    out["warm_search_ms_p50"] = round(statistics.median(warm), 1)
    out["warm_ask_ms_p50"] = round(statistics.median(ask_warm), 1)
    retrieval = {}
    for name, path in QUERY_SETS.items():
        if path.is_file():
            report = evaluate(index, load_queries(path))
            retrieval[name] = {
                m: {"R@5": round(r.recall.get(5, 0), 3), "MRR@10": round(r.mrr, 3)}
                for m, r in report.overall.items()
            }
    out["retrieval"] = retrieval
    rep = evaluate_ask(index, REPO / "eval" / "ask_questions.jsonl")
    out["ask"] = {
        "country": rep.country_accuracy,
        "gold_quoted": rep.gold_recall,
        "abstention": rep.abstention_accuracy,
    }
    out["index_mb"] = round(
        sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file()) / 2**20, 1
    )
    index.close()
    return out


def floors(work: Path, runs: int, index_name: str) -> dict[str, Any]:
    env = {**os.environ, "WBPOLICY_INDEX": str(work / index_name)}
    return {
        "python_startup": median_of(runs, [sys.executable, "-c", "pass"], env),
        "help": median_of(runs, [EXE, "--help"], env),
        "cold_lexical_search": median_of(
            runs, [EXE, "search", QUERIES[0], "--mode", "lexical", "--json"], env
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--work", type=Path, default=Path("/tmp/wbp-bench"))
    ap.add_argument(
        "--paths", default="onnx=bundled:all-MiniLM-L6-v2,torch=st:bundled:all-MiniLM-L6-v2"
    )
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep existing indexes")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    paths = dict(p.split("=", 1) for p in args.paths.split(","))
    figures: dict[str, Any] = {"cpus": os.cpu_count()}
    for name, spec in paths.items():
        figures[name] = bench_path(name, spec, args.corpus, args.work, args.runs, args.reuse)
    figures["floors"] = floors(args.work, args.runs, next(iter(paths)))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key}: {json.dumps(value)}")


if __name__ == "__main__":
    main()
