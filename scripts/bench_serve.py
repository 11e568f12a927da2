#!/usr/bin/env python3
"""Warm latency of ``wbpolicy serve``: p50/p95 of /api/search and /api/ask over 127.0.0.1.

Starts ``wbpolicy serve`` on a free loopback port for ``--index DIR`` (or measures a server
already running at ``--url``, which must be a loopback address), warms it up, then sends a
bounded number of requests, one at a time, over one keep-alive connection, and prints what it
measured (and the figures as JSON with ``--json``).  Targets (issue 13, shared corpus index):
search p50 <= 30 ms, ask p50 <= 300 ms.

    .venv/bin/python scripts/bench_serve.py --index indexes/default
    .venv/bin/python scripts/bench_serve.py --index /tmp/idx --model hash:64 --searches 50
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

SEARCHES = [
    "KOS-CERT national CERT",
    "public-private partnership",
    "Budapest Convention on Cybercrime ratification",
    "law on information security Montenegro",
    "national cybersecurity strategy Albania",
    "capacity building and education",
    "critical infrastructure protection",
    "incident response team Serbia",
    "Regional Cooperation Council",
    "cybercrime unit police",
]
QUESTIONS = [
    "Does Kosovo have a national CERT?",
    "What does Montenegro's strategy say about public-private partnership?",
    "Has Serbia adopted a law on information security?",
    "Which institution handles incidents in Albania?",
    "Does Bosnia and Herzegovina have a state-level cybersecurity strategy?",
]
MAX_REQUESTS = 500
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-c", "from wbpolicy.cli import main; main()", "--index", args.index]
    cmd += ["--model", args.model] if args.model else []
    cmd += ["serve", "--port", str(port)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(conn_url: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"wbpolicy serve exited: {err.strip()}")
        try:
            status, _ = get(connect(conn_url), "/healthz")
            if status == 200:
                return time.perf_counter() - t0
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"no answer from {conn_url}/healthz within {timeout:.0f} s")


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"{url}: this benchmark only sends requests to loopback addresses")
    return http.client.HTTPConnection(host, parts.port or 80, timeout=120)


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def timed(conn: http.client.HTTPConnection, endpoint: str, texts: list[str], n: int) -> list[float]:
    out = []
    for i in range(n):
        path = f"{endpoint}?{urlencode({'q': texts[i % len(texts)]})}"
        t0 = time.perf_counter()
        status, body = get(conn, path)
        out.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {body[:200]!r}")
    return out


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", help="index directory: start `wbpolicy serve` on it")
    where.add_argument("--url", help="a server already running on a loopback address")
    ap.add_argument("--model", help="embedding model the index was built with (e.g. hash:64)")
    ap.add_argument("--searches", type=int, default=100, help="search requests (default 100)")
    ap.add_argument("--asks", type=int, default=30, help="ask requests (default 30)")
    ap.add_argument("--startup-timeout", type=float, default=180.0)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    if not (0 < args.searches <= MAX_REQUESTS and 0 < args.asks <= MAX_REQUESTS):
        ap.error(f"--searches and --asks must be between 1 and {MAX_REQUESTS}")
    return args


def main() -> None:
    args = parse()
    proc, url = start_server(args) if args.index else (None, args.url.rstrip("/"))
    try:
        startup = wait_healthy(url, proc, args.startup_timeout)
        conn = connect(url)
        _, health = get(conn, "/healthz")
        timed(conn, "/api/search", SEARCHES, len(SEARCHES))  # warm: every query once
        timed(conn, "/api/ask", QUESTIONS, len(QUESTIONS))
        search = summary(timed(conn, "/api/search", SEARCHES, args.searches))
        ask = summary(timed(conn, "/api/ask", QUESTIONS, args.asks))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
    report = {
        "server": url,
        "index": json.loads(health),
        "startup_s": round(startup, 2),
        "search": search,
        "ask": ask,
        "targets": {"search_p50_ms": 30, "ask_p50_ms": 300},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    idx = report["index"]
    print(f"index {idx['index']}: {idx['documents']} documents, {idx['passages']} passages")
    print(f"server ready in {startup:.1f} s (process start, index and model load, warm-up)")
    for name, s, target in (("search", search, 30), ("ask", ask, 300)):
        verdict = "ok" if s["p50_ms"] <= target else "over target"
        print(
            f"{name:<6} n={s['n']:<4} p50 {s['p50_ms']:7.1f} ms  p95 {s['p95_ms']:7.1f} ms  "
            f"max {s['max_ms']:7.1f} ms  (target p50 <= {target} ms: {verdict})"
        )


if __name__ == "__main__":
    main()
