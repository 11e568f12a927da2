#!/usr/bin/env python
"""How wbpolicy's cost grows with the index: synthetic indexes of 10k, 100k and (opt-in) 1M
passages, built through the project's own writer, searched through the real query path.

    .venv/bin/python scripts/bench_scale.py [--max 1000000] [--sizes 10000,100000]
        [--source INDEX_DIR] [--queries ../shared/eval/dev_queries.jsonl]
        [--work DIR] [--keep] [--out bench_scale.json] [--plot docs/scaling.png]
        [--kind auto|flat|ivf|hnsw] [--ann-kind ivf|hnsw] [--threshold N] [--nprobe N]
        [--m M] [--ef-construction N] [--ef-search N] [--compare flat,ivf,hnsw] [--reuse]

The synthetic passages: vectors drawn around the source index's real passage vectors (a real
vector, a little of another one mixed in, Gaussian noise, renormalised), so neighbourhoods look
like the corpus's; text of one to four sentences sampled from the source's own passages, so
FTS5 sees the corpus's vocabulary; document kind, country and year sampled from its documents.
Nothing of the corpus is written outside the temporary indexes, which are deleted afterwards
(``--keep`` keeps them).

For each size, in fresh child processes (so peak RSS is that size's own): the build (store
writes through ``Writer.write_document``, then the vector index, as ``wbpolicy ingest`` does),
disk use, then a read-only open that warms up and times ``wbpolicy.search.search`` in each mode
over the query texts (the query embedding is computed every time: its cache is cleared before
each query), peak RSS of that serving process, dense recall@10 of the index's vector search
against an exact scan (the dev queries' vectors and 200 synthetic queries), and the raw vector
search time of each kind (flat, IVF, HNSW: ``--compare``; HNSW takes about an hour to build at
1M on two cores, so it is left out there unless asked for) on the same vectors, with an nprobe
and an efSearch sweep, which is where ``VectorSettings.ann_threshold`` and the approximate
index's parameters come from.  ``--reuse`` keeps a size's store when ``--work`` already holds
it complete and rebuilds only the vector and full-text indexes (a 1M store takes minutes to
write).  Progress and per-size timings go to stderr; the result is a JSON file and the plot
(latency and recall against size, log x).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_MAX = 100_000
DEFAULT_QUERIES = REPO.parent / "shared" / "eval" / "dev_queries.jsonl"
MODES = ("lexical", "dense", "hybrid")
PASSAGES_PER_DOC = 500
NOISE = 0.5  # norm of the Gaussian noise added to a (unit) corpus vector
MIX = 0.3  # at most this much of a second corpus vector is mixed in
SYNTH_QUERIES = 200
EF_SWEEP = (64, 128, 256, 512, 768, 1024)
NPROBE_SWEEP = (8, 16, 32, 64, 128, 256)
HNSW_COMPARE_MAX = 200_000  # above this, HNSW is built for the comparison only when asked


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def disk_mb(path: Path) -> dict[str, float]:
    """Megabytes per file of an index directory, a subdirectory (the Tantivy index) as one."""
    files = {}
    for p in path.iterdir():
        if p.is_file():
            files[p.name] = p.stat().st_size
        elif p.is_dir():
            files[p.name + "/"] = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    out = {name: round(size / 1e6, 1) for name, size in sorted(files.items())}
    out["total"] = round(sum(files.values()) / 1e6, 1)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[pos]


def vector_settings(args: argparse.Namespace) -> Any:
    from wbpolicy.settings import VectorSettings

    s = VectorSettings()
    changes = {
        "kind": args.kind,
        "ann_kind": args.ann_kind,
        "ivf_nprobe": args.nprobe,
        "ann_threshold": args.threshold,
        "hnsw_m": args.m,
        "hnsw_ef_construction": args.ef_construction,
        "hnsw_ef_search": args.ef_search,
    }
    return replace(s, **{k: v for k, v in changes.items() if v is not None})


def synthetic_vectors(base: Any, n: int, seed: int) -> Any:
    """``n`` unit vectors around rows of ``base`` (see the module docstring)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    dim = base.shape[1]
    a = base[rng.integers(0, len(base), n)]
    b = base[rng.integers(0, len(base), n)]
    mix = rng.uniform(0, MIX, (n, 1)).astype(np.float32)
    noise = rng.standard_normal((n, dim)).astype(np.float32) * (NOISE / np.sqrt(dim))
    out = a + mix * b + noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def source_material(source: Path) -> dict[str, Any]:
    """What the synthetic index borrows from the source index: vectors, sentences, documents."""
    from wbpolicy.index import Index
    from wbpolicy.settings import Settings

    with Index.open(Settings(index_dir=source)) as index:
        ids, mat = index.stored_vectors()
        texts = index.reader.passage_texts(10**7)
        docs = list(index.reader.documents().values())
        model_id, dim = index.model_id, index.dim
    sentences = [
        s.strip()
        for t in texts
        for s in re.split(r"(?<=[.!?;])\s+|\n+", t)
        if 30 <= len(s.strip()) <= 400
    ]
    return {
        "vectors": mat,
        "sentences": sentences,
        "docs": [(d.kind, d.country, d.year, d.title) for d in docs],
        "model_id": model_id,
        "dim": dim,
    }


# -- build (a child process) -------------------------------------------------------------------


def build(size: int, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from wbpolicy.index import Index
    from wbpolicy.index.writer import PreparedDocument
    from wbpolicy.models import Document, Extraction, PageText, Passage
    from wbpolicy.settings import Settings

    t0 = time.perf_counter()
    src = source_material(Path(args.source))
    rng = np.random.default_rng(size)
    sentences, docs = src["sentences"], src["docs"]
    log(f"  {size:>9,}: source read ({len(src['vectors'])} vectors, {len(sentences)} sentences)")
    settings = Settings(index_dir=directory, vectors=vector_settings(args))
    index = Index.open(settings, readonly=False)
    writer = index.writer
    t_store = time.perf_counter()
    written = 0
    n_docs = (size + PASSAGES_PER_DOC - 1) // PASSAGES_PER_DOC
    reused = args.reuse and index.count("embeddings") == size
    if reused:
        log(f"  {size:>9,}: reusing the store in {directory}")
        n_docs = 0
    for j in range(n_docs):
        n = min(PASSAGES_PER_DOC, size - written)
        kind, country, year, title = docs[int(rng.integers(len(docs)))]
        doc = Document(
            doc_id=f"synthetic-{j:06d}",
            title=f"{title} ({j})",
            kind=kind,
            country=country,
            year=year,
            path=f"/synthetic/{j:06d}.txt",
            format="txt",
            sha256=f"{j:064x}",
        )
        passages = []
        for o in range(n):
            picks = rng.integers(0, len(sentences), int(rng.integers(1, 5)))
            text = " ".join(sentences[int(i)] for i in picks)
            page = o // 5 + 1
            passages.append(
                Passage(text, "body", (f"{o // 20 + 1} Section",), (page,), 0, len(text), (), o)
            )
        extraction = Extraction(
            path=doc.path, format="txt", title=doc.title, pages=(PageText(1, ""),), blocks=()
        )
        vectors = synthetic_vectors(src["vectors"], n, seed=size * 7919 + j)
        countries = [{country: "document"} if country else {} for _ in range(n)]
        prepared = PreparedDocument(
            doc, extraction, passages, [[] for _ in range(n)], countries, vectors, "synthetic"
        )
        writer.write_document(
            prepared, model_id=src["model_id"], dim=src["dim"], chunking={}, run_id=0
        )
        written += n
        if j % max(1, n_docs // 10) == 0:
            took = time.perf_counter() - t_store
            log(f"  {size:>9,}: {written:,} passages written ({took:.0f} s)")
    store_s = time.perf_counter() - t_store
    if reused:
        earlier = json.loads((directory / "bench-build.json").read_text(encoding="utf-8"))
        store_s, n_docs = earlier["store_s"], earlier["documents"]
    else:
        (directory / "bench-build.json").write_text(
            json.dumps({"store_s": round(store_s, 1), "documents": n_docs}), encoding="utf-8"
        )
    t_text = time.perf_counter()
    fulltext = index.sync_fulltext()  # as rebuild_vectors does, timed apart
    fulltext_s = time.perf_counter() - t_text
    log(f"  {size:>9,}: full text {fulltext} in {fulltext_s:.0f} s")
    t_vec = time.perf_counter()
    index.rebuild_vectors()
    vectors_s = time.perf_counter() - t_vec
    kind = index.vectors.describe()
    index.close()
    return {
        "size": size,
        "documents": n_docs,
        "store_s": round(store_s, 1),
        "fulltext": fulltext,
        "fulltext_s": round(fulltext_s, 1),
        "vectors_s": round(vectors_s, 1),
        "build_total_s": round(time.perf_counter() - t0, 1),
        "vector_index": kind,
        "disk_mb": disk_mb(directory),
        "build_peak_rss_mb": peak_rss_mb(),
    }


# -- search (a child process) ------------------------------------------------------------------


def query_texts(files: list[str]) -> list[str]:
    out: list[str] = []
    for f in files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["query"])
    return out


def search_bench(size: int, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from wbpolicy.index import Index
    from wbpolicy.search import search
    from wbpolicy.settings import Settings

    texts = query_texts(args.queries)
    index = Index.open(Settings(index_dir=directory))
    t0 = time.perf_counter()
    vecs: Any = index.vectors  # the FAISS VectorIndex: kind and ef_search are read below
    load_s = time.perf_counter() - t0
    if args.ef_search is not None and vecs.kind == "hnsw":
        vecs.ef_search = args.ef_search  # try another breadth on the saved graph
    if args.nprobe is not None and vecs.kind == "ivf":
        vecs.nprobe = args.nprobe
    out_engine = "tantivy" if index._full_text() is not None else "fts5"
    index.embedder  # noqa: B018 - the model loads here, not in the first timed query
    out: dict[str, Any] = {
        "size": size,
        "vectors_load_s": round(load_s, 2),
        "queries": len(texts),
        "lexical_engine": out_engine,
    }
    latency: dict[str, dict[str, float]] = {}
    profile = None
    for mode in MODES:
        t_mode = time.perf_counter()
        for text in texts:  # warm-up: SQLite pages, FAISS memory, the analysers' caches
            search(index, text, mode=mode)
            if time.perf_counter() - t_mode > args.budget_s / 2:
                break
        t_mode = time.perf_counter()
        times: list[float] = []
        cpu: list[float] = []
        for _ in range(args.repeats):
            for text in texts:
                index.query_vectors.clear()  # the query embedding is part of every search
                t, c = time.perf_counter(), time.process_time()
                search(index, text, mode=mode)
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                if len(times) >= 5 and time.perf_counter() - t_mode > args.budget_s:
                    break  # bounded run time: a slow mode gets fewer samples
            else:
                continue
            break
        if mode == "hybrid" and args.profile:  # one more pass, profiled, not timed
            import cProfile

            profile = cProfile.Profile()
            t_mode = time.perf_counter()
            for text in texts:
                profile.runcall(search, index, text, mode=mode)
                if time.perf_counter() - t_mode > args.budget_s:
                    break
        latency[mode] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "mean_ms": round(statistics.fmean(times), 1),
            # CPU time of the process (all threads): what a busy machine does not inflate
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "samples": len(times),
        }
        log(f"  {size:>9,}: {mode:<7} p50 {latency[mode]['p50_ms']} ms")
    out["latency"] = latency
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["search_peak_rss_mb"] = peak_rss_mb()
    if profile is not None:
        import io
        import pstats

        buf = io.StringIO()
        pstats.Stats(profile, stream=buf).sort_stats("cumulative").print_stats(35)
        Path(f"{args.profile}.{size}").write_text(buf.getvalue(), encoding="utf-8")
    # dense recall@10 of the index's own vector search against an exact scan, and the raw
    # vector search time of each kind on these vectors
    from wbpolicy.index.vectors import VectorIndex, build_faiss
    from wbpolicy.search.dense import query_vector

    ids, mat = index.stored_vectors()
    dev = np.stack([query_vector(index, t) for t in texts])
    synth = synthetic_vectors(mat, SYNTH_QUERIES, seed=12345)
    exact = VectorIndex(mat.shape[1]).build(ids, mat)
    truth = {
        name: [{i for i, _ in exact.search(q, 10)} for q in qs]
        for name, qs in (("dev", dev), ("synthetic", synth))
    }
    s = vector_settings(args)
    kinds: dict[str, Any] = {}
    compare = args.compare.split(",") if args.compare else ["flat", "ivf", "hnsw"]
    if not args.compare and size > HNSW_COMPARE_MAX:
        compare.remove("hnsw")
    for kind in dict.fromkeys([*compare, vecs.kind]):
        t = time.perf_counter()
        if kind == vecs.kind:
            vi = vecs
            built_s = None
        elif kind == "flat":
            vi, built_s = exact, None
        else:
            vi = build_faiss(mat.shape[1], ids, mat, replace(s, kind=kind))
            built_s = round(time.perf_counter() - t, 1)
        rec: dict[str, Any] = {"build_s": built_s}
        for name, qs in (("dev", dev), ("synthetic", synth)):
            got, ms = [], []
            for q in qs:
                t = time.perf_counter()
                hits = vi.search(q, 10)
                ms.append((time.perf_counter() - t) * 1000)
                got.append({i for i, _ in hits})
            rec[f"recall10_{name}"] = round(
                float(np.mean([len(g & w) / 10 for g, w in zip(got, truth[name], strict=True)])),
                4,
            )
            rec[f"search_p50_ms_{name}"] = round(statistics.median(ms), 2)
        if kind == "hnsw":
            rec["ef_sweep"] = sweep(vi, "ef_search", EF_SWEEP, (dev, synth), truth)
        if kind == "ivf":
            rec["nprobe_sweep"] = sweep(vi, "nprobe", NPROBE_SWEEP, (dev, synth), truth)
            rec["nlist"] = vi.nlist
        kinds[kind] = rec
        log(f"  {size:>9,}: {kind} vectors {rec}")
        del vi  # a graph built for the comparison is freed before the next
    out["vector_kinds"] = kinds
    out["index_kind"] = vecs.kind
    out["recall10_dev"] = kinds[vecs.kind]["recall10_dev"]
    out["recall10_synthetic"] = kinds[vecs.kind]["recall10_synthetic"]
    index.close()
    return out


def sweep(
    vi: Any,
    attr: str,
    values: tuple[int, ...],
    queries: tuple[Any, Any],
    truth: dict[str, list[set[int]]],
) -> list[Any]:
    """Recall@10 and vector search time of an approximate index at several breadths (HNSW
    efSearch, IVF nprobe)."""
    import numpy as np

    keep, rows = getattr(vi, attr), []
    for value in values:
        setattr(vi, attr, value)
        row: dict[str, Any] = {attr: value}
        for name, qs in zip(("dev", "synthetic"), queries, strict=True):
            ms, rec = [], []
            for q, want in zip(qs, truth[name], strict=True):
                t = time.perf_counter()
                got = {i for i, _ in vi.search(q, 10)}
                ms.append((time.perf_counter() - t) * 1000)
                rec.append(len(got & want) / 10)
            row[f"recall10_{name}"] = round(float(np.mean(rec)), 4)
            row[f"search_p50_ms_{name}"] = round(statistics.median(ms), 2)
        rows.append(row)
        log(f"    {attr} {value}: {row}")
    setattr(vi, attr, keep)
    return rows


# -- orchestration -----------------------------------------------------------------------------


def child(stage: str, size: int, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result = Path(fh.name)
    cmd = [sys.executable, __file__, f"--{stage}", str(size), "--dir", str(directory)]
    cmd += ["--result", str(result), "--source", str(args.source), "--repeats", str(args.repeats)]
    cmd += ["--budget-s", str(args.budget_s)]
    for q in args.queries:
        cmd += ["--queries", q]
    options = ("kind", "ann_kind", "nprobe", "threshold", "m", "ef_construction", "ef_search")
    for opt in (*options, "compare", "profile"):
        value = getattr(args, opt)
        if value is not None:
            cmd += ["--" + opt.replace("_", "-"), str(value)]
    if args.reuse:
        cmd.append("--reuse")
    subprocess.run(cmd, check=True)
    data = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    return data


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["size"] for r in results]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for mode in MODES:
        ax1.plot(sizes, [r["latency"][mode]["p50_ms"] for r in results], "o-", label=f"{mode} p50")
        ax1.plot(
            sizes,
            [r["latency"][mode]["p95_ms"] for r in results],
            "x--",
            alpha=0.6,
            label=f"{mode} p95",
        )
    kind_styles = (("flat", "s"), ("ivf", "D"), ("hnsw", "^"))
    for kind, mark in kind_styles:
        have = [r for r in results if kind in r["vector_kinds"]]
        ax1.plot(
            [r["size"] for r in have],
            [r["vector_kinds"][kind]["search_p50_ms_dev"] for r in have],
            mark + ":",
            label=f"{kind} vector search p50",
        )
    ax1.axhline(50, color="grey", lw=0.8, ls="--")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("passages")
    ax1.set_ylabel("warm search latency (ms)")
    ax1.legend(fontsize=7)
    ax1.set_title("latency")
    for kind, mark in kind_styles:
        have = [r for r in results if kind in r["vector_kinds"]]
        xs = [r["size"] for r in have]
        ax2.plot(
            xs, [r["vector_kinds"][kind]["recall10_dev"] for r in have], mark + "-", label=kind
        )
        ax2.plot(
            xs,
            [r["vector_kinds"][kind]["recall10_synthetic"] for r in have],
            mark + "--",
            alpha=0.6,
            label=f"{kind} (synthetic queries)",
        )
    ax2.axhline(0.95, color="grey", lw=0.8, ls="--")
    ax2.set_xscale("log")
    ax2.set_ylim(0.8, 1.005)
    ax2.set_xlabel("passages")
    ax2.set_ylabel("dense recall@10 vs exact")
    ax2.legend(fontsize=7)
    ax2.set_title("recall")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def markdown_table(results: list[dict[str, Any]]) -> str:
    """The figures of a run as the Markdown tables of docs/SCALING.md."""
    head = (
        "| passages | vector index | build: store / vectors | disk | RAM peak: build / search "
        "| lexical p50 / p95 | dense p50 / p95 | hybrid p50 / p95 | hybrid CPU p50 "
        "| dense recall@10 (dev / synthetic) |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for r in results:
        lat = r["latency"]
        vi = r["vector_index"]
        kind = vi["kind"] + (
            f" (M {vi['m']}, efC {vi['ef_construction']}, ef {vi['ef_search']})"
            if vi["kind"] == "hnsw"
            else f" ({vi['nlist']} lists, nprobe {vi['nprobe']})"
            if vi["kind"] == "ivf"
            else ""
        )
        kind += f", {r.get('lexical_engine', 'fts5')}"
        text_s = f" + {r['fulltext_s']:.0f} s" if r.get("fulltext_s") else ""
        rows.append(
            f"| {r['size']:,} | {kind} | {r['store_s']:.0f} s / {r['vectors_s']:.0f} s{text_s} "
            f"| {r['disk_mb']['total'] / 1000:.2f} GB "
            f"| {r['build_peak_rss_mb'] / 1000:.2f} / {r['search_peak_rss_mb'] / 1000:.2f} GB "
            + " ".join(f"| {lat[m]['p50_ms']:.0f} / {lat[m]['p95_ms']:.0f} ms" for m in MODES)
            + f" | {lat['hybrid'].get('cpu_p50_ms', float('nan')):.0f} ms "
            f"| {r['recall10_dev']:.3f} / {r['recall10_synthetic']:.3f} |"
        )
    kinds = (
        "\n\n| passages | vector index | vector search p50 | recall@10 (dev / synthetic) "
        "| build |\n|---:|---|---:|---:|---:|\n"
    )
    for r in results:
        for name, k in r["vector_kinds"].items():
            built = r["vectors_s"] if k["build_s"] is None and name != "flat" else k["build_s"]
            kinds += (
                f"| {r['size']:,} | {name} | {k['search_p50_ms_dev']:.2f} ms "
                f"| {k['recall10_dev']:.3f} / {k['recall10_synthetic']:.3f} "
                f"| {'' if built is None else f'{built:.0f} s'} |\n"
            )
    return head + "\n".join(rows) + kinds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max", type=int, default=DEFAULT_MAX, help="largest size (1M is opt-in)")
    ap.add_argument("--sizes", help="comma-separated sizes (default: 10k, 100k, 1M up to --max)")
    ap.add_argument(
        "--source",
        default=str(REPO / "indexes" / "default"),
        help="the index whose vectors and sentences are borrowed (default: the default index)",
    )
    ap.add_argument("--queries", action="append", help="JSONL query files (default: dev)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--budget-s", type=float, default=120.0, help="time limit of one mode's timed searches"
    )
    ap.add_argument("--work", help="where the indexes are built (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the built indexes")
    ap.add_argument("--out", default="bench_scale.json")
    ap.add_argument("--plot", default=str(REPO / "docs" / "scaling.png"))
    ap.add_argument("--kind", choices=("auto", "flat", "ivf", "hnsw"))
    ap.add_argument("--ann-kind", choices=("ivf", "hnsw"))
    ap.add_argument("--nprobe", type=int)
    ap.add_argument(
        "--compare", help="vector kinds to compare (default flat,ivf,hnsw; hnsw not above 200k)"
    )
    ap.add_argument("--reuse", action="store_true", help="reuse complete stores found in --work")
    ap.add_argument("--threshold", type=int)
    ap.add_argument("--m", type=int)
    ap.add_argument("--ef-construction", type=int)
    ap.add_argument("--ef-search", type=int)
    ap.add_argument("--profile", help="write a cProfile of the timed hybrid searches here")
    ap.add_argument(
        "--merge", action="append", default=[], help="results of an earlier run to plot along"
    )
    # internal: one stage of one size, in a child process
    ap.add_argument("--build", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--search", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.queries = args.queries or [str(DEFAULT_QUERIES)]

    if args.build or args.search:
        directory = Path(args.dir)
        if args.build:
            data = build(args.build, directory, args)
        else:
            data = search_bench(args.search, directory, args)
        Path(args.result).write_text(json.dumps(data), encoding="utf-8")
        return 0

    if args.sizes == "none":  # only merge, tabulate and plot earlier results
        sizes = []
    elif args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    else:
        sizes = [s for s in DEFAULT_SIZES if s <= args.max]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="wbp-scale-"))
    results = []
    t_all = time.perf_counter()
    try:
        for size in sizes:
            t = time.perf_counter()
            directory = work / f"idx-{size}"
            if directory.exists() and not args.reuse:
                shutil.rmtree(directory)
            log(f"{size:,} passages: building in {directory}")
            built = child("build", size, directory, args)
            log(f"{size:,} passages: built in {built['build_total_s']} s; searching")
            searched = child("search", size, directory, args)
            row = {**built, **searched, "size_s": round(time.perf_counter() - t, 1)}
            results.append(row)
            log(f"{size:,} passages: done in {row['size_s']} s")
            if not args.keep:
                shutil.rmtree(directory)
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    for earlier in args.merge:
        old = json.loads(Path(earlier).read_text(encoding="utf-8"))["results"]
        results += [r for r in old if r["size"] not in sizes]
    results.sort(key=lambda r: r["size"])
    report = {
        "sizes": [r["size"] for r in results],
        "source": str(args.source),
        "queries": args.queries,
        "repeats": args.repeats,
        "cpus": os.cpu_count(),
        "settings": vars(vector_settings(args)),
        "total_s": round(time.perf_counter() - t_all, 1),
        "results": results,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.plot and results:
        plot(results, Path(args.plot))
    if results:
        log(markdown_table(results))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
