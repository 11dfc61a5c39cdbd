#!/usr/bin/env bash
# Renders the install bundle manifests/install.yaml from charts/cryptostream (CRD included), with helm from
# $HELM, else the one `npm run services:up` built (.services/env), else helm on PATH.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${HELM:-}" ] && [ -f "$root/.services/env" ]; then HELM="$(grep '^HELM=' "$root/.services/env" | cut -d= -f2-)"; fi
HELM="${HELM:-helm}"
render() {
  echo "# The CryptoStream operator, rendered from charts/cryptostream by \`npm run gen:manifests\`. Do not edit."
  echo "# kubectl apply --server-side -f manifests/install.yaml"
  echo "---"
  echo "apiVersion: v1"
  echo "kind: Namespace"
  echo "metadata:"
  echo "  name: cryptostream-system"
  echo "  labels:"
  echo "    pod-security.kubernetes.io/enforce: restricted"
  # Applied with kubectl, not installed by Helm: the labels must not claim that Helm manages the objects (helm
  # would then refuse to install over them, and tools would look for a release that does not exist).
  "$HELM" template cryptostream "$root/charts/cryptostream" --namespace cryptostream-system --include-crds --skip-tests |
    sed -e 's|app.kubernetes.io/managed-by: Helm|app.kubernetes.io/managed-by: kubectl|' -e '/^ *helm\.sh\/chart: /d'
}
# --stdout: print instead of writing (the test compares it with the committed file).
if [ "${1:-}" = "--stdout" ]; then render; exit 0; fi
# Written whole or not at all: a failing helm leaves the committed file as it was.
render >"$root/manifests/install.yaml.tmp" || { rm -f "$root/manifests/install.yaml.tmp"; exit 1; }
mv "$root/manifests/install.yaml.tmp" "$root/manifests/install.yaml"
echo "wrote manifests/install.yaml"
