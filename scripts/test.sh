#!/usr/bin/env bash
# The whole test suite: typecheck, lint, and every test (pure core, shell tests on the real servers, and the
# cluster tests on the one-node Kubernetes cluster). The cluster is stopped at the end, and its stop is checked
# to leave nothing behind (no mounts, interfaces, iptables rules or processes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
npm run services:up
npm run cluster:up
trap 'npm run --silent cluster:down' EXIT
npm test
