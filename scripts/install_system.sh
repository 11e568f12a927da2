#!/usr/bin/env bash
# System packages the browser test needs: Debian's chromium (/usr/bin/chromium).  Idempotent:
# does nothing when chromium is already there; quiet on stdout (apt's output goes to stderr).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_system.sh: no apt-get here; install chromium yourself (the browser test skips)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install_system.sh: not root and no sudo; the browser test will skip" >&2
    exit 0
  fi
fi
echo "installing Debian's chromium for the browser test (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
