#!/usr/bin/env bash
# The main job on a fresh clone: install, index ../shared/corpus, answer an example question.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# exit 1 means some files could not be indexed (each is listed with its reason); the rest went in
status=0
.venv/bin/wbpolicy corpus import "${1:-../shared/corpus}" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then exit "$status"; fi
echo >&2
echo "example: wbpolicy ask \"What does Kosovo's strategy say about public-private partnership?\"" >&2
.venv/bin/wbpolicy ask "What does Kosovo's strategy say about public-private partnership?"
