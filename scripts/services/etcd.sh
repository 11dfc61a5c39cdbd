#!/usr/bin/env bash
# etcd $ETCD_VERSION on 127.0.0.1:$ETCD_PORT, the storage of kube-apiserver. Usage: etcd.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=etcd
DIR="$SERVICES_DIR/$NAME"
URL="http://127.0.0.1:$ETCD_PORT"

ready() { curl -sf "$URL/health" | grep -q '"health":"true"'; }

up() {
  if pid=$(pid_of "$NAME"); then
    wait_until "$NAME" 60 ready
    log "etcd: running (pid $pid) on $URL"
    return 0
  fi
  bash "$SERVICES_SCRIPTS/build-etcd.sh"
  require_free_ports "$NAME" "$ETCD_PORT" "$ETCD_PEER_PORT"
  mkdir -p "$DIR"
  log "etcd: starting on $URL"
  start_bg "$NAME" "$ETCD_BIN/etcd" --name services --data-dir "$DIR/data" \
    --listen-client-urls "$URL" --advertise-client-urls "$URL" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "services=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  wait_until "$NAME" 60 ready
  log "etcd: ready in $(cat "$DIR/ready-seconds")s (pid $(pid_of "$NAME"))"
}

status() {
  local pid version
  if ! pid=$(pid_of "$NAME"); then echo "etcd: DOWN"; return 1; fi
  ready || { echo "etcd: NOT HEALTHY (pid $pid)"; return 1; }
  version=$(curl -sf "$URL/version")
  echo "etcd: UP pid=$pid rss=$(rss_mb "$pid")MB $URL $version"
}

case "${1:-}" in
  build) bash "$SERVICES_SCRIPTS/build-etcd.sh" ;;
  up) up ;;
  down) stop_pid "$NAME" ;;
  status) status ;;
  *) die "usage: etcd.sh build|up|down|status" ;;
esac
