#!/usr/bin/env bash
# Installs everything agentor needs on a fresh Debian machine with Node >= 20.12, then builds it.
# Idempotent: re-running it is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
