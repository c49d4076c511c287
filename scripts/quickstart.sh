#!/usr/bin/env bash
# Quick start on a fresh machine: system packages, npm dependencies, build, then the main job
# (the load-soak, `local` profile) against the embedded stand-in with the embedded engine.
# Prints where the HTML report is. Extra arguments go to `npm run load-soak`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh
npm ci --no-audit --no-fund
npm run build
npm run load-soak -- --profile local "$@"
