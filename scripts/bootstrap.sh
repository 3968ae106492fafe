#!/usr/bin/env bash
# Installs ShopLens and its dependencies into .venv in the checkout (idempotent).
# Usage: scripts/bootstrap.sh [EXTRAS]   e.g. scripts/bootstrap.sh dev,spark
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
stamp=".venv/.shoplens-installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  echo "Installing ShopLens ($spec) into .venv ..." >&2
  # torch==2.13.0 first: pip takes the CPU build from this machine's disk, so nothing
  # later pulls a multi-GB CUDA build.
  .venv/bin/python -m pip install -q "torch==2.13.0"
  .venv/bin/python -m pip install -q -e "$spec"
  touch "$stamp"
fi
