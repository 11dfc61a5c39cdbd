#!/usr/bin/env bash
# etcd $ETCD_VERSION on 127.0.0.1:$ETCD_PORT, the storage of kube-apiserver. Usage: etcd.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=etcd
DIR="$SERVICES_DIR/$NAME"
URL="http://127.0.0.1:$ETCD_PORT"

# go.etcd.io/etcd/server/v3 has replace directives, so `go install` refuses it: it is built as a dependency
# of a throwaway module instead.
compile() {
  cd "$(mktemp -d)"
  go mod init example.invalid/etcd-bin
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3
}
build() { cached_build "$ETCD_BIN" "etcd v$ETCD_VERSION" compile; }

ready() { curl -sf "$URL/health" | grep -q '"health":"true"'; }

up() {
  keep_running && return 0
  build
  require_free_ports "$NAME" "$ETCD_PORT" "$ETCD_PEER_PORT"
  log "etcd: starting on $URL"
  start_ready 60 "$ETCD_BIN/etcd" --name services --data-dir "$DIR/data" \
    --listen-client-urls "$URL" --advertise-client-urls "$URL" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "services=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
}

status() {
  local pid
  pid=$(pid_of "$NAME") || { echo "etcd: DOWN"; return 1; }
  ready || { echo "etcd: NOT HEALTHY (pid $pid)"; return 1; }
  echo "etcd: UP pid=$pid rss=$(rss_mb "$pid")MB $URL $(curl -sf "$URL/version")"
}

component_main "$@"
