#!/usr/bin/env bash
# Builds the node's programs from the Go module proxy into ~/.cache/<component>/<version>/ (once; later runs
# skip what exists): containerd and crictl, the Kubernetes node binaries, CoreDNS, metrics-server and the local-path
# provisioner, kube-network-policies. runc and the CNI plugins are Debian's packages (installed here when missing).
# Usage: build.sh [all|containerd|kubernetes-node|addons|network-policies|packages]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Debian packages the node needs at run time: runc, the CNI plugins (bridge, host-local, loopback, portmap),
# iptables for kube-proxy and our own rules, conntrack for kube-proxy's stale UDP entries, nft to check and remove
# kube-network-policies' table.
DEBIAN_PACKAGES=(runc containernetworking-plugins iptables conntrack nftables)
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

# replace_exact FILE COUNT OLD NEW: replaces the text OLD (exact, may span lines) by NEW in FILE; fails unless OLD
# occurred exactly COUNT times (so a patch never applies silently to a source it was not written for).
replace_exact() {
  OLD=$3 NEW=$4 perl -0777 -pi -e 'BEGIN { $n = 0 } $n += s/\Q$ENV{OLD}\E/$ENV{NEW}/g; END { exit($n == '"$2"' ? 0 : 3) }' "$1" ||
    die "$1: expected $2 occurrence(s) of: $3"
}

# kube-network-policies' main package for the standard NetworkPolicies (cmd/, the only one of v0.8.0), built from the
# module's source with its own go.mod and go.sum, with three changes (docs/cluster.md, "NetworkPolicies"):
# - a --kubeconfig flag (upstream added one later): v0.8.0 only takes the in-cluster configuration of a pod;
# - SIGTERM ends it as SIGINT does, so it deletes its nftables table on the way out (upstream later does the same);
# - its `queue num N` rule is the xtables NFQUEUE target (revision 3) through nft_compat: kernels built without
#   CONFIG_NFT_QUEUE (this machine's) refuse the nft queue expression, and the whole table with it.
# The cache folder is named by the version only: remove it after changing this function.
compile_kube_network_policies() {
  local out=$1 v=v$KUBE_NETWORK_POLICIES_VERSION src work
  src=$(go mod download -json "sigs.k8s.io/kube-network-policies@$v" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -f "$src/cmd/main.go" ] || die "no cmd/main.go in sigs.k8s.io/kube-network-policies@$v ($src)"
  work=$(mktemp -d)
  cd "$work"
  cp -R "$src/." .
  chmod -R u+w .
  replace_exact cmd/main.go 1 'config, err := rest.InClusterConfig()' 'config, err := clientConfig(rest.InClusterConfig)'
  replace_exact cmd/main.go 1 'os.Interrupt, unix.SIGINT)' 'os.Interrupt, unix.SIGINT, unix.SIGTERM)'
  cat >cmd/kubeconfig.go <<'GO'
package main

import (
	"flag"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

var kubeconfig string

func init() {
	flag.StringVar(&kubeconfig, "kubeconfig", "", "Path to a kubeconfig file (a process outside the cluster); the in-cluster configuration when empty")
}

func clientConfig(inCluster func() (*rest.Config, error)) (*rest.Config, error) {
	if kubeconfig == "" {
		return inCluster()
	}
	return clientcmd.BuildConfigFromFlags("", kubeconfig)
}
GO
  replace_exact pkg/networkpolicy/controller.go 2 'queue := &expr.Queue{Num: uint16(c.config.QueueID)}
	if c.config.FailOpen {
		queue.Flag = expr.QueueFlagBypass
	}' 'queue := xtQueue(uint16(c.config.QueueID), c.config.FailOpen)'
  cat >pkg/networkpolicy/xtqueue.go <<'GO'
package networkpolicy

import (
	"encoding/binary"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// xtQueue is `queue num N [bypass]` as the xtables NFQUEUE target, revision 3, through nft_compat.
func xtQueue(num uint16, bypass bool) *expr.Target {
	// struct xt_NFQ_info_v3 { __u16 queuenum; __u16 queues_total; __u16 flags; }, padded to XT_ALIGN (8 bytes).
	info := make(xt.Unknown, 8)
	binary.NativeEndian.PutUint16(info[0:], num)
	binary.NativeEndian.PutUint16(info[2:], 1)
	if bypass {
		binary.NativeEndian.PutUint16(info[4:], 1) // NFQ_FLAG_BYPASS
	}
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info}
}
GO
  go build -trimpath -ldflags "-s -w" -o "$out/kube-network-policies" ./cmd
  cd / && rm -rf "$work"
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
network_policies() {
  cached_build "$KNP_BIN" "kube-network-policies v$KUBE_NETWORK_POLICIES_VERSION (about 1.5 min)" \
    compile_kube_network_policies
}

case "${1:-all}" in
  all) packages; containerd; kubernetes_node; addons; network_policies ;;
  packages) packages ;;
  containerd) containerd ;;
  kubernetes-node) kubernetes_node ;;
  addons) addons ;;
  network-policies) network_policies ;;
  *) die "usage: build.sh [all|containerd|kubernetes-node|addons|network-policies|packages]" ;;
esac
