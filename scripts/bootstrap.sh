#!/usr/bin/env bash
# Source this file: pinned Node.js on PATH, npm packages installed (and dist/ built) when missing or stale.
_cs_boot=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=node-env.sh
. "$_cs_boot/scripts/node-env.sh" || return 1
if [ ! -f "$_cs_boot/node_modules/.package-lock.json" ] ||
  [ "$_cs_boot/package-lock.json" -nt "$_cs_boot/node_modules/.package-lock.json" ]; then
  echo "bootstrap: npm ci" >&2
  (cd "$_cs_boot" && npm ci --no-audit --no-fund) || return 1
elif [ ! -d "$_cs_boot/dist" ]; then
  (cd "$_cs_boot" && npm run --silent build) || return 1
fi
unset _cs_boot
