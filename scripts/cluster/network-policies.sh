#!/usr/bin/env bash
# The node's NetworkPolicy enforcer: kube-network-policies (built by build.sh, docs/cluster.md "NetworkPolicies")
# as a host process with the cluster's admin kubeconfig, named as the node. It keeps the nftables table
# `inet $KNP_TABLE`: the IPs of this node's pods that some NetworkPolicy selects, and a POSTROUTING chain that sends
# the first packet of each new connection from or to one of them to NFQUEUE $KNP_QUEUE, where it evaluates the
# policies and accepts or drops it. `up` runs after the node is Ready; `down` stops it by its recorded pid and
# removes the table if it is still there (a killed process leaves it, and its queue then drops what it holds).
# CRYPTOSTREAM_NETPOL_VERBOSITY=2 at `up` logs every evaluated connection and its verdict (default 0).
# Usage: network-policies.sh up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=kube-network-policies

table_exists() { nft list table inet "$KNP_TABLE" >/dev/null 2>&1; }
metrics() { curl -sf "http://127.0.0.1:$KNP_METRICS_PORT/metrics"; }
# The table appears once its informers have synced and the rules are written; metrics once it listens.
ready() { table_exists && metrics >/dev/null; }

remove_table() {
  if table_exists; then
    nft delete table inet "$KNP_TABLE"
    log "$NAME: nftables table inet $KNP_TABLE removed"
  fi
}

up() {
  keep_running && return 0
  remove_table
  log "$NAME: starting (nftables table inet $KNP_TABLE, NFQUEUE $KNP_QUEUE)"
  # --netfilter-bug-1766-fix=false: DNS is evaluated like any other traffic, on POSTROUTING after the DNAT to
  # CoreDNS's pod (the workaround for that conntrack race is for kernels before 6.12).
  start_ready 60 "$KNP_BIN/kube-network-policies" --kubeconfig="$CLUSTER_KUBECONFIG" \
    --hostname-override="$NODE_NAME" --metrics-bind-address="127.0.0.1:$KNP_METRICS_PORT" \
    --nfqueue-id="$KNP_QUEUE" --netfilter-bug-1766-fix=false --v="${CRYPTOSTREAM_NETPOL_VERBOSITY:-0}"
}

down() {
  stop_pid "$NAME"
  remove_table
}

# The pod IPs in the table's set, and the verdicts given since the start (from its metrics).
status() {
  local pid pods verdicts
  if pid=$(pid_of "$NAME") && ready; then
    pods=$(nft list set inet "$KNP_TABLE" podips-v4 2>/dev/null | { grep -oE '([0-9]{1,3}\.){3}[0-9]{1,3}' || true; } | wc -l)
    verdicts=$(metrics | awk '/^kube_network_policies_packet_count\{/ {
        match($0, /verdict="[a-z]+"/); v = substr($0, RSTART + 9, RLENGTH - 10); n[v] += $NF }
      END { printf "accepted=%d dropped=%d", n["accept"], n["drop"] }')
    echo "$NAME: UP pid=$pid rss=$(rss_mb "$pid")MB table=inet/$KNP_TABLE guarded-pods=$pods $verdicts"
  else
    echo "$NAME: DOWN"
    return 1
  fi
}

case "${1:-}" in
  up | down | status) "$1" ;;
  *) die "usage: network-policies.sh up|down|status" ;;
esac
