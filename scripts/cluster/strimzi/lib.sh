# shellcheck shell=bash
# Shared names of scripts/cluster/strimzi/*: the Strimzi source, what is built from it and where. Sourced, not run.
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
STRIMZI_SCRIPTS="$CLUSTER_SCRIPTS/strimzi"
STRIMZI_SRC="$SERVICES_ROOT/../shared/vendor/strimzi-$STRIMZI_VERSION-src"
STRIMZI_INSTALL="$SERVICES_ROOT/../shared/vendor/strimzi/$STRIMZI_VERSION/install/cluster-operator"
MAVEN_REPO="$CACHE_HOME/maven/repository"
# Built output is named by its recipe: a change to build.sh or to the pom is a new build.
STRIMZI_BUILD="$CACHE_HOME/strimzi/$STRIMZI_VERSION-$(sha256sum "$STRIMZI_SCRIPTS/build.sh" | cut -c1-12)"
STRIMZI_KAFKA_LIBS="$CACHE_HOME/strimzi-kafka/$STRIMZI_KAFKA_VERSION-$(sha256sum "$STRIMZI_SCRIPTS/kafka-libs.pom.xml" | cut -c1-12)"
