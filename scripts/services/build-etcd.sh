#!/usr/bin/env bash
# Builds etcd $ETCD_VERSION into ~/.cache/etcd/<version>/ (skipped when present). go.etcd.io/etcd/server/v3
# has replace directives, so it is built as a dependency of a throwaway module instead of `go install`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
V=$ETCD_VERSION
[ -x "$ETCD_BIN/etcd" ] && exit 0
log "building etcd v$V from the Go module proxy (cold: a few minutes)"
mkdir -p "$CACHE_HOME/etcd"
work=$(mktemp -d)
stage=$(mktemp -d "$CACHE_HOME/etcd/.build-$V.XXXXXX")
trap 'rm -rf "$work" "$stage"' EXIT
buildlog="$CACHE_HOME/etcd/build-$V.log"
(
  cd "$work"
  go mod init example.invalid/etcd-bin
  go get "go.etcd.io/etcd/server/v3@v$V"
  go build -trimpath -ldflags "-s -w" -o "$stage/etcd" go.etcd.io/etcd/server/v3
) >>"$buildlog" 2>&1 || { tail -n 40 "$buildlog" >&2; die "etcd build failed (log: $buildlog)"; }
install_dir "$ETCD_BIN" "$stage"
log "etcd v$V built into $ETCD_BIN"
