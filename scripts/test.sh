#!/usr/bin/env bash
# The test suite on a fresh machine: installs the Debian packages the tests use
# (PostgreSQL server, Chromium, poppler-utils, Java for Spark) and ShopLens with its
# test extras into .venv, then runs pytest. Tests start their own throwaway PostgreSQL
# on 127.0.0.1 and stop it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

bash scripts/bootstrap.sh dev,spark
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
