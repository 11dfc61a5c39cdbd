#!/usr/bin/env bash
# helm $HELM_VERSION, a client (nothing to start). Usage: helm.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=helm

# `go install` with the ldflags of helm's Makefile: the release version, and the Kubernetes version
# `helm template` assumes by default (1.<minor of the k8s.io/client-go helm requires>).
compile() {
  local gomod minor ld p
  gomod=$(cd / && go mod download -json "helm.sh/helm/v3@v$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  minor=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")
  [ -n "$minor" ] || die "helm: no k8s.io/client-go version in $gomod"
  ld="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
  ld="$ld -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ld="$ld -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
  done
  GOBIN="$1" go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
}
build() { cached_build "$HELM_BIN" "helm v$HELM_VERSION" compile; }
up() { build; }

status() {
  [ -x "$HELM_BIN/helm" ] || { echo "helm: NOT BUILT"; return 1; }
  echo "helm: $("$HELM_BIN/helm" version --short) $HELM_BIN/helm"
}

component_main "$@"
