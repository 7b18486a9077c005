#!/usr/bin/env bash
# Installs everything agentor needs on a fresh Debian machine with Node >= 20.18.1 (npm packages,
# the FAISS native addon and its apt packages, the WebAssembly core), then builds it.
# Idempotent: re-running it is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# faiss-node cannot download its prebuilt binary here: compile it against Debian's libfaiss-dev.
bash scripts/build-faiss.sh
npm run --silent build
