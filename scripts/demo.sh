#!/usr/bin/env bash
# Sets up agentor, checks the example manifests, and runs the offline demo agent: a scripted model
# that lists the workspace, reads the README and runs a shell command through the tool loop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
./bin/run.js validate agents/ >&2
exec ./bin/run.js run agents/hello.yaml --input "${1:-What is in this repository?}"
