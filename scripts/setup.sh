#!/usr/bin/env bash
# The main job on a fresh clone: install, index ../shared/corpus, answer an example question.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/wbpolicy corpus import "${1:-../shared/corpus}"
echo >&2
echo "example: wbpolicy ask \"What does Kosovo's strategy say about public-private partnership?\"" >&2
.venv/bin/wbpolicy ask "What does Kosovo's strategy say about public-private partnership?"
