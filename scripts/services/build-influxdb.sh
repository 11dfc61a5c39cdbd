#!/usr/bin/env bash
# Builds influxd $INFLUXDB_VERSION (pure Go, Flux v0.65 without libflux) with `go install` into
# ~/.cache/influxd/<version>/ (skipped when present).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
V=$INFLUXDB_VERSION
[ -x "$INFLUX_BIN/influxd" ] && exit 0
log "building influxd v$V with go install (cold: a few minutes)"
mkdir -p "$CACHE_HOME/influxd"
stage=$(mktemp -d "$CACHE_HOME/influxd/.build-$V.XXXXXX")
trap 'rm -rf "$stage"' EXIT
buildlog="$CACHE_HOME/influxd/build-$V.log"
GOBIN="$stage" go install -trimpath -ldflags "-s -w -X main.version=$V -X main.branch=v$V" \
  "github.com/influxdata/influxdb/cmd/influxd@v$V" >>"$buildlog" 2>&1 ||
  { tail -n 40 "$buildlog" >&2; die "influxd build failed (log: $buildlog)"; }
install_dir "$INFLUX_BIN" "$stage"
log "influxd v$V built into $INFLUX_BIN"
