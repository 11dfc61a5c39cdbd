#!/usr/bin/env bash
# helm $HELM_VERSION (a client binary, no server). Usage: helm.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case "${1:-}" in
  build | up) bash "$SERVICES_SCRIPTS/build-helm.sh" ;;
  down) ;;
  status)
    [ -x "$HELM_BIN/helm" ] || { echo "helm: NOT BUILT"; exit 1; }
    echo "helm: $("$HELM_BIN/helm" version --short) $HELM_BIN/helm"
    ;;
  *) die "usage: helm.sh build|up|down|status" ;;
esac
