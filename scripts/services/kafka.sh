#!/usr/bin/env bash
# Apache Kafka $KAFKA_VERSION, single-node KRaft (broker + controller) on $KAFKA_HOST:$KAFKA_PORT (127.0.0.1 unless
# CRYPTOSTREAM_KAFKA_HOST names another local address: the one-node cluster's pods use one on the node address).
# Usage: kafka.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=kafka
DIR="$SERVICES_DIR/$NAME"
CONF="$SERVICES_SCRIPTS/kafka"

# Resolves the broker's jars with Maven (scripts/services/kafka/pom.xml); nothing is compiled.
fetch() {
  command -v mvn >/dev/null || die "kafka: Maven (mvn) is needed to fetch the jars: apt-get install maven"
  cp "$CONF/pom.xml" "$1/pom.xml"
  mvn -q -B -f "$1/pom.xml" package -Dkafka.version="$KAFKA_VERSION" -Dlibs.dir="$1/libs"
  rm -rf "$1/pom.xml" "$1/target"
}
build() {
  command -v java >/dev/null || die "kafka: Java 17+ is needed: apt-get install openjdk-17-jre-headless"
  cached_build "$(dirname "$KAFKA_LIBS")" "Kafka $KAFKA_VERSION jars (Maven Central)" fetch
}

java_opts() {
  echo "-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true -Dlog4j.configuration=file:$CONF/log4j.properties"
}

ready() {
  grep -q 'Kafka Server started' "$DIR/log" && port_in_use "$KAFKA_PORT" "$KAFKA_HOST"
}

up() {
  keep_running && return 0
  build
  require_free_ports "$NAME" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  mkdir -p "$DIR"
  sed -e "s|@DATA@|$DIR/data|" -e "s|@HOST@|$KAFKA_HOST|g" -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$CONF/server.properties" >"$DIR/server.properties"
  if [ ! -f "$DIR/data/meta.properties" ]; then
    [ -f "$DIR/cluster-id" ] || head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$DIR/cluster-id"
    log "kafka: formatting storage (cluster id $(cat "$DIR/cluster-id"))"
    # --cluster-id=ID, not -t ID: a random ID may start with "-", which the tool would read as an option.
    # shellcheck disable=SC2046
    java $(java_opts) -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format --cluster-id="$(cat "$DIR/cluster-id")" \
      -c "$DIR/server.properties" --ignore-formatted >"$DIR/format.log" 2>&1 ||
      { cat "$DIR/format.log" >&2; die "kafka: storage format failed"; }
  fi
  log "kafka: starting broker on $KAFKA_HOST:$KAFKA_PORT"
  # shellcheck disable=SC2046
  start_ready 120 java $(java_opts) -cp "$KAFKA_LIBS/*" kafka.Kafka "$DIR/server.properties"
}

status() {
  local pid version described
  pid=$(pid_of "$NAME") || { echo "kafka: DOWN"; return 1; }
  # The broker logs its own version at start (AppInfoParser, kept at INFO in log4j.properties).
  version=$(sed -n 's/.*Kafka version: \([^ ]*\).*/\1/p' "$DIR/log" | head -n 1)
  described=$(cd "$SERVICES_ROOT" && node "$SERVICES_SCRIPTS/kafka-describe.mjs" "$KAFKA_HOST:$KAFKA_PORT" 2>"$DIR/status.err") ||
    { echo "kafka: NOT ANSWERING (pid $pid): $(tail -n 3 "$DIR/status.err")"; return 1; }
  echo "kafka: UP pid=$pid rss=$(rss_mb "$pid")MB version=$version $KAFKA_HOST:$KAFKA_PORT $described"
}

component_main "$@"
