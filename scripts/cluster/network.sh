#!/usr/bin/env bash
# The node's network: the bridge $BRIDGE with the node address (the pods' gateway), IP forwarding (Service
# traffic is DNATed and forwarded back onto the bridge), and our own FORWARD rules: pod traffic may go to pods and
# to this machine, and is rejected on its way anywhere else. Nothing is masqueraded to the outside.
# The previous ip_forward value is recorded and restored by `down`. Usage: network.sh up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
STATE="$CLUSTER_DIR/network"

ipt() { iptables -w 5 "$@"; }

up() {
  mkdir -p "$STATE"
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    log "network: bridge $BRIDGE created"
  fi
  # Not `ip ... | grep -q`: with pipefail, grep closing the pipe early can fail the check.
  case "$(ip -4 -o addr show dev "$BRIDGE")" in
    *" inet $NODE_IP/"*) ;;
    *) ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE" ;;
  esac
  ip link set "$BRIDGE" up
  [ -f "$STATE/ip_forward.before" ] || cat /proc/sys/net/ipv4/ip_forward >"$STATE/ip_forward.before"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  ipt -N "$FORWARD_CHAIN" 2>/dev/null || true
  ipt -F "$FORWARD_CHAIN"
  ipt -A "$FORWARD_CHAIN" -s "$POD_CIDR" -o "$BRIDGE" -j RETURN
  ipt -A "$FORWARD_CHAIN" -s "$POD_CIDR" -j REJECT --reject-with icmp-net-unreachable
  ipt -C FORWARD -j "$FORWARD_CHAIN" 2>/dev/null || ipt -I FORWARD 1 -j "$FORWARD_CHAIN"
  log "network: $BRIDGE $NODE_IP (pods $POD_CIDR, Services $SERVICE_CIDR), pod traffic kept on this machine"
}

# The chains the kubelet leaves (KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT) after kube-proxy
# --cleanup removed its own, in IPv4 and IPv6: first the rules that jump to them, then the chains.
remove_kube_chains() {
  local cmd table chain rule
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle raw; do
      { "$cmd-save" -t "$table" 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' || true; } | while read -r rule; do
        # shellcheck disable=SC2086 # a rule as iptables-save prints it, re-split into its arguments
        eval "$cmd -w 5 -t $table -D ${rule#-A }" || true
      done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[A-Z0-9-]*\) .*/\1/p'); do
        "$cmd" -w 5 -t "$table" -F "$chain" 2>/dev/null || true
        "$cmd" -w 5 -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

down() {
  remove_kube_chains
  if ipt -C FORWARD -j "$FORWARD_CHAIN" 2>/dev/null; then ipt -D FORWARD -j "$FORWARD_CHAIN"; fi
  if ipt -L "$FORWARD_CHAIN" -n >/dev/null 2>&1; then ipt -F "$FORWARD_CHAIN" && ipt -X "$FORWARD_CHAIN"; fi
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link delete "$BRIDGE"
    log "network: bridge $BRIDGE removed"
  fi
  if [ -f "$STATE/ip_forward.before" ]; then
    cat "$STATE/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
    rm -f "$STATE/ip_forward.before"
  fi
}

status() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || { echo "network: DOWN (no bridge $BRIDGE)"; return 1; }
  echo "network: UP bridge=$BRIDGE node=$NODE_IP pods=$POD_CIDR services=$SERVICE_CIDR ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)"
}

case "${1:-}" in
  up | down | status) "$1" ;;
  *) die "usage: network.sh up|down|status" ;;
esac
