#!/usr/bin/env bash
# System packages wbpolicy uses, from Debian:
# - chromium (/usr/bin/chromium) for the browser test;
# - tesseract-ocr and the language data of the corpus (fra nld srp srp_latn hrv bos sqi eng) for
#   OCR of PDF pages without a usable text layer (without it those pages are reported, not read).
# Idempotent: installs only what is missing (and runs apt-get update only then); quiet on stdout
# (apt's output goes to stderr).
set -euo pipefail

OCR_PACKAGES=(
  tesseract-ocr
  tesseract-ocr-eng
  tesseract-ocr-fra
  tesseract-ocr-nld
  tesseract-ocr-srp
  tesseract-ocr-srp-latn
  tesseract-ocr-hrv
  tesseract-ocr-bos
  tesseract-ocr-sqi
)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
if [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium fonts-dejavu-core)
fi
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${OCR_PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
  done
elif ! command -v tesseract >/dev/null 2>&1; then
  missing+=("${OCR_PACKAGES[@]}")
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_system.sh: no apt-get here; install yourself: ${missing[*]}" \
    "(the browser test skips without chromium; image-only PDF pages are not OCR'd without" \
    "tesseract)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install_system.sh: not root and no sudo; not installing: ${missing[*]}" >&2
    exit 0
  fi
fi
echo "installing Debian packages (apt-get): ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
