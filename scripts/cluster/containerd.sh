#!/usr/bin/env bash
# containerd $CONTAINERD_VERSION with its CRI plugin for the kubelet: root, state and socket under
# .services/cluster/containerd, cgroupfs (no systemd here), Debian's runc, the CNI bridge network of the node,
# the locally built pause image pinned as the sandbox image, and every registry pointed at a local address that
# refuses (127.0.0.1:1), so a missing image fails at once with ErrImagePull and no pull leaves the machine.
# Usage: containerd.sh up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=containerd
DIR="$CLUSTER_DIR/containerd"
CNI_CONF_DIR="$CLUSTER_DIR/cni/net.d"
CNI_BIN_DIR=/usr/lib/cni
RUNC=/usr/sbin/runc

ready() { CTR version; }

write_config() {
  local pause=$1
  mkdir -p "$DIR/certs.d/_default" "$CNI_CONF_DIR" "$CLUSTER_DIR/cni/ipam"
  # hosts.toml for every registry: the only host is a closed local port; `server` is the fallback (same).
  cat >"$DIR/certs.d/_default/hosts.toml" <<TOML
# Every registry resolves to a closed local port: images come only from the local store (docs/cluster.md).
server = "http://127.0.0.1:1"

[host."http://127.0.0.1:1"]
  capabilities = ["pull", "resolve"]
TOML
  cat >"$CNI_CONF_DIR/10-cryptostream.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "cryptostream",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$CLUSTER_DIR/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
  cat >"$DIR/config.toml" <<TOML
version = 3
root = "$DIR/root"
state = "$DIR/state"
plugin_dir = ""
disabled_plugins = [
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs", "io.containerd.nri.v1.nri",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"
]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/opt"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$pause"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$DIR/certs.d"

[plugins."io.containerd.cri.v1.runtime"]
  # This machine withholds CAP_SYS_RESOURCE even from root: no negative oom_score_adj (docs/cluster.md).
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "$RUNC"
        Root = "$DIR/runc"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["$CNI_BIN_DIR"]
    conf_dir = "$CNI_CONF_DIR"
    max_conf_num = 1

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
TOML
}

up() {
  local pause=${CLUSTER_PAUSE_IMAGE:?CLUSTER_PAUSE_IMAGE: the sandbox image (scripts/cluster/images.sh)}
  write_config "$pause"
  if ! keep_running; then
    [ -x "$RUNC" ] || die "containerd: $RUNC is missing (apt-get install runc)"
    [ -x "$CNI_BIN_DIR/bridge" ] || die "containerd: CNI plugins missing in $CNI_BIN_DIR (apt-get install containernetworking-plugins)"
    mkdir -p "$DIR"
    log "containerd: starting ($CONTAINERD_SOCK)"
    # containerd-shim-runc-v2 is found on PATH.
    PATH="$CONTAINERD_BIN:$PATH" start_ready 60 "$CONTAINERD_BIN/containerd" --config "$DIR/config.toml"
  fi
}

status() {
  local pid
  pid=$(pid_of "$NAME") || { echo "containerd: DOWN"; return 1; }
  ready >/dev/null 2>&1 || { echo "containerd: NOT ANSWERING (pid $pid)"; return 1; }
  echo "containerd: UP pid=$pid rss=$(rss_mb "$pid")MB v$CONTAINERD_VERSION $CONTAINERD_SOCK images=$(CTR images ls -q | wc -l)"
}

case "${1:-}" in
  up | status) "$1" ;;
  down) stop_pid "$NAME" ;;
  *) die "usage: containerd.sh up|down|status" ;;
esac
