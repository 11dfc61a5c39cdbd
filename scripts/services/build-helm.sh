#!/usr/bin/env bash
# Builds helm $HELM_VERSION with `go install` into ~/.cache/helm/<version>/ (skipped when present), with the
# ldflags of helm's Makefile: the release version, and the Kubernetes version `helm template` assumes by default
# (from the k8s.io/client-go that helm requires).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
V=$HELM_VERSION
[ -x "$HELM_BIN/helm" ] && exit 0
log "building helm v$V with go install (cold: a few minutes)"
mkdir -p "$CACHE_HOME/helm"
stage=$(mktemp -d "$CACHE_HOME/helm/.build-$V.XXXXXX")
trap 'rm -rf "$stage"' EXIT
buildlog="$CACHE_HOME/helm/build-$V.log"
gomod=$(cd / && go mod download -json "helm.sh/helm/v3@v$V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
clientgo=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")
[ -n "$clientgo" ] || die "helm: no k8s.io/client-go version in $gomod"
ld="-s -w -X helm.sh/helm/v3/internal/version.version=v$V -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  ld="$ld -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$clientgo"
done
GOBIN="$stage" go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@v$V" >>"$buildlog" 2>&1 ||
  { tail -n 40 "$buildlog" >&2; die "helm build failed (log: $buildlog)"; }
install_dir "$HELM_BIN" "$stage"
log "helm v$V built into $HELM_BIN"
