#!/usr/bin/env python
"""Benchmark wbpolicy on the shared corpus and print the figures quoted in the README.

    .venv/bin/python scripts/bench.py [--corpus ../shared/corpus] [--index /tmp/wbp-bench] [--reuse]

Measures: extraction alone (pages/s), end-to-end ingest (pages/s, wall time), embedding
(passages/s), tagging (sentences/s), index size, search latency (warm in-process median/p95 and
cold process), ask latency (warm and cold).  Progress goes to stderr, the figures to stdout
(``--json`` for one JSON object).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

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


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def bench_extraction(corpus: Path) -> dict:
    from wbpolicy.errors import ExtractionError
    from wbpolicy.extract import extract, iter_documents

    pages = 0
    pdf_pages = 0
    pdf_seconds = 0.0
    t0 = time.perf_counter()
    failed = []
    for path in iter_documents([corpus]):
        t = time.perf_counter()
        try:
            ex = extract(path)
        except ExtractionError as exc:
            failed.append(f"{path.name}: {exc.code}")
            continue
        dt = time.perf_counter() - t
        pages += len(ex.pages)
        if path.suffix.lower() == ".pdf":
            pdf_pages += len(ex.pages)
            pdf_seconds += dt
    total = time.perf_counter() - t0
    return {
        "extract_seconds": round(total, 1),
        "extract_pages": pages,
        "extract_pages_per_s": round(pages / total, 1),
        "pdf_pages_per_s": round(pdf_pages / pdf_seconds, 1) if pdf_seconds else None,
        "extract_failed": failed,
    }


def bench_ingest(corpus: Path, index_dir: Path, reuse: bool) -> dict:
    from wbpolicy.ingest import ingest
    from wbpolicy.settings import load_settings

    settings = load_settings(index_dir=index_dir)
    if index_dir.exists() and not reuse:
        shutil.rmtree(index_dir)
    t0 = time.perf_counter()
    summary = ingest([corpus], settings)
    wall = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file())
    return {
        "ingest_seconds": round(wall, 1),
        "ingest_documents": summary.documents,
        "ingest_pages": summary.pages,
        "ingest_passages": summary.passages,
        "ingest_problems": len(summary.problems),
        "ingest_pages_per_s": round(summary.pages / wall, 1) if summary.pages else None,
        "index_bytes": size,
    }


def bench_embed_and_tag(index_dir: Path) -> dict:
    from wbpolicy.enrich.tag import get_tagger
    from wbpolicy.index import Index
    from wbpolicy.settings import load_settings
    from wbpolicy.text import split_sentences

    index = Index.open(load_settings(index_dir=index_dir), readonly=True)
    texts = [r[0] for r in index.store.conn.execute("SELECT text FROM passages ORDER BY id")]
    sample = texts[:1000]
    emb = index.embedder
    emb.embed(sample[:8], kind="passage")  # warm-up
    t0 = time.perf_counter()
    emb.embed(sample, kind="passage")
    embed_s = time.perf_counter() - t0
    tagger = get_tagger()
    tagger.tag_many(texts[:20])
    n_sent = sum(len(split_sentences(t)) for t in texts)
    t0 = time.perf_counter()
    tagger.tag_many(texts)
    tag_s = time.perf_counter() - t0
    return {
        "embed_passages_per_s": round(len(sample) / embed_s, 1),
        "tag_sentences_per_s": round(n_sent / tag_s, 1),
        "tag_passages": len(texts),
    }


def bench_queries(index_dir: Path) -> dict:
    from wbpolicy.answer import ask
    from wbpolicy.index import Index
    from wbpolicy.search import search
    from wbpolicy.settings import load_settings

    index = Index.open(load_settings(index_dir=index_dir), readonly=True)
    search(index, "warm-up", top_k=10)
    warm = []
    for _ in range(5):
        for q in QUERIES:
            t0 = time.perf_counter()
            search(index, q, top_k=10)
            warm.append((time.perf_counter() - t0) * 1000)
    ask_warm = []
    for q in QUESTIONS:
        t0 = time.perf_counter()
        ask(index, q)
        ask_warm.append((time.perf_counter() - t0) * 1000)
    env = {**os.environ, "WBPOLICY_INDEX": str(index_dir)}
    exe = str(REPO / ".venv" / "bin" / "wbpolicy")

    def cold(args: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run([exe, *args], env=env, check=True, capture_output=True)
        return round(time.perf_counter() - t0, 2)

    t0 = time.perf_counter()
    subprocess.run([exe, "--help"], env=env, check=True, capture_output=True)
    help_s = time.perf_counter() - t0
    return {
        "search_warm_ms_median": round(statistics.median(warm), 1),
        "search_warm_ms_p95": round(pct(warm, 0.95), 1),
        "search_cold_s": cold(["search", QUERIES[0], "--json"]),
        "ask_warm_ms_median": round(statistics.median(ask_warm), 1),
        "ask_cold_s": cold(["ask", QUESTIONS[0], "--json"]),
        "help_s": round(help_s, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--index", type=Path, default=Path("/tmp/wbpolicy-bench"))
    ap.add_argument(
        "--reuse", action="store_true", help="Keep an existing index (skip unchanged files)."
    )
    ap.add_argument("--skip-extract", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    figures: dict = {}
    if not args.skip_extract:
        log("extraction alone ...")
        figures.update(bench_extraction(args.corpus))
    log("ingest end to end ...")
    figures.update(bench_ingest(args.corpus, args.index, args.reuse))
    log("embedding and tagging ...")
    figures.update(bench_embed_and_tag(args.index))
    log("search and ask latency ...")
    figures.update(bench_queries(args.index))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<26} {value}")


if __name__ == "__main__":
    main()
