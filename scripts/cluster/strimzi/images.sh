#!/usr/bin/env bash
# The Strimzi images of the one-node cluster, built like the others (scripts/cluster/images.sh: buildah, named by
# a hash of their inputs, nothing pulled), from what build.sh made:
#   localhost/debian:trixie-minbase                         debootstrap, as the bookworm base
#   localhost/strimzi/base:$STRIMZI_VERSION                 base.Containerfile: OpenJDK 21, openssl, tini
#   localhost/strimzi/operator:$STRIMZI_VERSION             operator.Containerfile: cluster, topic and user operators
#   localhost/strimzi/kafka:$STRIMZI_VERSION-kafka-$STRIMZI_KAFKA_VERSION   kafka.Containerfile
# Writes .services/cluster/strimzi-images.env (STRIMZI_OPERATOR_IMAGE, STRIMZI_KAFKA_IMAGE and their _ARCHIVE).
# Usage: images.sh build
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../images.sh
. "$CLUSTER_SCRIPTS/images.sh"

STRIMZI_BASE_REF="localhost/strimzi/base:$STRIMZI_VERSION"
STRIMZI_OPERATOR_REF="localhost/strimzi/operator:$STRIMZI_VERSION"
STRIMZI_KAFKA_REF="localhost/strimzi/kafka:$STRIMZI_VERSION-kafka-$STRIMZI_KAFKA_VERSION"
KAFKA_SCRIPTS="$SERVICES_ROOT/../shared/vendor/kafka-scripts"

# containerfile_build REF STAGE FILE [ARG=VALUE...]: buildah bud of $STRIMZI_SCRIPTS/FILE on the context
# STAGE/work/context (filled by the caller).
containerfile_build() {
  local ref=$1 stage=$2 file=$3 a args=()
  shift 3
  for a in "$@"; do args+=(--build-arg "$a"); done
  buildah bud --pull=never --network host --isolation oci -f "$STRIMZI_SCRIPTS/$file" "${args[@]}" \
    -t "$ref" "$stage/work/context"
}

build_base() {
  mkdir -p "$2/work/context"
  containerfile_build "$1" "$2" base.Containerfile "BASE=$TRIXIE_REF"
}

build_operator() {
  local ctx="$2/work/context"
  mkdir -p "$ctx"
  cp -a "$STRIMZI_BUILD/operator/bin" "$STRIMZI_BUILD/operator/lib" "$ctx/"
  containerfile_build "$1" "$2" operator.Containerfile "BASE=$STRIMZI_BASE_REF" "strimzi_version=$STRIMZI_VERSION"
}

build_kafka() {
  local ctx="$2/work/context"
  mkdir -p "$ctx/kafka/libs"
  cp -a "$KAFKA_SCRIPTS/bin" "$KAFKA_SCRIPTS/config" "$ctx/kafka/"
  cp "$STRIMZI_KAFKA_LIBS"/*.jar "$STRIMZI_BUILD/agents"/*.jar "$ctx/kafka/libs/"
  cp -a "$STRIMZI_BUILD/kafka-scripts" "$ctx/scripts"
  containerfile_build "$1" "$2" kafka.Containerfile "BASE=$STRIMZI_BASE_REF" \
    "strimzi_version=$STRIMZI_VERSION" "KAFKA_VERSION=$STRIMZI_KAFKA_VERSION"
}

build_strimzi_images() {
  local trixie trixie_id base operator kafka base_id
  bash "$STRIMZI_SCRIPTS/build.sh" all
  images_prepare
  TRIXIE_REF=localhost/debian:trixie-minbase
  trixie=$(DEBIAN_SUITE=trixie DEBIAN_REF=$TRIXIE_REF debian_image)
  trixie_id=$(use_archive "$trixie")
  base=$(image_build "strimzi-base-$STRIMZI_VERSION" "$STRIMZI_BASE_REF" "$(
    { recipe_of build_base containerfile_build save_image; echo "$trixie_id"
      file_hash "$STRIMZI_SCRIPTS/base.Containerfile"; } | hash_of
  )" build_base)
  base_id=$(use_archive "$base")
  operator=$(image_build "strimzi-operator-$STRIMZI_VERSION" "$STRIMZI_OPERATOR_REF" "$(
    { recipe_of build_operator containerfile_build save_image; echo "$base_id"
      file_hash "$STRIMZI_SCRIPTS/operator.Containerfile"; context_hash "$STRIMZI_BUILD/operator"; } | hash_of
  )" build_operator)
  kafka=$(image_build "strimzi-kafka-$STRIMZI_VERSION-$STRIMZI_KAFKA_VERSION" "$STRIMZI_KAFKA_REF" "$(
    { recipe_of build_kafka containerfile_build save_image; echo "$base_id"
      file_hash "$STRIMZI_SCRIPTS/kafka.Containerfile"; context_hash "$STRIMZI_KAFKA_LIBS"; context_hash "$STRIMZI_BUILD/agents"
      context_hash "$STRIMZI_BUILD/kafka-scripts"; context_hash "$KAFKA_SCRIPTS"; } | hash_of
  )" build_kafka)
  write_env "$CLUSTER_DIR/strimzi-images.env" \
    "STRIMZI_OPERATOR_IMAGE=$STRIMZI_OPERATOR_REF" "STRIMZI_OPERATOR_IMAGE_ARCHIVE=$operator" \
    "STRIMZI_KAFKA_IMAGE=$STRIMZI_KAFKA_REF" "STRIMZI_KAFKA_IMAGE_ARCHIVE=$kafka"
  log "images: Strimzi images built; refs and archives in $CLUSTER_DIR/strimzi-images.env"
}

case "${1:-}" in
  build) build_strimzi_images ;;
  *) die "usage: images.sh build" ;;
esac
