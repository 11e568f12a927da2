#!/usr/bin/env bash
# The test command (CI runs exactly this): install if needed, lint, type-check, then the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
WBPOLICY_EXTRAS=dev,scale bash scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
echo "ruff check, ruff format --check, mypy" >&2
.venv/bin/ruff check src tests scripts
.venv/bin/ruff format --check src tests scripts
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
