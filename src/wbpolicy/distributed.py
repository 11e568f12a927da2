"""Distributed ingest with Ray: a :data:`~wbpolicy.prepare.Preparer` that runs each document's
extraction, chunking, tagging and embedding as one Ray task, on the machines of a Ray cluster
(or on a local Ray runtime started for the run).

What runs where:

* the driver (the ``wbpolicy ingest`` process) hashes the files, decides what needs work, reads
  each file's bytes and hands them to a task: workers need no shared file system, only the same
  wbpolicy install and its exported ONNX model (``bash scripts/install.sh`` on every node);
* a task writes the bytes to a temporary file, extracts it, and prepares it with
  :func:`wbpolicy.prepare.prepare_file` inside the file's error boundary and time limit, with an
  embedder loaded once per worker process (the driver's model, precision and batch size, and its
  index key); paths in what it returns are the driver's, so the result is the one a plain ingest
  would have written;
* the driver writes each result as it completes (``ray.wait``) through the one SQLite writer;
  at most ``RaySettings.in_flight_per_cpu`` tasks per cluster CPU are in flight, so a run over
  many thousands of files holds a bounded number of files and results in memory.

Ray is imported only here, inside functions, and only when ``--ray`` asks for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import ExtractionError, WbpolicyError
from wbpolicy.fsutil import path_text
from wbpolicy.index.writer import PreparedDocument
from wbpolicy.prepare import Job, Prepared, prepare_file
from wbpolicy.settings import Settings

if TYPE_CHECKING:
    from wbpolicy.embed import Embedder, EmbedSettings

log = logging.getLogger(__name__)

# `ray start` and `ray.init` read it: no usage statistics leave the machine
_NO_TELEMETRY = {"RAY_USAGE_STATS_ENABLED": "0"}


@dataclass(frozen=True)
class RaySettings:
    """How an ingest uses Ray."""

    # a local runtime's CPUs (worker processes); 0: every core of this machine
    num_cpus: int = 0
    # CPUs one document's task reserves: one worker process, single-threaded
    cpus_per_task: float = 1.0
    # tasks in flight per cluster CPU: enough to keep every worker busy while the driver writes,
    # few enough that files and results in memory stay bounded
    in_flight_per_cpu: int = 2
    # re-runs of a task whose worker process or node died (an exception in a task is never
    # re-run: it is that file's failure)
    max_retries: int = 1
    # ONNX Runtime threads of a worker's embedder: a task holds one CPU
    embed_threads: int = 1
    # seconds to wait for a cluster's address to answer before giving up (Ray itself would
    # retry for minutes)
    connect_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.num_cpus < 0 or self.cpus_per_task <= 0 or self.in_flight_per_cpu < 1:
            raise WbpolicyError(f"bad Ray settings: {self}")
        if self.max_retries < 0 or self.embed_threads < 0 or self.connect_timeout_s <= 0:
            raise WbpolicyError(f"bad Ray settings: {self}")


@dataclass(frozen=True)
class _EmbedderSpec:
    """What a worker needs to load the driver's embedder, and what it must then report."""

    model: str  # the spec string (settings.model)
    batch_size: int
    settings: EmbedSettings | None  # the driver's embedder settings, threads set for a worker
    model_id: str
    dim: int


@dataclass(frozen=True)
class _WorkerUnfit:
    """A worker cannot embed as the driver does (the model missing on its node, or another
    one): the cluster's set-up is wrong, no file's fault, so the run stops."""

    node: str
    problem: str


# --------------------------------------------------------------------------------------------
# the driver


@contextlib.contextmanager
def ray_preparer(
    address: str | None,
    ray_settings: RaySettings | None = None,
    *,
    verbose: bool = False,
) -> Iterator[RayPreparer]:
    """A preparer on Ray for the ``with`` block.  ``address`` None starts a local runtime for
    the block and shuts it down after; ``auto``, ``HOST:PORT`` or ``ray://HOST:10001`` connects
    to a running cluster (and disconnects after).  When this process is connected to Ray
    already, that runtime is used and left running.  Ray's own logs stay quiet unless
    ``verbose``."""
    rs = ray_settings or RaySettings()
    # Ray reads its authentication mode when it is imported
    token = None if address is None else use_cluster_token(os.environ)
    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        _connect(ray, address, rs, verbose, token)
        started = True
    try:
        yield RayPreparer(rs)
    finally:
        if started:
            ray.shutdown()


def _import_ray() -> Any:
    os.environ.update(_NO_TELEMETRY)
    try:
        import ray
    except ImportError:
        raise WbpolicyError(
            "--ray needs Ray, which is not installed: pip install 'wbpolicy[scale]' (or ray)"
        ) from None
    return ray


def _connect(
    ray: Any, address: str | None, rs: RaySettings, verbose: bool, token: str | None = None
) -> None:
    quiet: dict[str, Any] = {
        "log_to_driver": verbose,
        "logging_level": logging.INFO if verbose else logging.ERROR,
    }
    where = "a local Ray runtime" if address is None else f"the Ray cluster at {address}"
    problem = None if address is None else _unreachable(address, rs.connect_timeout_s)
    if problem is not None:
        raise WbpolicyError(f"could not reach {where}: {problem}")
    try:
        if address is None:
            ray.init(
                address="local",  # a new runtime, even when $RAY_ADDRESS names a cluster
                num_cpus=rs.num_cpus or None,
                include_dashboard=False,
                **quiet,
            )
        else:
            ray.init(address=address, **quiet)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - ConnectionError, RuntimeError, gRPC errors...
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        if address is not None and token is None:
            detail += (
                " (a cluster with token authentication, Ray's default since 2.59, needs its "
                "token here: $RAY_AUTH_TOKEN, $RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token)"
            )
        raise WbpolicyError(f"could not start or reach {where}: {detail}") from None
    log.info("connected to %s: %s", where, ray.cluster_resources())


def use_cluster_token(env: dict[str, str] | os._Environ[str]) -> str | None:
    """Before connecting to a running cluster: where its authentication token comes from, if
    this machine has one, with ``RAY_AUTH_MODE=token`` set in ``env`` so Ray sends it.  A
    cluster started by ``ray start`` (Ray 2.59 and later) refuses a client that sends none; a
    cluster without authentication accepts one that does.  An explicit ``RAY_AUTH_MODE`` is
    left as it is.  None: no token here."""
    if env.get("RAY_AUTH_TOKEN"):
        source = "$RAY_AUTH_TOKEN"
    elif env.get("RAY_AUTH_TOKEN_PATH"):
        source = env["RAY_AUTH_TOKEN_PATH"]
    else:
        default = Path(env.get("HOME") or Path.home()) / ".ray" / "auth_token"
        if not default.is_file():
            return None
        source = str(default)
    if not env.get("RAY_AUTH_MODE"):
        env["RAY_AUTH_MODE"] = "token"
    return source


def _unreachable(address: str, timeout_s: float) -> str | None:
    """Why nothing answers at a cluster address (``HOST:PORT``, ``ray://HOST[:PORT]``), or
    None; ``auto`` and ``local`` are Ray's to resolve."""
    import socket

    if address in ("auto", "local"):
        return None
    client = address.startswith("ray://")
    target = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = target.rpartition(":")
    if not sep or (":" in host and not host.endswith("]")):  # no port, or a bare IPv6 address
        host, port = target, "10001" if client else "6379"
    host = host.strip("[]")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return None
    except ValueError:
        return f"bad address {address!r} (expected HOST:PORT or ray://HOST:PORT)"
    except OSError as exc:
        return f"nothing answers at {host}:{port} ({exc.strerror or type(exc).__name__})"


class RayPreparer:
    """The per-document work as Ray tasks (a :data:`~wbpolicy.prepare.Preparer`); needs a
    connected Ray (see :func:`ray_preparer`)."""

    def __init__(self, ray_settings: RaySettings | None = None) -> None:
        self.settings = ray_settings or RaySettings()

    def __call__(
        self, jobs: list[Job], embedder: Embedder, settings: Settings, key: str
    ) -> Iterator[Prepared]:
        import ray

        rs = self.settings
        task = ray.remote(num_cpus=rs.cpus_per_task, max_retries=rs.max_retries)(_prepare_task)
        spec = _spec(embedder, settings, rs)
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        limit = max(1, int(rs.in_flight_per_cpu * cpus / rs.cpus_per_task))
        pending: dict[Any, Job] = {}
        try:
            for job in jobs:
                while len(pending) >= limit:
                    yield self._next(ray, pending)
                try:
                    data = job.path.read_bytes()
                except OSError as exc:  # gone or unreadable since it was hashed
                    reason = f"cannot read file ({exc.strerror or exc})"
                    yield job, ExtractionError(job.path, "unreadable", reason)
                    continue
                resolved = job.resolved or path_text(job.path.resolve())
                pending[task.remote(replace(job, resolved=resolved), data, settings, key, spec)] = (
                    job
                )
                del data  # the object store holds the bytes now
            while pending:
                yield self._next(ray, pending)
        finally:
            for ref in pending:  # interrupted, or the writer failed: stop the rest
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)

    @staticmethod
    def _next(ray: Any, pending: dict[Any, Job]) -> Prepared:
        (ref,), _ = ray.wait(list(pending), num_returns=1)
        job = pending.pop(ref)
        try:
            result = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # raised outside the task's error boundary
            return job, ExtractionError(job.path, "failed", f"worker failed: {_first_line(exc)}")
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.OutOfMemoryError) as exc:
            # the worker died on this file (after max_retries): this file only, as locally
            reason = f"could not be read: worker died: {_first_line(exc)}"
            return job, ExtractionError(job.path, "corrupt", reason)
        except ray.exceptions.RayError as exc:  # the cluster itself is in trouble: stop
            raise WbpolicyError(f"Ray failed: {type(exc).__name__}: {_first_line(exc)}") from None
        if isinstance(result, _WorkerUnfit):
            raise WbpolicyError(
                f"the Ray worker on {result.node} {result.problem}; install the same wbpolicy "
                "and model on every node (bash scripts/install.sh)"
            )
        return job, result


def _spec(embedder: Embedder, settings: Settings, rs: RaySettings) -> _EmbedderSpec:
    from wbpolicy.embed import EmbedSettings

    own = getattr(embedder, "settings", None)  # also through the progress wrapper
    worker = replace(own, threads=rs.embed_threads) if isinstance(own, EmbedSettings) else None
    return _EmbedderSpec(
        settings.model, settings.batch_size, worker, embedder.model_id, embedder.dim
    )


def _first_line(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else type(exc).__name__


# --------------------------------------------------------------------------------------------
# a worker

# the embedder of this worker process, loaded by its first task and kept for the next ones
_EMBEDDERS: dict[_EmbedderSpec, Embedder] = {}


def _worker_embedder(spec: _EmbedderSpec) -> Embedder:
    embedder = _EMBEDDERS.get(spec)
    if embedder is None:
        from wbpolicy.embed import load_embedder

        embedder = load_embedder(spec.model, batch_size=spec.batch_size, settings=spec.settings)
        embedder.embed(["warm-up"], "passage")  # loads the model now: a missing one is no file's
        _EMBEDDERS[spec] = embedder
    return embedder


def _prepare_task(
    job: Job, data: bytes, settings: Settings, key: str, spec: _EmbedderSpec
) -> PreparedDocument | ExtractionError | _WorkerUnfit:
    """One document, in a Ray worker: its bytes to a temporary file, then extraction and the
    rest inside the file's error boundary; the result names the driver's path, never the
    temporary one."""
    import socket

    try:
        embedder = _worker_embedder(spec)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - WbpolicyError, onnxruntime's, a missing package...
        problem = f"cannot load the model: {type(exc).__name__}: {_first_line(exc)}"
        return _WorkerUnfit(socket.gethostname(), problem)
    if (embedder.model_id, embedder.dim) != (spec.model_id, spec.dim):
        found = f"embeds with {embedder.model_id} ({embedder.dim} dimensions)"
        return _WorkerUnfit(socket.gethostname(), f"{found}, not {spec.model_id} ({spec.dim})")
    with tempfile.TemporaryDirectory(prefix="wbpolicy-ray-") as tmp:
        local = Path(tmp) / job.path.name  # the same name: extractors go by suffix
        local.write_bytes(data)
        result = prepare_file(job, embedder, settings, key, source=local)
    return _relocate(result, str(local), str(job.path))


def _relocate(
    result: PreparedDocument | ExtractionError, temp: str, original: str
) -> PreparedDocument | ExtractionError:
    """``result`` as if extracted from ``original``: the path the extractors recorded (the
    extraction's, its problems', and any in their messages) is the driver's file again."""
    if isinstance(result, ExtractionError):
        return ExtractionError(original, result.code, result.reason.replace(temp, original))
    ext = result.extraction
    problems = tuple(
        replace(
            p,
            path=original if p.path == temp else p.path,
            message=p.message.replace(temp, original),
        )
        for p in ext.problems
    )
    return replace(
        result,
        extraction=replace(ext, path=original if ext.path == temp else ext.path, problems=problems),
    )
