#!/usr/bin/env bash
# InfluxDB $INFLUXDB_VERSION (OSS 2.x) on http://127.0.0.1:$INFLUX_PORT, set up once through /api/v2/setup with the
# org $INFLUX_ORG, an all-access operator token and the buckets marketdata_raw and marketdata_enriched.
# Usage: influxdb.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=influxdb
DIR="$SERVICES_DIR/$NAME"
URL="http://127.0.0.1:$INFLUX_PORT"
BUCKETS=(marketdata_raw marketdata_enriched)

# influxd 2.x links libflux (Rust) through cgo. influxdata/pkg-config stands in for pkg-config and builds
# libflux from the flux module's source with cargo (crates from crates.io). The module has one replace
# directive (nats-streaming-server), so it is built from a throwaway module that repeats it.
compile() {
  local out=$1 work gomod r
  for tool in cargo gcc pkg-config; do
    command -v "$tool" >/dev/null || die "influxdb: $tool is needed to build influxd $INFLUXDB_VERSION (libflux)"
  done
  work=$(mktemp -d)
  cd "$work"
  go mod init example.invalid/influxd
  go mod edit -require="github.com/influxdata/influxdb/v2@v$INFLUXDB_VERSION"
  gomod=$(go mod download -json "github.com/influxdata/influxdb/v2@v$INFLUXDB_VERSION" |
    sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  GOBIN="$work/bin" go install "github.com/influxdata/pkg-config@$(
    sed -n 's|^[[:space:]]*github.com/influxdata/pkg-config \(v[^ ]*\).*|\1|p' "$gomod")"
  while read -r r; do go mod edit -replace="$r"; done < <(
    sed -n 's/^replace \([^ ]*\) \([^ ]*\) => \([^ ]*\) \([^ ]*\)$/\1@\2=\3@\4/p' "$gomod")
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/influxdata/influxdb/v2/cmd/influxd"\n' >tools.go
  go mod tidy
  # libflux pins a Rust toolchain that is not installed here: use rustup's default one.
  if command -v rustup >/dev/null; then export RUSTUP_TOOLCHAIN; RUSTUP_TOOLCHAIN=$(rustup default | cut -d' ' -f1); fi
  CGO_ENABLED=1 PKG_CONFIG="$work/bin/pkg-config" RUSTC_WRAPPER="$SERVICES_SCRIPTS/influxdb/rustc-cap-lints" \
    go build -trimpath -ldflags "-s -w -X main.version=$INFLUXDB_VERSION -X main.commit=v$INFLUXDB_VERSION" \
    -o "$out/influxd" github.com/influxdata/influxdb/v2/cmd/influxd
}
build() { cached_build "$INFLUX_BIN" "influxd v$INFLUXDB_VERSION (Go + Rust libflux; 9-15 min)" compile; }

ready() { curl -sf "$URL/health" | grep -q '"status":"pass"'; }

api() { curl -sf -H "Authorization: Token $INFLUX_ADMIN_TOKEN" -H 'Content-Type: application/json' "$@"; }

setup() {
  if curl -sf "$URL/api/v2/setup" | grep -q '"allowed": *true'; then
    log "influxdb: onboarding (org $INFLUX_ORG, bucket ${BUCKETS[0]}, operator token)"
    curl -sf -XPOST "$URL/api/v2/setup" -H 'Content-Type: application/json' -d "{\"username\":\"admin\",
      \"password\":\"cryptostream-admin\",\"org\":\"$INFLUX_ORG\",\"bucket\":\"${BUCKETS[0]}\",
      \"token\":\"$INFLUX_ADMIN_TOKEN\"}" >/dev/null || die "influxdb: /api/v2/setup failed"
  fi
  local org_id bucket
  org_id=$(api "$URL/api/v2/orgs?org=$INFLUX_ORG" | sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p' | head -n 1)
  [ -n "$org_id" ] || die "influxdb: org $INFLUX_ORG not found (token $INFLUX_ADMIN_TOKEN rejected?)"
  for bucket in "${BUCKETS[@]}"; do
    api "$URL/api/v2/buckets?orgID=$org_id&name=$bucket" | grep -q "\"name\": *\"$bucket\"" && continue
    api -XPOST "$URL/api/v2/buckets" -d "{\"orgID\":\"$org_id\",\"name\":\"$bucket\",\"retentionRules\":[]}" \
      >/dev/null || die "influxdb: creating bucket $bucket failed"
  done
}

up() {
  if ! keep_running; then
    build
    require_free_ports "$NAME" "$INFLUX_PORT"
    mkdir -p "$DIR"
    log "influxdb: starting influxd on $URL"
    start_ready 60 "$INFLUX_BIN/influxd" --http-bind-address "127.0.0.1:$INFLUX_PORT" \
      --bolt-path "$DIR/influxd.bolt" --engine-path "$DIR/engine" --sqlite-path "$DIR/influxd.sqlite" \
      --reporting-disabled --log-level warn
  fi
  setup
}

status() {
  local pid version buckets
  pid=$(pid_of "$NAME") || { echo "influxdb: DOWN"; return 1; }
  version=$(curl -sfI "$URL/ping" | tr -d '\r' | sed -n 's/^[Xx]-[Ii]nfluxdb-[Vv]ersion: //p') ||
    { echo "influxdb: NOT ANSWERING (pid $pid)"; return 1; }
  buckets=$(api "$URL/api/v2/buckets?org=$INFLUX_ORG" | sed -n 's/^\t\t\t"name": "\(.*\)",$/\1/p' | paste -sd, -)
  echo "influxdb: UP pid=$pid rss=$(rss_mb "$pid")MB version=$version $URL org=$INFLUX_ORG buckets=$buckets"
}

component_main "$@"
