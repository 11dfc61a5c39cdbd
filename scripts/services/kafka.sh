#!/usr/bin/env bash
# Apache Kafka $KAFKA_VERSION, single-node KRaft (broker + controller) on 127.0.0.1:$KAFKA_PORT.
# Usage: kafka.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=kafka
DIR="$SERVICES_DIR/$NAME"
CONF="$SERVICES_SCRIPTS/kafka"

build() {
  [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] && return 0
  command -v mvn >/dev/null || die "kafka: Maven (mvn) is needed to fetch the jars: apt-get install maven"
  command -v java >/dev/null || die "kafka: Java 17+ is needed: apt-get install openjdk-17-jre-headless"
  log "kafka: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  local stage work
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  stage=$(mktemp -d "$(dirname "$KAFKA_LIBS")/.libs.XXXXXX")
  work=$(mktemp -d)
  cp "$CONF/pom.xml" "$work/pom.xml"
  mvn -q -B -f "$work/pom.xml" package -Dkafka.version="$KAFKA_VERSION" -Dlibs.dir="$stage" \
    >"$work/mvn.log" 2>&1 || { tail -n 40 "$work/mvn.log" >&2; rm -rf "$stage"; die "kafka: mvn failed"; }
  rm -rf "$work"
  install_dir "$KAFKA_LIBS" "$stage"
}

java_opts() {
  echo "-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true -Dlog4j.configuration=file:$CONF/log4j.properties"
}

ready() {
  grep -q 'Kafka Server started' "$DIR/log" && port_in_use "$KAFKA_PORT"
}

up() {
  if pid=$(pid_of "$NAME"); then
    ready || wait_until "$NAME" 120 ready
    log "kafka: running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  build
  require_free_ports "$NAME" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  mkdir -p "$DIR"
  sed -e "s|@DATA@|$DIR/data|" -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$CONF/server.properties" >"$DIR/server.properties"
  if [ ! -f "$DIR/data/meta.properties" ]; then
    [ -f "$DIR/cluster-id" ] || head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$DIR/cluster-id"
    log "kafka: formatting storage (cluster id $(cat "$DIR/cluster-id"))"
    # shellcheck disable=SC2046
    java $(java_opts) -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format -t "$(cat "$DIR/cluster-id")" \
      -c "$DIR/server.properties" --ignore-formatted >"$DIR/format.log" 2>&1 ||
      { cat "$DIR/format.log" >&2; die "kafka: storage format failed"; }
  fi
  log "kafka: starting broker on 127.0.0.1:$KAFKA_PORT"
  # shellcheck disable=SC2046
  start_bg "$NAME" java $(java_opts) -cp "$KAFKA_LIBS/*" kafka.Kafka "$DIR/server.properties"
  wait_until "$NAME" 120 ready
  log "kafka: ready in $(cat "$DIR/ready-seconds")s (pid $(pid_of "$NAME"))"
}

status() {
  local pid
  if ! pid=$(pid_of "$NAME"); then echo "kafka: DOWN"; return 1; fi
  local version described
  # The broker logs its own version at start (AppInfoParser, kept at INFO in log4j.properties).
  version=$(sed -n 's/.*Kafka version: \([^ ]*\).*/\1/p' "$DIR/log" | head -n 1)
  described=$(cd "$SERVICES_ROOT" && node "$SERVICES_SCRIPTS/kafka-describe.mjs" "127.0.0.1:$KAFKA_PORT" 2>"$DIR/status.err") ||
    { echo "kafka: NOT ANSWERING (pid $pid): $(tail -n 3 "$DIR/status.err")"; return 1; }
  echo "kafka: UP pid=$pid rss=$(rss_mb "$pid")MB version=$version 127.0.0.1:$KAFKA_PORT $described"
}

case "${1:-}" in
  build) build ;;
  up) up ;;
  down) stop_pid "$NAME" ;;
  status) status ;;
  *) die "usage: kafka.sh build|up|down|status" ;;
esac
