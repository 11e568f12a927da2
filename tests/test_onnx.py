"""The ONNX Runtime embedder against the sentence-transformers reference: same vectors (cosine
>= 0.999 per text), no torch on the query path, an export cache keyed by the model's content
that never trusts a damaged file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wbpolicy.embed import BUNDLED_MODEL_ID, bundled_model_dir, load_embedder

pytestmark = pytest.mark.model

TEXTS = [
    "national cyber security strategy",
    "The Computer Emergency Response Team of Montenegro handles incidents in public bodies. " * 30,
    "Закон о информационој безбедности уређује мере заштите у информационим системима.",
    "Strategjia kombëtare për sigurinë kibernetike 2020-2025 synon mbrojtjen e rrjeteve.",
    "Nacionalni CERT djeluje pri Hrvatskoj akademskoj i istraživačkoj mreži CARNET.",
    "a",
    "",
    "KOS-CERT | 4.4 Kosovo*\nThe regulator hosts the national CERT since 2012 (see fn. 66).",
]
# int8 against torch, per text: measured min 0.984 / mean 0.994 on 511 stored passages
# (scripts/bench_embed.py, 2026-12-07) and 0.975 on the export's check texts; with a margin
INT8_MIN_COSINE = 0.95
INT8_MEAN_COSINE = 0.98


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export for the module, in a cache of its own (not the user's)."""
    path = tmp_path_factory.mktemp("wbp-cache")
    old = os.environ.get("WBPOLICY_CACHE")
    os.environ["WBPOLICY_CACHE"] = str(path)
    from wbpolicy.embed.export import ensure_export

    ensure_export(bundled_model_dir(), model_id=BUNDLED_MODEL_ID)
    yield path
    if old is None:
        os.environ.pop("WBPOLICY_CACHE", None)
    else:
        os.environ["WBPOLICY_CACHE"] = old


def test_onnx_agrees_with_sentence_transformers(cache: Path) -> None:
    onnx = load_embedder("bundled:all-MiniLM-L6-v2")
    ref = load_embedder("st:bundled:all-MiniLM-L6-v2")
    assert type(onnx).__name__ == "OnnxEmbedder"
    assert (onnx.model_id, onnx.dim, onnx.max_tokens) == (ref.model_id, ref.dim, ref.max_tokens)
    got, want = onnx.embed(TEXTS, "passage"), ref.embed(TEXTS, "passage")
    assert got.shape == want.shape == (len(TEXTS), 384) and got.dtype == np.float32
    cos = np.sum(got * want, axis=1)
    assert float(cos.min()) >= 0.999, cos
    # batches of mixed lengths are sorted internally: the order of results is the input's
    one = np.vstack([onnx.embed([t], "query") for t in TEXTS])
    assert float(np.min(np.sum(one * got, axis=1))) >= 0.9999
    assert onnx.count_tokens(TEXTS[1]) == ref.count_tokens(TEXTS[1]) > 256
    described = onnx.describe()
    assert described["backend"] == "onnxruntime" and len(described["onnx_sha256"]) == 64


def test_query_path_imports_no_torch(cache: Path) -> None:
    code = (
        "import sys\nfrom wbpolicy.embed import load_embedder\n"
        "v = load_embedder('bundled:all-MiniLM-L6-v2').embed(['KOS-CERT'], 'query')\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers')\n"
        "         if m in sys.modules]\n"
        "print(v.shape[1], ','.join(heavy) or '-')\n"
    )
    env = {**os.environ, "WBPOLICY_CACHE": str(cache), "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert out == ["384", "-"]


def test_cache_key_follows_the_model_files(cache: Path, tmp_path: Path) -> None:
    from wbpolicy.embed.export import export_dir_for

    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    a = export_dir_for(copy, model_id="m", precision="fp32", opset=17)
    assert a == export_dir_for(copy, model_id="m", precision="fp32", opset=17)
    cfg = copy / "sentence_bert_config.json"
    data = json.loads(cfg.read_text(encoding="utf-8"))
    data["max_seq_length"] = 128
    cfg.write_text(json.dumps(data), encoding="utf-8")
    assert export_dir_for(copy, model_id="m", precision="fp32", opset=17) != a
    assert export_dir_for(copy, model_id="m", precision="int8", opset=17) != a


def test_a_damaged_export_is_not_trusted(cache: Path, tmp_path: Path) -> None:
    from wbpolicy.embed.export import MODEL_FILE, CorruptExport, export_dir_for
    from wbpolicy.embed.onnx import OnnxEmbedder

    src = export_dir_for(bundled_model_dir(), model_id=BUNDLED_MODEL_ID, precision="fp32", opset=17)
    broken = tmp_path / "export"
    shutil.copytree(src, broken)
    model = broken / MODEL_FILE
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    model.write_bytes(bytes(data))
    emb = OnnxEmbedder.from_export(broken)
    with pytest.raises(CorruptExport):
        emb.embed(["any text"], "query")


def test_a_verified_export_rewritten_later_is_checked_again(cache: Path, tmp_path: Path) -> None:
    """The digest of a verified model file is remembered against its size, mtime and inode, so
    a new process need not hash 90 MB again; a rewrite (same size, other bytes) is caught."""
    import os

    from wbpolicy.embed.export import MODEL_FILE, CorruptExport, export_dir_for, remembered_digest
    from wbpolicy.embed.onnx import OnnxEmbedder

    src = export_dir_for(bundled_model_dir(), model_id=BUNDLED_MODEL_ID, precision="fp32", opset=17)
    copy = tmp_path / "export"
    shutil.copytree(src, copy)
    model = copy / MODEL_FILE
    assert OnnxEmbedder.from_export(copy).embed(["a text"], "query").shape == (1, 384)
    st = model.stat()
    assert remembered_digest(str(model), [st.st_size, st.st_mtime_ns, st.st_ino]) is not None
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    with open(model, "r+b") as fh:  # in place: the same inode and size, a new mtime
        fh.write(bytes(data))
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    with pytest.raises(CorruptExport):
        OnnxEmbedder.from_export(copy).embed(["a text"], "query")


def test_the_default_export_is_fused_verified_and_idempotent(cache: Path) -> None:
    import onnx

    from wbpolicy.embed.export import MANIFEST, MODEL_FILE, ensure_export, read_manifest
    from wbpolicy.embed.protocol import EmbedSettings
    from wbpolicy.fsutil import sha256_file

    s = EmbedSettings()
    kw = {"model_id": BUNDLED_MODEL_ID, "precision": "fp32", "fusion": s.fusion}
    out = ensure_export(bundled_model_dir(), verify=True, **kw)
    manifest = read_manifest(out)
    assert manifest["precision"] == "fp32" and manifest["quantization"] is None
    assert manifest["files"][MODEL_FILE]["sha256"] == sha256_file(out / MODEL_FILE)
    assert manifest["check"]["min_cosine_vs_torch"] >= 0.9999
    if s.fusion:
        # all six layers fused: one attention kernel each, LayerNorm folded into the residuals
        ops = {n.op_type for n in onnx.load(str(out / MODEL_FILE)).graph.node}
        assert {"Attention", "SkipLayerNormalization", "EmbedLayerNormalization"} <= ops
        assert manifest["fusion"]["operators"]["Attention"] == 6
        assert manifest["fusion"]["num_heads"] == 12 and out.name.startswith(
            "all-MiniLM-L6-v2-fp32-fused-"
        )
    # what an index manifest records of it
    described = load_embedder("bundled:all-MiniLM-L6-v2").describe()
    assert described["precision"] == "fp32" and described["fusion"] == manifest["fusion"]
    assert described["onnx_sha256"] == manifest["files"][MODEL_FILE]["sha256"]
    # the install step again: nothing is exported, the same folder is vouched for
    stamp = (out / MANIFEST).stat().st_mtime_ns
    assert ensure_export(bundled_model_dir(), verify=True, **kw) == out
    assert (out / MANIFEST).stat().st_mtime_ns == stamp


def test_int8_has_its_own_model_id_and_stays_near_torch(cache: Path) -> None:
    from wbpolicy.embed.export import read_manifest
    from wbpolicy.ingest import index_key

    int8 = load_embedder("bundled:all-MiniLM-L6-v2@int8")
    ref = load_embedder("st:bundled:all-MiniLM-L6-v2")
    # never mixed with fp32 vectors: another model id, so another index key
    assert int8.model_id == f"{BUNDLED_MODEL_ID}@int8" != ref.model_id
    assert index_key(int8.model_id, {}) != index_key(ref.model_id, {})
    described = int8.describe()
    assert described["precision"] == "int8" and described["quantization"]["per_channel"] is True
    manifest = read_manifest(int8.export_dir)  # type: ignore[attr-defined]
    assert manifest["precision"] == "int8" and manifest["model_id"] == BUNDLED_MODEL_ID
    texts = [t for t in TEXTS if t.strip()]
    cos = np.sum(int8.embed(texts, "passage") * ref.embed(texts, "passage"), axis=1)
    # measured on stored passages (scripts/bench_embed.py): min 0.984, mean 0.994
    assert float(cos.min()) >= INT8_MIN_COSINE, cos
    assert float(cos.mean()) >= INT8_MEAN_COSINE, cos
