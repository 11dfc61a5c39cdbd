#!/usr/bin/env bash
# Builds what the Strimzi images hold, from the Strimzi source in ../shared/vendor/strimzi-$STRIMZI_VERSION-src and
# from Maven Central, into ~/.cache (once; later runs skip what exists; a change to this script is a new build):
#   $STRIMZI_BUILD/operator/{bin,lib}   the cluster, topic and user operators and kafka-init, as upstream's operator
#                                       image lays them out (its Makefile unzips the four -dist.zip files into one tree)
#   $STRIMZI_BUILD/agents/              kafka-agent and tracing-agent, which upstream's Kafka image adds to Kafka's libs
#   $STRIMZI_KAFKA_LIBS/                Kafka $STRIMZI_KAFKA_VERSION's broker and tools jars, log4j2 and the
#                                       Kubernetes config provider (kafka-libs.pom.xml)
# Maven's repository is ~/.cache/maven/repository. Usage: build.sh [all|operator|kafka]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Upstream builds with Java 21; Debian 12 has none, and the Temurin 25 JDK of these machines compiles for release 21.
# With a JDK newer than 22 annotation processing is off unless asked for (-proc:full, which maven-compiler-plugin
# passes from 3.12 on); the api module's CRD builders need it. Lombok 1.18.42 is the first to support JDK 25.
# fabric8 7.8.0's openshift-client-api and openshift-model are not served here; Strimzi compiles against 7.7.0.
STRIMZI_JDK=${STRIMZI_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
MAVEN_FLAGS=(
  -B -Dmaven.repo.local="$MAVEN_REPO"
  -Dmaven.test.skip=true -Dcheckstyle.skip -Dspotbugs.skip -Djacoco.skip -Dmaven.javadoc.skip -Dmaven.source.skip
  -Dmdep.analyze.skip
  -Dmaven.compiler.version=3.13.0 -Dmaven.compiler.proc=full -Dlombok.version=1.18.42
  -Dfabric8.kubernetes-client.version=7.7.0 -Dfabric8.openshift-client.version=7.7.0
  -Dfabric8.kubernetes-model.version=7.7.0 -Dfabric8.zjsonpatch.version=7.7.0
)
strimzi_mvn() { JAVA_HOME="$STRIMZI_JDK" PATH="$STRIMZI_JDK/bin:$PATH" mvn "${MAVEN_FLAGS[@]}" "$@"; }

require_tools() {
  command -v mvn >/dev/null || die "strimzi: Maven (mvn) is needed: apt-get install maven"
  [ -x "$STRIMZI_JDK/bin/javac" ] || die "strimzi: a JDK 21 or newer is needed at $STRIMZI_JDK (set STRIMZI_JDK)"
  [ -f "$STRIMZI_SRC/pom.xml" ] || die "strimzi: no Strimzi source at $STRIMZI_SRC"
}

# supported_kafka_versions: the versions kafka-versions.yaml marks supported, as "<version> <maven version>".
supported_kafka_versions() {
  awk '
    function flush() { if (v != "" && s == "true") print v, (m != "" ? m : v); v = m = s = "" }
    /^- version:/ { flush(); v = $3 }
    /^  maven-version:/ { m = $2 }
    /^  supported:/ { s = $2 }
    END { flush() }' "$STRIMZI_SRC/kafka-versions.yaml"
}

# Test-only dependencies that Maven resolves although the tests are skipped, and that are not served here (two
# test libraries and operator-common's test jar, which is not built when tests are skipped): empty jars stand in.
stub_test_dependencies() {
  local work=$1 a
  mkdir -p "$work/stub"
  "$STRIMZI_JDK/bin/jar" cf "$work/stub.jar" -C "$work/stub" .
  for a in io.strimzi:strimzi-test-container:0.116.0: \
    io.strimzi.strimzi-test-connectors:fault-injection-source-connector:0.1.0: \
    "io.strimzi:operator-common:$STRIMZI_VERSION:tests"; do
    IFS=: read -r g n v c <<<"$a"
    strimzi_mvn -q install:install-file -Dfile="$work/stub.jar" -DgroupId="$g" -DartifactId="$n" -Dversion="$v" \
      -Dpackaging=jar ${c:+-Dclassifier="$c"} -DgeneratePom=true
  done
}

compile_operator() {
  local out=$1 src="$1/work/src" v m
  mkdir -p "$1/work"
  cp -a "$STRIMZI_SRC" "$src"
  chmod -R u+w "$src"
  cd "$src"
  # The vendored tree has no systemtest/ (nothing of the operator needs it).
  sed -i '/<module>systemtest<\/module>/d' pom.xml
  stub_test_dependencies "$1/work"
  # The operator validates Kafka configurations against a model of each supported version's broker configs.
  # Upstream's build-config-models.sh reads kafka-versions.yaml with mikefarah's yq; this is its loop.
  strimzi_mvn -pl config-model -am install
  while read -r v m; do
    (cd config-model-generator && strimzi_mvn -Pgenerate-model verify exec:java -Dkafka-metadata-version="$m" \
      -Dconfig-model-file="../cluster-operator/src/main/resources/kafka-$v-config-model.json")
  done < <(supported_kafka_versions)
  # exec.skip: the api module's exec steps write the CRDs, Helm chart files and CRD reference of a release (the
  # vendored tree has neither documentation/ nor packaging/; the CRDs come from ../shared/vendor/strimzi).
  strimzi_mvn -pl cluster-operator,topic-operator,user-operator,kafka-init,kafka-agent,tracing-agent -am package \
    -Dexec.skip=true
  mkdir -p "$out/operator" "$out/agents"
  for m in cluster-operator topic-operator user-operator kafka-init; do
    unzip -qo "docker-images/artifacts/binaries/$m-$STRIMZI_VERSION-dist.zip" -d "$out/operator"
  done
  cp docker-images/operator/scripts/* "$out/operator/bin/"
  cp "kafka-agent/target/kafka-agent-$STRIMZI_VERSION.jar" "tracing-agent/target/tracing-agent-$STRIMZI_VERSION.jar" \
    "$out/agents/"
  # What the Kafka image needs of the tree besides the agents.
  cp -a docker-images/kafka-based/kafka/scripts "$out/kafka-scripts"
  cd "$out"
  rm -rf "$out/work"
}

fetch_kafka_libs() {
  cp "$STRIMZI_SCRIPTS/kafka-libs.pom.xml" "$1/pom.xml"
  strimzi_mvn -q -f "$1/pom.xml" package -Dkafka.version="$STRIMZI_KAFKA_VERSION" -Dlibs.dir="$1/libs"
  mv "$1/libs"/* "$1/"
  rm -rf "$1/pom.xml" "$1/target" "$1/libs"
}

operator() {
  require_tools
  cached_build "$STRIMZI_BUILD" "Strimzi $STRIMZI_VERSION operators and agents (Maven; 5-15 min)" compile_operator
}
kafka() {
  require_tools
  cached_build "$STRIMZI_KAFKA_LIBS" "Kafka $STRIMZI_KAFKA_VERSION jars for the Strimzi Kafka image (Maven Central)" \
    fetch_kafka_libs
}

case "${1:-all}" in
  all) operator; kafka ;;
  operator) operator ;;
  kafka) kafka ;;
  *) die "usage: build.sh [all|operator|kafka]" ;;
esac
