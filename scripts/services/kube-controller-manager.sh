#!/usr/bin/env bash
# kube-controller-manager $KUBERNETES_VERSION against the local kube-apiserver (health on 127.0.0.1:$KCM_PORT).
# There is no scheduler and no kubelet: Deployments get ReplicaSets and Pods, the Pods stay Pending.
# Usage: kube-controller-manager.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=kube-controller-manager
DIR="$SERVICES_DIR/$NAME"
APIDIR="$SERVICES_DIR/kube-apiserver"
CONTROLLERS=namespace,garbagecollector,deployment,replicaset,serviceaccount,serviceaccount-token,root-ca-cert-publisher

build() { bash "$SERVICES_SCRIPTS/kube-apiserver.sh" build; }

ready() { curl -sfk "https://127.0.0.1:$KCM_PORT/healthz" | grep -qx ok; }

up() {
  keep_running && return 0
  build
  [ -f "$KUBECONFIG_FILE" ] || die "kube-controller-manager: $KUBECONFIG_FILE is missing (start kube-apiserver first)"
  require_free_ports "$NAME" "$KCM_PORT"
  mkdir -p "$DIR"
  log "kube-controller-manager: starting (controllers: $CONTROLLERS)"
  start_ready 60 "$KUBE_BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG_FILE" \
    --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$DIR/pki" --leader-elect=false \
    --controllers="$CONTROLLERS" --service-account-private-key-file="$APIDIR/pki/sa.key" \
    --root-ca-file="$APIDIR/pki/apiserver.crt" --profiling=false --v=0
}

status() {
  local pid
  pid=$(pid_of "$NAME") || { echo "kube-controller-manager: DOWN"; return 1; }
  ready || { echo "kube-controller-manager: NOT HEALTHY (pid $pid)"; return 1; }
  echo "kube-controller-manager: UP pid=$pid rss=$(rss_mb "$pid")MB healthz=https://127.0.0.1:$KCM_PORT/healthz controllers=$CONTROLLERS"
}

component_main "$@"
