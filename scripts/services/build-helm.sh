#!/usr/bin/env bash
# Builds helm $HELM_VERSION with `go install` into ~/.cache/helm/<version>/ (skipped when present).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
V=$HELM_VERSION
[ -x "$HELM_BIN/helm" ] && exit 0
log "building helm v$V with go install (cold: a few minutes)"
mkdir -p "$CACHE_HOME/helm"
stage=$(mktemp -d "$CACHE_HOME/helm/.build-$V.XXXXXX")
trap 'rm -rf "$stage"' EXIT
buildlog="$CACHE_HOME/helm/build-$V.log"
GOBIN="$stage" go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@v$V" >>"$buildlog" 2>&1 ||
  { tail -n 40 "$buildlog" >&2; die "helm build failed (log: $buildlog)"; }
install_dir "$HELM_BIN" "$stage"
log "helm v$V built into $HELM_BIN"
