#!/usr/bin/env bash
# Builds the node's programs from the Go module proxy into ~/.cache/<component>/<version>/ (once; later runs
# skip what exists): containerd and crictl, the Kubernetes node binaries, CoreDNS, metrics-server and the local-path
# provisioner. runc and the CNI plugins are Debian's packages (installed here when missing).
# Usage: build.sh [all|containerd|kubernetes-node|addons|packages]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Debian packages the node needs at run time: runc, the CNI plugins (bridge, host-local, loopback, portmap),
# iptables for kube-proxy and our own rules, conntrack for kube-proxy's stale UDP entries.
DEBIAN_PACKAGES=(runc containernetworking-plugins iptables conntrack)
packages() {
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "cluster: installing Debian packages ${missing[*]}"
  apt-get install -y -q "${missing[@]}" >"$CACHE_HOME/cluster-apt.log" 2>&1 ||
    { apt-get update -q >>"$CACHE_HOME/cluster-apt.log" 2>&1 &&
      apt-get install -y -q "${missing[@]}" >>"$CACHE_HOME/cluster-apt.log" 2>&1; } ||
    { tail -n 20 "$CACHE_HOME/cluster-apt.log" >&2; die "cluster: apt-get install ${missing[*]} failed"; }
}

compile_containerd() {
  GOBIN="$1" go install -trimpath -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=v$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/"{containerd,ctr,containerd-shim-runc-v2}"@v$CONTAINERD_VERSION"
}
compile_crictl() { GOBIN="$1" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/cri-tools/cmd/crictl@v$CRICTL_VERSION"; }
compile_node() { compile_kubernetes "$1" kubelet kube-scheduler kube-proxy; }
compile_coredns() { GOBIN="$1" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@v$COREDNS_VERSION"; }
compile_metrics_server() {
  GOBIN="$1" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/metrics-server/cmd/metrics-server@v$METRICS_SERVER_VERSION"
}
compile_local_path() {
  GOBIN="$1" go install -trimpath -ldflags "-s -w" \
    "github.com/rancher/local-path-provisioner@v$LOCAL_PATH_PROVISIONER_VERSION"
}

containerd() {
  cached_build "$CONTAINERD_BIN" "containerd v$CONTAINERD_VERSION (about 2 min)" compile_containerd
  cached_build "$CRICTL_BIN" "crictl v$CRICTL_VERSION" compile_crictl
}
kubernetes_node() {
  cached_build "$KUBE_NODE_BIN" "Kubernetes v$KUBERNETES_VERSION node (kubelet, kube-scheduler, kube-proxy; 4-6 min)" \
    compile_node
}
addons() {
  cached_build "$COREDNS_BIN" "CoreDNS v$COREDNS_VERSION" compile_coredns
  cached_build "$METRICS_SERVER_BIN" "metrics-server v$METRICS_SERVER_VERSION" compile_metrics_server
  cached_build "$LOCAL_PATH_BIN" "local-path-provisioner v$LOCAL_PATH_PROVISIONER_VERSION" compile_local_path
}

case "${1:-all}" in
  all) packages; containerd; kubernetes_node; addons ;;
  packages) packages ;;
  containerd) containerd ;;
  kubernetes-node) kubernetes_node ;;
  addons) addons ;;
  *) die "usage: build.sh [all|containerd|kubernetes-node|addons|packages]" ;;
esac
