#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kubectl $KUBERNETES_VERSION from the Go module proxy
# into ~/.cache/kubernetes/<version>/ (skipped when present).
# k8s.io/kubernetes requires its staging modules at v0.0.0 through ./staging replaces, which `go install`
# refuses; a throwaway wrapper module replaces each of them by its published v0.Y.Z instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
V=$KUBERNETES_VERSION
BINS=(kube-apiserver kube-controller-manager kubectl)
missing=0
for b in "${BINS[@]}"; do [ -x "$KUBE_BIN/$b" ] || missing=1; done
[ "$missing" = 1 ] || exit 0

log "building Kubernetes v$V (kube-apiserver, kube-controller-manager, kubectl) from the Go module proxy;"
log "  cold: 6-10 min on 2 cores, up to 2 GB of RAM, 6 GB of Go caches; build log: $CACHE_HOME/kubernetes/build-$V.log"
mkdir -p "$CACHE_HOME/kubernetes"
work=$(mktemp -d)
stage=$(mktemp -d "$CACHE_HOME/kubernetes/.build-$V.XXXXXX")
trap 'rm -rf "$work" "$stage"' EXIT
{
  cd "$work"
  go mod init example.invalid/k8s-bins
  gomod=$(go mod download -json "k8s.io/kubernetes@v$V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@v$V"
  staging=$(sed -n 's|^[[:space:]]*\(k8s.io/[A-Za-z0-9._-]*\) => \./staging/.*|\1|p' "$gomod")
  [ -n "$staging" ] || die "no staging replaces found in $gomod"
  for m in $staging; do go mod edit -replace="$m=$m@v0.${V#1.}"; done
  go mod edit -require="k8s.io/kubernetes@v$V"
  printf '//go:build tools\n\npackage tools\n\nimport (\n' >tools.go
  for b in "${BINS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b" >>tools.go; done
  printf ')\n' >>tools.go
  go mod tidy
  minor=$(echo "$V" | cut -d. -f2)
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$V -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    ld="$ld -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  pkgs=()
  for b in "${BINS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  go build -trimpath -ldflags "$ld" -o "$stage/" "${pkgs[@]}"
} >>"$CACHE_HOME/kubernetes/build-$V.log" 2>&1 || {
  tail -n 40 "$CACHE_HOME/kubernetes/build-$V.log" >&2
  die "Kubernetes build failed (log: $CACHE_HOME/kubernetes/build-$V.log)"
}
install_dir "$KUBE_BIN" "$stage"
log "Kubernetes v$V built into $KUBE_BIN"
