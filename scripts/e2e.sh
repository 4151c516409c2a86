#!/usr/bin/env bash
# Playground end-to-end tests: makes sure Chromium is there, then runs the e2e vitest
# suite (which builds the playground with Vite and serves playground/dist itself).
# Screenshots and the measured fps land in e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
exec npx vitest run --config e2e/vitest.config.ts "$@"
