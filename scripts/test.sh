#!/usr/bin/env bash
# Sets up agentor and runs the whole test suite: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-services.sh
npm run --silent gen -- --check
npm run --silent typecheck
npm test
