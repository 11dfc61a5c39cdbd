# shellcheck shell=bash
# Shared helpers of scripts/cluster/*: the one-node cluster's paths, addresses and ranges. Sourced, not run.
# Builds on scripts/services/lib.sh (pid files, cached builds, waits).
LOG_TAG=cluster
# shellcheck source=../services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../services/lib.sh"
CLUSTER_SCRIPTS="$SERVICES_ROOT/scripts/cluster"
CLUSTER_DIR="$SERVICES_DIR/cluster"
# The services' folder (.services/env, the services' kubeconfig); the pid, log and build helpers of
# scripts/services/lib.sh work on $SERVICES_DIR, which for the cluster's components is the cluster's folder.
SERVICES_HOME="$SERVICES_DIR"
SERVICES_DIR="$CLUSTER_DIR"
# Built images (docker-archive tarballs, named by a hash of their inputs) and their build storage.
IMAGES_CACHE="$CACHE_HOME/cryptostream-images"
CONTAINERD_BIN="$CACHE_HOME/containerd/$CONTAINERD_VERSION"
CONTAINERD_SOCK="$CLUSTER_DIR/containerd/containerd.sock"
# ctr and crictl talk to the cluster's containerd (ctr's cgroup v1 deprecation warning, printed on every call, is
# dropped: docs/cluster.md says it once).
CTR() {
  "$CONTAINERD_BIN/ctr" --address "$CONTAINERD_SOCK" --namespace k8s.io "$@" 2> >(grep -v 'support for cgroup v1 is deprecated' >&2 || true)
}
CRICTL_BIN="$CACHE_HOME/crictl/$CRICTL_VERSION"
KUBE_NODE_BIN="$CACHE_HOME/kubernetes-node/$KUBERNETES_VERSION"
COREDNS_BIN="$CACHE_HOME/coredns/$COREDNS_VERSION"
METRICS_SERVER_BIN="$CACHE_HOME/metrics-server/$METRICS_SERVER_VERSION"
LOCAL_PATH_BIN="$CACHE_HOME/local-path-provisioner/$LOCAL_PATH_PROVISIONER_VERSION"
KNP_BIN="$CACHE_HOME/kube-network-policies/$KUBE_NETWORK_POLICIES_VERSION"

# Addresses (docs/cluster.md). Nothing here is routed out of the machine: the pod range lives on our bridge,
# the Service range only in kube-proxy's iptables rules. The node's own address is the bridge's gateway address,
# so pods reach this machine's servers (bound to 0.0.0.0 or to it) at CLUSTER_HOST_ADDRESS.
NODE_NAME=cryptostream-node
BRIDGE=csbr0
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
# Control-plane ports of the cluster (the services' own API server keeps 16443).
CLUSTER_APISERVER_PORT=26443
CLUSTER_KCM_PORT=20257
CLUSTER_SCHEDULER_PORT=20259
KUBELET_PORT=10250
KUBELET_HEALTHZ_PORT=20248
KUBE_PROXY_HEALTHZ_PORT=20256
KUBE_PROXY_METRICS_PORT=20249
KNP_METRICS_PORT=20280
# The Kafka that pods use (a second instance of scripts/services/kafka.sh, listening on the node address).
CLUSTER_KAFKA_PORT=39092
CLUSTER_KAFKA_CONTROLLER_PORT=39093
CLUSTER_KUBECONFIG="$CLUSTER_DIR/kubeconfig"
PKI="$CLUSTER_DIR/pki"
CLUSTER_URL="https://$NODE_IP:$CLUSTER_APISERVER_PORT"
# iptables chain of our own rules (kube-proxy keeps its KUBE-* chains and removes them with --cleanup).
FORWARD_CHAIN=CRYPTOSTREAM-FORWARD
# kube-network-policies' nftables table (family inet; its name is upstream's default) and its NFQUEUE number.
KNP_TABLE=kube-network-policies
KNP_QUEUE=100

kubectl_cluster() { "$KUBE_BIN/kubectl" --kubeconfig "$CLUSTER_KUBECONFIG" "$@"; }
crictl() { "$CRICTL_BIN/crictl" --runtime-endpoint "unix://$CONTAINERD_SOCK" --timeout 30s "$@"; }
