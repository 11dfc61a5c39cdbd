#!/usr/bin/env bash
# Source this file: pinned Node.js on PATH, npm packages installed (and dist/ built) when missing or stale.
_cs_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=node-env.sh
. "$_cs_root/scripts/node-env.sh" || return 1
if [ ! -f "$_cs_root/node_modules/.package-lock.json" ] ||
  [ "$_cs_root/package-lock.json" -nt "$_cs_root/node_modules/.package-lock.json" ]; then
  echo "bootstrap: npm ci" >&2
  (cd "$_cs_root" && npm ci --no-audit --no-fund) || return 1
elif [ ! -d "$_cs_root/dist" ]; then
  (cd "$_cs_root" && npm run --silent build) || return 1
fi
unset _cs_root
