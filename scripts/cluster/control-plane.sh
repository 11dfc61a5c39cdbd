#!/usr/bin/env bash
# The cluster's own control plane, beside the services' API server (which stays node-less for the operator tests):
# kube-apiserver on $CLUSTER_URL (storage in the services' etcd under its own prefix; Node and RBAC
# authorization; the aggregation layer for metrics-server), kube-controller-manager with every default
# controller (HPA, PV binder, endpoints, garbage collector, ...; the HPA's scale-down stabilization is 1 minute
# instead of 5, so that the autoscaling test ends in minutes) and kube-scheduler. Same binaries and version as
# the services' API server. Usage: control-plane.sh up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ETCD_PREFIX=/cryptostream-cluster

curl_admin() { curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
apiserver_ready() { curl_admin "$CLUSTER_URL/readyz" >/dev/null; }
kcm_ready() { curl -sfk "https://127.0.0.1:$CLUSTER_KCM_PORT/healthz" | grep -qx ok; }
scheduler_ready() { curl -sfk "https://127.0.0.1:$CLUSTER_SCHEDULER_PORT/healthz" | grep -qx ok; }

apiserver() {
  NAME=kube-apiserver
  ready() { apiserver_ready; }
  keep_running && return 0
  require_free_ports "$NAME" "$CLUSTER_APISERVER_PORT"
  log "kube-apiserver: starting on $CLUSTER_URL"
  start_ready 120 "$KUBE_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix="$ETCD_PREFIX" \
    --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port="$CLUSTER_APISERVER_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" --kubelet-certificate-authority="$PKI/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" --enable-aggregator-routing=true \
    --profiling=false --v=0
}

controller_manager() {
  NAME=kube-controller-manager
  ready() { kcm_ready; }
  keep_running && return 0
  require_free_ports "$NAME" "$CLUSTER_KCM_PORT"
  log "kube-controller-manager: starting (every default controller)"
  start_ready 60 "$KUBE_BIN/kube-controller-manager" --kubeconfig="$PKI/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$PKI/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$PKI/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CLUSTER_KCM_PORT" --cert-dir="$CLUSTER_DIR/$NAME/pki" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --allocate-node-cidrs=false --horizontal-pod-autoscaler-downscale-stabilization=1m --profiling=false --v=0
}

scheduler() {
  NAME=kube-scheduler
  ready() { scheduler_ready; }
  keep_running && return 0
  require_free_ports "$NAME" "$CLUSTER_SCHEDULER_PORT"
  log "kube-scheduler: starting"
  start_ready 60 "$KUBE_NODE_BIN/kube-scheduler" --kubeconfig="$PKI/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$PKI/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$PKI/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CLUSTER_SCHEDULER_PORT" --leader-elect=false --profiling=false --v=0
}

up() { apiserver; controller_manager; scheduler; }

down() { stop_pid kube-scheduler; stop_pid kube-controller-manager; stop_pid kube-apiserver; }

status() {
  local rc=0 name pid check
  for name in kube-apiserver:apiserver_ready kube-controller-manager:kcm_ready kube-scheduler:scheduler_ready; do
    check=${name#*:}
    name=${name%%:*}
    if ! pid=$(pid_of "$name"); then echo "$name: DOWN"; rc=1; continue; fi
    if "$check"; then echo "$name: UP pid=$pid rss=$(rss_mb "$pid")MB"; else echo "$name: NOT READY (pid $pid)"; rc=1; fi
  done
  return "$rc"
}

case "${1:-}" in
  up | down | status) "$1" ;;
  *) die "usage: control-plane.sh up|down|status" ;;
esac
