#!/usr/bin/env bash
# Sets up agentor and runs its main job on the bundled example manifests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec ./bin/run.js validate agents/
