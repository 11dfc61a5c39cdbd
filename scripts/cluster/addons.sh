#!/usr/bin/env bash
# The cluster's add-ons, as pods on the node: CoreDNS (cluster DNS), metrics-server (metrics.k8s.io for
# `kubectl top` and the HPA) and the local-path provisioner (the default StorageClass). Their images are the
# binaries of scripts/cluster/build.sh, each alone in an image (binary_image of scripts/cluster/images.sh).
# Usage: addons.sh images|apply   (apply needs the images loaded and the node up)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ADDONS="$CLUSTER_SCRIPTS/addons"
COREDNS_IMAGE="localhost/coredns:$COREDNS_VERSION"
METRICS_SERVER_IMAGE="localhost/metrics-server:$METRICS_SERVER_VERSION"
LOCAL_PATH_IMAGE="localhost/local-path-provisioner:$LOCAL_PATH_PROVISIONER_VERSION"

# Prints the archive of each add-on image, one a line (built when its binary changed).
images() {
  # shellcheck source=images.sh
  . "$CLUSTER_SCRIPTS/images.sh"
  local a
  a=$(binary_image "$COREDNS_IMAGE" "$COREDNS_BIN/coredns")
  echo "$a"
  a=$(binary_image "$METRICS_SERVER_IMAGE" "$METRICS_SERVER_BIN/metrics-server")
  echo "$a"
  a=$(binary_image "$LOCAL_PATH_IMAGE" "$LOCAL_PATH_BIN/local-path-provisioner")
  echo "$a"
}

render() {
  sed -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@METRICS_SERVER_IMAGE@|$METRICS_SERVER_IMAGE|g" \
    -e "s|@LOCAL_PATH_IMAGE@|$LOCAL_PATH_IMAGE|g" -e "s|@DEBIAN_IMAGE@|${CLUSTER_DEBIAN_IMAGE:?}|g" \
    -e "s|@DNS_SERVICE_IP@|$DNS_SERVICE_IP|g" -e "s|@CLUSTER_DOMAIN@|$CLUSTER_DOMAIN|g" \
    -e "s|@VOLUME_DIR@|$CLUSTER_DIR/volumes|g" "$ADDONS/$1.yaml"
}

apply() {
  local a
  mkdir -p "$CLUSTER_DIR/volumes"
  for a in coredns metrics-server local-path-provisioner; do
    render "$a" | kubectl_cluster apply --server-side --field-manager=cluster-up -f - >"$CLUSTER_DIR/addons-$a.log" 2>&1 ||
      { cat "$CLUSTER_DIR/addons-$a.log" >&2; die "addons: applying $a failed"; }
  done
  kubectl_cluster -n kube-system rollout status deployment/coredns --timeout=120s >/dev/null ||
    die "addons: CoreDNS did not become ready (kubectl -n kube-system describe pod -l k8s-app=kube-dns)"
  kubectl_cluster -n local-path-storage rollout status deployment/local-path-provisioner --timeout=120s >/dev/null ||
    die "addons: the local-path provisioner did not become ready"
  kubectl_cluster -n kube-system rollout status deployment/metrics-server --timeout=120s >/dev/null ||
    die "addons: metrics-server did not become ready"
  kubectl_cluster wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=120s >/dev/null ||
    die "addons: the metrics.k8s.io API is not Available"
  log "addons: CoreDNS, metrics-server and the local-path provisioner (StorageClass standard) ready"
}

case "${1:-}" in
  images | apply) "$1" ;;
  *) die "usage: addons.sh images|apply" ;;
esac
