"""The local export of a sentence-transformers model to ONNX, and its cache.

Nothing is downloaded: the ONNX graph is exported here, from the model's own files, with
``torch.onnx.export`` (on first use, or at install time with ``python -m wbpolicy.embed.export
--export``), fused offline by ONNX Runtime's transformer optimizer (attention, LayerNorm, GELU
and embedding kernels; ``EmbedSettings.fusion``), optionally quantised to int8, and cached under
``wbpolicy.fsutil.cache_dir()/onnx/`` in a folder keyed by a hash of the model's files and of
the export settings.  Each file is written atomically, the manifest ``embedder.json`` last,
with the sha256 of every file; a cached model whose bytes do not match is exported again,
never trusted.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import re
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.embed.common import WordPieces, read_model_config
from wbpolicy.embed.protocol import PRECISIONS, EmbedSettings, Precision
from wbpolicy.errors import WbpolicyError
from wbpolicy.fsutil import atomic_write, atomic_write_text, cache_dir, sha256_file

if TYPE_CHECKING:
    from wbpolicy.embed.common import ModelConfig

log = logging.getLogger(__name__)

# Bump when the exported graph, the quantisation or the cache layout changes: it is part of the
# cache key, so old exports are simply not found any more.
EXPORT_FORMAT = 1
MANIFEST = "embedder.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "sentence_embedding"
EXPORTER = "torch.onnx.export(dynamo=False), eager attention"
# Offline graph fusion of BERT-style encoders (num_heads and hidden_size come from config.json).
# opt_level 1 keeps the saved graph portable: no kernels chosen for this machine's CPU.
FUSION: dict[str, Any] = {
    "method": "onnxruntime.transformers.optimizer.optimize_model",
    "model_type": "bert",
    "opt_level": 1,
}
FUSABLE_MODEL_TYPES = ("bert",)
# Dynamic quantisation: weights of the MatMuls (and of the fused Attention's QKV projection)
# only, not the embedding table; per output channel, unsigned (no u8*s8 saturation on AVX2 CPUs
# without VNNI).  On 64 ~200-piece passages this kept a mean cosine of 0.995 to fp32, against
# 0.95 for per-tensor QInt8.
QUANTIZATION: dict[str, Any] = {
    "method": "onnxruntime.quantization.quantize_dynamic",
    "weight_type": "QUInt8",
    "per_channel": True,
    "op_types_to_quantize": ["MatMul", "Attention"],
}
# export self-check: the exported graph against torch on these texts (padding, truncation,
# scripts); fp32 must agree to this cosine, int8 to the looser one
CHECK_MIN_COSINE = {"fp32": 0.9999, "int8": 0.9}
_CHECK_TEXTS = (
    "national cyber security strategy",
    "Закон о информационој безбедности уређује мере заштите од безбедносних ризика у "
    "информационо-комуникационим системима. " * 12,
    "Strategjia kombëtare për sigurinë kibernetike synon mbrojtjen e infrastrukturës kritike.",
    "The Computer Emergency Response Team (CERT) of Montenegro was established in 2012. " * 20,
    "",
)
_STAT_MEMO = "fingerprints.json"


class ExportUnavailable(WbpolicyError):
    """The ONNX model is not cached and cannot be exported here (torch is missing)."""


class CorruptExport(WbpolicyError):
    """An exported model directory whose files do not match its manifest."""


def onnx_runtime_available() -> bool:
    """onnxruntime, tokenizers and numpy can be imported (checked without importing them)."""
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


# --------------------------------------------------------------------------------------------
# the cache


def onnx_cache_dir() -> Path:
    return cache_dir() / "onnx"


def _model_files(model_dir: Path) -> list[Path]:
    """The files that make the model: everything but hidden files, caches and READMEs."""
    out = []
    for p in sorted(model_dir.rglob("*")):
        rel = p.relative_to(model_dir)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if p.is_file() and p.suffix.lower() != ".md":
            out.append(p)
    return out


def source_fingerprint(model_dir: Path) -> str:
    """sha256 over the model's files (relative path and content of each).

    Hashing 90 MB of weights at every start would cost about 0.1 s, so the digest is remembered
    in the cache against each file's (size, mtime_ns, inode): any rewrite of a file changes its
    mtime, and so forces a re-hash.
    """
    model_dir = Path(model_dir).resolve()
    files = _model_files(model_dir)
    if not files:
        raise WbpolicyError(f"no model files in {model_dir}")
    stats = []
    for p in files:
        st = p.stat()
        stats.append([p.relative_to(model_dir).as_posix(), st.st_size, st.st_mtime_ns, st.st_ino])
    known = remembered_digest(str(model_dir), stats)
    if known is not None:
        return known
    h = hashlib.sha256()
    for p in files:
        h.update(f"{p.relative_to(model_dir).as_posix()}\0{sha256_file(p)}\n".encode())
    digest = h.hexdigest()
    remember_digest(str(model_dir), stats, digest)
    return digest


def file_stat(path: Path) -> list[int]:
    """What changes whenever a file is rewritten: (size, mtime_ns, inode)."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def remembered_digest(key: str, stat: object) -> str | None:
    """The sha256 recorded for ``key`` (a model folder or file) when it had this ``stat``."""
    try:
        memo = json.loads((onnx_cache_dir() / _STAT_MEMO).read_text(encoding="utf-8"))
        entry = memo.get(key)
        if isinstance(entry, dict) and entry.get("stat") == stat:
            return str(entry["sha256"])
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    return None


def remember_digest(key: str, stat: object, digest: str) -> None:
    memo_path = onnx_cache_dir() / _STAT_MEMO
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    if not isinstance(memo, dict):
        memo = {}
    memo[key] = {"stat": stat, "sha256": digest}
    try:
        atomic_write_text(memo_path, json.dumps(memo, indent=1, sort_keys=True))
    except OSError as exc:  # a read-only cache still works, it just hashes every time
        log.debug("cannot record the fingerprint in %s: %s", memo_path, exc)


def fusion_settings(config: ModelConfig, fusion: bool) -> dict[str, Any] | None:
    """The graph fusion an export of this model gets, or None (not asked for, or a model type
    the optimizer does not know)."""
    if not fusion or config.model_type not in FUSABLE_MODEL_TYPES or config.num_heads < 1:
        return None
    return {**FUSION, "num_heads": config.num_heads, "hidden_size": config.dim}


def export_key(
    fingerprint: str, *, precision: str, opset: int, fusion: dict[str, Any] | None = None
) -> str:
    settings = {
        "format": EXPORT_FORMAT,
        "source": fingerprint,
        "precision": precision,
        "opset": opset,
        "exporter": EXPORTER,
        "quantization": QUANTIZATION if precision == "int8" else None,
        "fusion": fusion,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _slug(model_id: str) -> str:
    name = model_id.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60] or "model"


def export_dir_for(
    model_dir: Path, *, model_id: str, precision: str, opset: int, fusion: bool = True
) -> Path:
    fused = fusion_settings(read_model_config(model_dir), fusion)
    key = export_key(source_fingerprint(model_dir), precision=precision, opset=opset, fusion=fused)
    kind = f"{precision}-fused" if fused else precision
    return onnx_cache_dir() / f"{_slug(model_id)}-{kind}-{key[:16]}"


def read_manifest(export_dir: Path) -> dict[str, Any]:
    path = Path(export_dir) / MANIFEST
    if not path.is_file():
        raise CorruptExport(f"{export_dir} is not an exported model (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptExport(f"cannot read {path}: {exc}") from None
    needed = ("format", "model_id", "dim", "max_seq_length", "precision", "files", "source")
    if not isinstance(manifest, dict) or any(k not in manifest for k in needed):
        raise CorruptExport(f"{path} is not a manifest of this version")
    return manifest


def check_export(
    export_dir: Path, manifest: dict[str, Any], *, files: Sequence[str] = (MODEL_FILE,)
) -> str | None:
    """Why the export is unusable, or None.  Sizes of every file; sha256 of those in ``files``."""
    if manifest.get("format") != EXPORT_FORMAT:
        return f"export format {manifest.get('format')} is not {EXPORT_FORMAT}"
    recorded = manifest.get("files")
    if not isinstance(recorded, dict) or set(recorded) != {MODEL_FILE, TOKENIZER_FILE}:
        return "the manifest lists the wrong files"
    for name, info in recorded.items():
        path = export_dir / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if size != info.get("size"):
            return f"{name} has {size} bytes, the manifest says {info.get('size')}"
        if name in files and sha256_file(path) != info.get("sha256"):
            return f"{name} does not match its sha256"
    return None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so two processes do not export the same model at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: atomic writes still keep every file whole
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_export(
    source_dir: Path,
    *,
    model_id: str,
    precision: Precision = "fp32",
    opset: int = 17,
    fusion: bool = True,
    force: bool = False,
    verify: bool = False,
) -> Path:
    """The cached export of ``source_dir``; exported now when missing, incomplete or ``force``.

    Without ``verify`` only file sizes are checked here (the session checks the model's sha256
    as it loads it); with ``verify`` every file's sha256 is checked.
    """
    if precision not in PRECISIONS:
        raise WbpolicyError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    source_dir = Path(source_dir)
    out = export_dir_for(
        source_dir, model_id=model_id, precision=precision, opset=opset, fusion=fusion
    )
    files = (MODEL_FILE, TOKENIZER_FILE) if verify else ()
    if not force and _valid(out, files):
        return out
    with _locked(out.parent / f".{out.name}.lock"):
        if not force and _valid(out, files):  # another process exported it meanwhile
            return out
        _export(source_dir, out, model_id=model_id, precision=precision, opset=opset, fusion=fusion)
    return out


def _valid(export_dir: Path, files: Sequence[str]) -> bool:
    try:
        manifest = read_manifest(export_dir)
    except CorruptExport:
        return False
    problem = check_export(export_dir, manifest, files=files)
    if problem:
        log.warning(
            "cached ONNX model %s is unusable (%s): exporting it again", export_dir, problem
        )
        return False
    return True


# --------------------------------------------------------------------------------------------
# the export


def _require_export_tools() -> None:
    missing = [m for m in ("torch", "transformers", "onnx") if importlib.util.find_spec(m) is None]
    if missing:
        raise ExportUnavailable(
            "the ONNX model is not exported yet, and exporting it needs "
            f"{', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not installed: "
            "install wbpolicy's dependencies (scripts/install.sh), or export where they are "
            "installed with `python -m wbpolicy.embed.export --export` and share the cache folder"
        )


def _export(
    source_dir: Path, out: Path, *, model_id: str, precision: Precision, opset: int, fusion: bool
) -> None:
    config = read_model_config(source_dir)
    if config.pooling != "mean":
        raise WbpolicyError(
            f"the ONNX export supports mean pooling only; {source_dir} pools by {config.pooling}"
        )
    _require_export_tools()
    started = time.monotonic()
    fused = fusion_settings(config, fusion)
    log.info(
        "exporting %s to ONNX (%s%s) in %s", model_id, precision, ", fused" if fused else "", out
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # no manifest may describe half-written files
    pieces = WordPieces(source_dir / TOKENIZER_FILE, config.max_seq_length)
    reference = _torch_reference(source_dir, pieces)
    fused_ops: dict[str, int] | None = None
    if precision == "fp32":
        if fused is None:
            _export_fp32(source_dir, out / MODEL_FILE, opset)
        else:
            plain = out / ".plain.onnx"
            try:
                _export_fp32(source_dir, plain, opset)
                fused_ops = fuse_graph(plain, out / MODEL_FILE, fused)
            finally:
                plain.unlink(missing_ok=True)
    else:
        fp32 = ensure_export(
            source_dir, model_id=model_id, precision="fp32", opset=opset, fusion=fusion
        )
        fused_ops = (read_manifest(fp32).get("fusion") or {}).get("operators")
        quantize_graph(fp32 / MODEL_FILE, out / MODEL_FILE, fused=fused is not None)
    tok_bytes = (source_dir / TOKENIZER_FILE).read_bytes()
    atomic_write(out / TOKENIZER_FILE, lambda p: p.write_bytes(tok_bytes))
    min_cos = _check_against(out / MODEL_FILE, pieces, reference)
    if min_cos < CHECK_MIN_COSINE[precision]:
        raise WbpolicyError(
            f"the {precision} ONNX export of {model_id} disagrees with torch (minimum cosine "
            f"{min_cos:.5f} < {CHECK_MIN_COSINE[precision]}); use st:{source_dir} meanwhile"
        )
    manifest = {
        "format": EXPORT_FORMAT,
        "model_id": model_id,
        "precision": precision,
        "opset": opset,
        "dim": config.dim,
        "max_seq_length": config.max_seq_length,
        "pooling": "mean",
        "normalize": True,
        "inputs": list(INPUT_NAMES),
        "output": OUTPUT_NAME,
        "exporter": EXPORTER,
        "quantization": QUANTIZATION if precision == "int8" else None,
        "fusion": None if fused is None else {**fused, "operators": fused_ops},
        "source": {"dir": str(source_dir), "sha256": source_fingerprint(source_dir)},
        "check": {"texts": len(_CHECK_TEXTS), "min_cosine_vs_torch": round(min_cos, 6)},
        "versions": {
            name: _version(name)
            for name in ("torch", "transformers", "onnx", "onnxruntime", "tokenizers", "wbpolicy")
        },
        "files": {
            name: {"sha256": sha256_file(out / name), "size": (out / name).stat().st_size}
            for name in (MODEL_FILE, TOKENIZER_FILE)
        },
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log.info("exported %s (%s) in %.1f s", model_id, precision, time.monotonic() - started)


def _load_transformer(source_dir: Path) -> Any:
    from wbpolicy.embed.st import offline_hf_env, quiet_transformers

    offline_hf_env()
    from transformers import AutoModel

    quiet_transformers()
    # eager attention: plain MatMul/Softmax with an additive mask in the graph (SDPA exports to
    # the same numbers; eager is the pattern ONNX Runtime's optimisers know best)
    model = AutoModel.from_pretrained(
        str(source_dir), local_files_only=True, attn_implementation="eager"
    )
    return model.eval()


def _pooled_module(model: Any) -> Any:
    """The model's forward, mean pooling with the attention mask, then L2 normalisation: the
    Transformer -> Pooling(mean) -> Normalize pipeline of sentence-transformers in one graph."""
    import torch

    class PooledEncoder(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            # transformers 5 takes keyword arguments only
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            counts = torch.clamp(mask.sum(dim=1), min=1e-9)
            return torch.nn.functional.normalize(summed / counts, p=2.0, dim=1)

    return PooledEncoder(model).eval()


def _batch(pieces: WordPieces, texts: Sequence[str]) -> dict[str, Any]:
    import numpy as np

    encs = pieces.model_input.encode_batch(list(texts))
    width = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encs):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = 1
        types[row, : len(e.ids)] = e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def _torch_reference(source_dir: Path, pieces: WordPieces) -> Any:
    import torch

    module = _pooled_module(_load_transformer(source_dir))
    feed = _batch(pieces, _CHECK_TEXTS)
    with torch.no_grad():
        return module(**{k: torch.from_numpy(v) for k, v in feed.items()}).numpy()


def _export_fp32(source_dir: Path, path: Path, opset: int) -> None:
    import torch

    module = _pooled_module(_load_transformer(source_dir))
    # a padded row in the example batch, so the mask is traced as data, never as a constant
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 102], [101, 7592, 102, 0, 0, 0, 0]])
    mask = (ids != 0).to(torch.int64)
    types = torch.zeros_like(ids)
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    axes[OUTPUT_NAME] = {0: "batch"}

    def write(tmp: Path) -> None:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TracerWarnings, the TorchScript deprecation notice
            torch.onnx.export(
                module,
                (ids, mask, types),
                str(tmp),
                dynamo=False,
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_axes=axes,
                opset_version=opset,
                do_constant_folding=True,
            )

    atomic_write(path, write)


def fuse_graph(plain_path: Path, path: Path, fusion: dict[str, Any]) -> dict[str, int]:
    """Fuse a plain exported graph into ONNX Runtime's transformer kernels; the fused operators
    and their counts (e.g. 6 Attention, 12 SkipLayerNormalization for all-MiniLM-L6-v2)."""
    from onnxruntime.transformers.optimizer import optimize_model

    with warnings.catch_warnings(), _quiet_root_logger():
        warnings.simplefilter("ignore")
        model = optimize_model(
            str(plain_path),
            model_type=fusion["model_type"],
            num_heads=fusion["num_heads"],
            hidden_size=fusion["hidden_size"],
            opt_level=fusion["opt_level"],
            use_gpu=False,
        )
    operators = {k: int(v) for k, v in model.get_fused_operator_statistics().items() if v}
    atomic_write(path, lambda tmp: model.save_model_to_file(str(tmp)))
    return operators


def quantize_graph(
    fp32_path: Path,
    path: Path,
    *,
    fused: bool,
    per_channel: bool = QUANTIZATION["per_channel"],
    op_types: Sequence[str] = QUANTIZATION["op_types_to_quantize"],
) -> None:
    """Dynamic int8 quantisation of an exported graph (:data:`QUANTIZATION`; the other
    arguments are for ``scripts/bench_embed.py``'s comparisons)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # the fused graph's contrib operators have no ONNX shape inference: their outputs are float
    extra = {"DefaultTensorType": onnx.TensorProto.FLOAT} if fused else {}

    def write(tmp: Path) -> None:
        with warnings.catch_warnings(), _quiet_root_logger():
            warnings.simplefilter("ignore")
            quantize_dynamic(
                str(fp32_path),
                str(tmp),
                weight_type=QuantType.QUInt8,
                per_channel=per_channel,
                op_types_to_quantize=list(op_types),
                extra_options=extra,
            )

    atomic_write(path, write)


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """onnxruntime's tools log advice ("consider pre-processing ...") on the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _check_against(model_path: Path, pieces: WordPieces, reference: Any) -> float:
    import numpy as np
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    session = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_NAME], _batch(pieces, _CHECK_TEXTS))
    return float(np.min(np.sum(got * reference, axis=1)))


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------------------------
# python -m wbpolicy.embed.export --export


def main(argv: Sequence[str] | None = None) -> int:
    from wbpolicy.embed import BUNDLED_MODEL_ID, BUNDLED_NAME, BUNDLED_PREFIX, bundled_model_dir

    parser = argparse.ArgumentParser(
        prog="python -m wbpolicy.embed.export",
        description="Export an embedding model to ONNX into the wbpolicy cache (idempotent).",
    )
    parser.add_argument("--export", action="store_true", help="export (or verify) the model")
    parser.add_argument(
        "--model",
        default=f"{BUNDLED_PREFIX}{BUNDLED_NAME}",
        help="bundled:all-MiniLM-L6-v2 (default) or a sentence-transformers model directory",
    )
    parser.add_argument(
        "--precision",
        choices=[*PRECISIONS, "all"],
        default=EmbedSettings().precision,
        help="default: %(default)s",
    )
    parser.add_argument("--opset", type=int, default=EmbedSettings().opset)
    parser.add_argument(
        "--fusion",
        action=argparse.BooleanOptionalAction,
        default=EmbedSettings().fusion,
        help="fuse the graph with ONNX Runtime's transformer optimizer (default: %(default)s)",
    )
    parser.add_argument("--force", action="store_true", help="export again even when cached")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    if not args.export:
        parser.error("nothing to do: pass --export")
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    try:
        if args.model == f"{BUNDLED_PREFIX}{BUNDLED_NAME}":
            source, model_id = bundled_model_dir(), BUNDLED_MODEL_ID
        else:
            source = Path(args.model).expanduser()
            if not (source / "config.json").is_file():
                raise WbpolicyError(f"not a model directory: {source}")
            model_id = str(source.resolve())
        precisions: list[Precision] = (
            list(PRECISIONS) if args.precision == "all" else [args.precision]
        )
        for precision in precisions:
            out = ensure_export(
                source,
                model_id=model_id,
                precision=precision,
                opset=args.opset,
                fusion=args.fusion,
                force=args.force,
                verify=True,
            )
            if not args.quiet:
                print(out)
    except WbpolicyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
