#!/usr/bin/env python
"""Embedding throughput of the ONNX variants, side by side in one run, on real stored passages.

    .venv/bin/python scripts/bench_embed.py --index DIR [--passages 512] [--rounds 3]
        [--variants fp32,fused,int8,int8-pt,fused-int8,fused-int8-pt]
        [--batch-sizes 32] [--threads 2] [--also fused:64:2,fused:32:1]
        [--work /tmp/wbp-bench-embed] [--json]

The passages are spread evenly over the index's stored passages, and embedded as ingest embeds
them (``wbpolicy.prepare.embedding_input``: title and section before the verbatim text).  Every
variant is built in ``--work`` from the bundled model, locally:

===============  ============================================================================
variant          graph
===============  ============================================================================
fp32             the plain ``torch.onnx.export`` graph
fused            fp32 fused offline by ``onnxruntime.transformers.optimizer`` (bert kernels)
int8             fp32, dynamic int8 quantisation of the MatMuls, per output channel
int8-pt          the same, one scale per tensor
fused-int8       fused, then int8 (MatMul and the fused Attention), per channel
fused-int8-pt    the same, per tensor
===============  ============================================================================

Each round embeds all passages once with every (variant, batch size, threads) configuration,
in an order rotated from round to round, so a machine shared with other work slows every
configuration alike; the figures are the medians over rounds.  Cosines are against the
sentence-transformers (torch) vectors of the same passages.  The padding table says how much of
each batch is padding once texts are sorted by length (real word pieces / batch width).

The defaults of ``EmbedSettings`` (``src/wbpolicy/embed/protocol.py``) were chosen with this
script on the 2-core machine (AVX2, no AVX512/VNNI), heavily shared with other work, 2026-12-07:
``--passages 128 --rounds 5 --variants fp32,fused,int8,fused-int8 --threads 1 --also
fused:8:1,fused:64:1``, passages per CPU second (medians; wall time agreed within 2%):

    batch 32: fp32 10.3, fused 10.6, int8 15.3, fused-int8 14.6
    fused: batch 8 13.1, batch 32 10.6, batch 64 10.1

Cosine to torch: fp32 and fused 1.00000 (min); int8 min 0.984-0.989, mean 0.994.  int8 moved
retrieval figures by up to 0.077 (one dev2 query of 13), so fp32 stays the default.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

VARIANTS = ("fp32", "fused", "int8", "int8-pt", "fused-int8", "fused-int8-pt")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sample_inputs(index_dir: Path, n: int) -> list[str]:
    """``n`` stored passages spread over the index, as the model reads them at ingest."""
    from wbpolicy.index import Index
    from wbpolicy.models import Passage
    from wbpolicy.prepare import embedding_input
    from wbpolicy.settings import ChunkSettings, load_settings

    index = Index.open(load_settings(index_dir=index_dir), readonly=True)
    try:
        ids = [int(r[0]) for r in index.reader.all_vectors()]
        if not ids:
            raise SystemExit(f"{index_dir}: no stored passages")
        step = max(1, len(ids) // n)
        picked = ids[::step][:n]
        hits = index.reader.hits([(pid, 0.0) for pid in picked], len(picked))
    finally:
        index.close()
    chunk = ChunkSettings()
    return [
        embedding_input(
            Passage(h.text, "body", tuple(h.section.split(" > ")) if h.section else (), (), 0, 0),
            h.title,
            chunk,
        )
        for h in hits
    ]


def build_variants(work: Path, wanted: list[str]) -> dict[str, Path]:
    """The ONNX file of each variant, built (once) in ``work``."""
    from wbpolicy.embed import BUNDLED_MODEL_ID, bundled_model_dir
    from wbpolicy.embed.export import (
        FUSION,
        MODEL_FILE,
        ensure_export,
        fuse_graph,
        quantize_graph,
    )

    work.mkdir(parents=True, exist_ok=True)
    plain = ensure_export(bundled_model_dir(), model_id=BUNDLED_MODEL_ID, fusion=False)
    files = {"fp32": plain / MODEL_FILE}
    fused = work / "fused.onnx"
    if any(v.startswith("fused") for v in wanted) and not fused.is_file():
        log("fusing the fp32 graph")
        fuse_graph(files["fp32"], fused, {**FUSION, "num_heads": 12, "hidden_size": 384})
    files["fused"] = fused
    for name in wanted:
        if name in files:
            continue
        base, _, kind = name.partition("-int8")
        path = work / f"{name}.onnx"
        if not path.is_file():
            log(f"quantising {name}")
            src = files["fused" if base == "fused" else "fp32"]
            quantize_graph(src, path, fused=base == "fused", per_channel=kind != "-pt")
        files[name] = path
    return {k: v for k, v in files.items() if k in wanted}


def reference_vectors(texts: list[str], work: Path) -> Any:
    """torch's vectors of ``texts`` (cached in ``work`` by the texts' hash)."""
    import numpy as np

    from wbpolicy.embed import load_embedder

    key = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
    path = work / f"torch-{key}.npy"
    if path.is_file():
        return np.load(path)
    log(f"torch reference vectors of {len(texts)} passages")
    vecs = load_embedder("st:bundled:all-MiniLM-L6-v2").embed(texts, "passage")
    np.save(path, vecs)
    return vecs


def padding(texts: list[str], batch_sizes: list[int]) -> dict[int, dict[str, float]]:
    """Per batch size: mean and max word pieces per batch after sorting by length."""
    import numpy as np

    from wbpolicy.embed import load_embedder

    emb = load_embedder("bundled:all-MiniLM-L6-v2")
    encs = emb._pieces.model_input.encode_batch(texts)  # type: ignore[attr-defined]
    lengths = np.sort(np.array([len(e.ids) for e in encs]))
    out = {}
    for bs in batch_sizes:
        real = padded = 0
        widths = []
        for start in range(0, len(lengths), bs):
            chunk = lengths[start : start + bs]
            real += int(chunk.sum())
            padded += int(chunk.max()) * len(chunk)
            widths.append(int(chunk.max()))
        out[bs] = {
            "mean_pieces": round(float(lengths.mean()), 1),
            "mean_batch_width": round(float(np.mean(widths)), 1),
            "max_batch_width": int(max(widths)),
            "real_share": round(real / padded, 3),
        }
    return out


def embedder_on(model: Path, batch_size: int, threads: int) -> Any:
    """An OnnxEmbedder (the product's batching and tokenising) on the session of ``model``."""
    import onnxruntime as ort

    from wbpolicy.embed import BUNDLED_MODEL_ID, bundled_model_dir
    from wbpolicy.embed.onnx import OnnxEmbedder, session_options
    from wbpolicy.embed.protocol import EmbedSettings

    settings = EmbedSettings(batch_size=batch_size, threads=threads)
    emb = OnnxEmbedder.from_source(
        bundled_model_dir(), model_id=BUNDLED_MODEL_ID, settings=settings
    )
    emb._session = ort.InferenceSession(
        str(model), session_options(settings), providers=["CPUExecutionProvider"]
    )
    return emb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="an index with stored passages")
    parser.add_argument("--passages", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--batch-sizes", default="32")
    parser.add_argument("--threads", default="2")
    parser.add_argument(
        "--also", default="", help="more configurations, VARIANT:BATCH:THREADS, comma-separated"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/wbp-bench-embed"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import numpy as np

    also = [tuple(x.split(":")) for x in args.also.split(",") if x]
    variants = [v for v in args.variants.split(",") if v]
    variants += [str(a[0]) for a in also if a[0] not in variants]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    batch_sizes = [int(x) for x in args.batch_sizes.split(",")]
    threads = [int(x) for x in args.threads.split(",")]
    texts = sample_inputs(args.index, args.passages)
    files = build_variants(args.work, variants)
    ref = reference_vectors(texts, args.work)
    configs = [(v, bs, t) for v in variants for bs in batch_sizes for t in threads]
    configs += [
        (str(v), int(bs), int(t)) for v, bs, t in also if (v, int(bs), int(t)) not in configs
    ]
    batch_sizes = sorted({c[1] for c in configs})
    embedders = {c: embedder_on(files[c[0]], c[1], c[2]) for c in configs}
    quality: dict[str, dict[str, float]] = {}
    for v in variants:
        got = embedders[next(c for c in configs if c[0] == v)].embed(texts, "passage")
        cos = np.sum(got * ref, axis=1)
        quality[v] = {
            "min_cosine": round(float(cos.min()), 5),
            "mean_cosine": round(float(cos.mean()), 5),
            "p01_cosine": round(float(np.quantile(cos, 0.01)), 5),
        }
        log(f"{v}: cosine to torch min {cos.min():.5f} mean {cos.mean():.5f}")
    rates: dict[tuple[str, int, int], list[float]] = {c: [] for c in configs}
    # passages per CPU second of this process: on a shared machine wall time measures the other
    # work as much as this one, CPU time much less
    cpu_rates: dict[tuple[str, int, int], list[float]] = {c: [] for c in configs}
    for r in range(args.rounds):
        shift = r % len(configs)
        for c in configs[shift:] + configs[:shift]:
            t0, c0 = time.perf_counter(), time.process_time()
            embedders[c].embed(texts, "passage")
            rates[c].append(len(texts) / (time.perf_counter() - t0))
            cpu_rates[c].append(len(texts) / (time.process_time() - c0))
        log(f"round {r + 1}/{args.rounds} done")
    result = {
        "passages": len(texts),
        "rounds": args.rounds,
        "passages_per_s": [
            {
                "variant": v,
                "batch_size": bs,
                "threads": t,
                "median": round(statistics.median(rates[(v, bs, t)]), 1),
                "runs": [round(x, 1) for x in rates[(v, bs, t)]],
                "per_cpu_s": round(statistics.median(cpu_rates[(v, bs, t)]), 1),
            }
            for (v, bs, t) in configs
        ],
        "cosine_vs_torch": quality,
        "padding": padding(texts, batch_sizes),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{len(texts)} passages, {args.rounds} rounds "
        "(passages/s wall, median [runs]; passages per CPU second, median)"
    )
    for row in result["passages_per_s"]:
        runs = " ".join(f"{x:.0f}" for x in row["runs"])
        print(
            f"  {row['variant']:<14} batch {row['batch_size']:>3}  threads {row['threads']}  "
            f"{row['median']:>6.1f}  [{runs}]  {row['per_cpu_s']:>6.1f}/CPU s"
        )
    print("cosine to torch (min / 1st percentile / mean)")
    for v, q in quality.items():
        print(f"  {v:<14} {q['min_cosine']:.5f} / {q['p01_cosine']:.5f} / {q['mean_cosine']:.5f}")
    print("padding after sorting by length (word pieces)")
    for bs, p in result["padding"].items():
        print(
            f"  batch {bs:>3}: mean text {p['mean_pieces']}, mean batch width "
            f"{p['mean_batch_width']}, max {p['max_batch_width']}, real share {p['real_share']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
