#!/usr/bin/env bash
# The demo on a fresh machine: install into .venv, then run `shoplens demo` on DuckDB
# (no server, no key, no network). Extra arguments go to `shoplens demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/shoplens demo "$@"
