#!/usr/bin/env bash
# The node $NODE_NAME: kubelet (containerd's CRI, cgroupfs on this cgroup v1 host with failCgroupV1: false,
# address $NODE_IP, a serving certificate from the cluster CA, webhook authentication and authorization) and
# kube-proxy (iptables mode, NodePorts on the node address only). Usage: node.sh up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
KUBELET_DIR="$CLUSTER_DIR/kubelet"

kubelet_ready() { curl -sf "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" | grep -qx ok; }
proxy_ready() { curl -sf "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz" >/dev/null; }

kubelet_config() {
  mkdir -p "$KUBELET_DIR/root"
  # Pods whose DNS policy is Default get this file: no nameserver, so nothing resolves through the machine's
  # resolver; cluster DNS itself answers only cluster.local (addons/coredns.yaml).
  : >"$KUBELET_DIR/resolv.conf"
  cat >"$KUBELET_DIR/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 host (docs/cluster.md): kubelet 1.35+ refuses it unless told.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$DNS_SERVICE_IP]
resolvConf: $KUBELET_DIR/resolv.conf
failSwapOn: false
serializeImagePulls: false
# Container logs under our folder (the kubelet still links them from /var/log/containers: cluster:down removes
# those links).
podLogsDir: $KUBELET_DIR/pod-logs
# A small shared machine: evict only when the disk is really full.
evictionHard:
  memory.available: 200Mi
  nodefs.available: 2%
  imagefs.available: 2%
imageGCHighThresholdPercent: 98
imageGCLowThresholdPercent: 95
maxPods: 110
YAML
}

kubelet() {
  NAME=kubelet
  ready() { kubelet_ready; }
  keep_running && return 0
  kubelet_config
  log "kubelet: starting node $NAME $NODE_NAME ($NODE_IP)"
  start_ready 120 "$KUBE_NODE_BIN/kubelet" --config="$KUBELET_DIR/config.yaml" \
    --kubeconfig="$PKI/kubelet-client.kubeconfig" --root-dir="$KUBELET_DIR/root" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
}

proxy() {
  NAME=kube-proxy
  ready() { proxy_ready; }
  keep_running && return 0
  mkdir -p "$CLUSTER_DIR/$NAME"
  cat >"$CLUSTER_DIR/$NAME/config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $PKI/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
nodePortAddresses: ["$NODE_IP/32"]
iptables:
  localhostNodePorts: false
  masqueradeAll: false
# Leave the machine's conntrack settings as they are.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML
  log "kube-proxy: starting (iptables)"
  start_ready 60 "$KUBE_NODE_BIN/kube-proxy" --config="$CLUSTER_DIR/$NAME/config.yaml" --v=0
}

up() { kubelet; proxy; }

down() {
  stop_pid kube-proxy
  # Removes kube-proxy's KUBE-* chains and rules.
  "$KUBE_NODE_BIN/kube-proxy" --cleanup >"$CLUSTER_DIR/kube-proxy/cleanup.log" 2>&1 || true
  stop_pid kubelet
}

status() {
  local rc=0 pid
  if pid=$(pid_of kubelet) && kubelet_ready; then echo "kubelet: UP pid=$pid rss=$(rss_mb "$pid")MB node=$NODE_NAME"
  else echo "kubelet: DOWN"; rc=1; fi
  if pid=$(pid_of kube-proxy) && proxy_ready; then echo "kube-proxy: UP pid=$pid rss=$(rss_mb "$pid")MB"
  else echo "kube-proxy: DOWN"; rc=1; fi
  return "$rc"
}

case "${1:-}" in
  up | down | status) "$1" ;;
  *) die "usage: node.sh up|down|status" ;;
esac
