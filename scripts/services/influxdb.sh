#!/usr/bin/env bash
# InfluxDB $INFLUXDB_VERSION on 127.0.0.1:$INFLUX_PORT with Flux enabled (serves /api/v2/write and /api/v2/query
# for @influxdata/influxdb-client); creates the databases marketdata_raw and marketdata_enriched.
# Usage: influxdb.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=influxdb
DIR="$SERVICES_DIR/$NAME"
URL="http://127.0.0.1:$INFLUX_PORT"
DATABASES=(marketdata_raw marketdata_enriched)

# Pure Go (Flux v0.65 without the Rust libflux), so a plain `go install` builds it.
compile() {
  GOBIN="$1" go install -trimpath -ldflags "-s -w -X main.version=$INFLUXDB_VERSION -X main.branch=v$INFLUXDB_VERSION" \
    "github.com/influxdata/influxdb/cmd/influxd@v$INFLUXDB_VERSION"
}
build() { cached_build "$INFLUX_BIN" "influxd v$INFLUXDB_VERSION" compile; }

ready() { curl -sf "$URL/ping" >/dev/null; }

up() {
  if ! keep_running; then
    build
    require_free_ports "$NAME" "$INFLUX_PORT" "$INFLUX_RPC_PORT"
    mkdir -p "$DIR"
    cat >"$DIR/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$INFLUX_RPC_PORT"
[meta]
  dir = "$DIR/meta"
[data]
  dir = "$DIR/data"
  wal-dir = "$DIR/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_PORT"
  auth-enabled = false
  flux-enabled = true
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
CONF
    log "influxdb: starting influxd on $URL"
    start_ready 60 "$INFLUX_BIN/influxd" run -config "$DIR/influxdb.conf"
  fi
  local db
  for db in "${DATABASES[@]}"; do
    curl -sf -XPOST "$URL/query" --data-urlencode "q=CREATE DATABASE $db" >/dev/null ||
      die "influxdb: CREATE DATABASE $db failed"
  done
}

status() {
  local pid version
  pid=$(pid_of "$NAME") || { echo "influxdb: DOWN"; return 1; }
  version=$(curl -sfI "$URL/ping" | tr -d '\r' | sed -n 's/^[Xx]-[Ii]nfluxdb-[Vv]ersion: //p') ||
    { echo "influxdb: NOT ANSWERING (pid $pid)"; return 1; }
  local dbs
  dbs=$(curl -sf "$URL/query" --data-urlencode 'q=SHOW DATABASES' | tr -d '[]"' | sed 's/.*values://; s/}.*//')
  echo "influxdb: UP pid=$pid rss=$(rss_mb "$pid")MB version=$version $URL databases=$dbs"
}

component_main "$@"
