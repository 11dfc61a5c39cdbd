#!/usr/bin/env bash
# The whole test suite: typecheck, lint, and every test (pure core and shell tests on real servers).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
npm run services:up
npm test
