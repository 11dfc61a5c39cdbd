#!/usr/bin/env bash
# kube-apiserver $KUBERNETES_VERSION on https://127.0.0.1:$APISERVER_PORT (etcd storage, token auth: the admin token
# is in group system:masters; self-signed serving cert in .services/kube-apiserver/pki). Writes the kubeconfig
# .services/kubeconfig and applies the Strimzi, KEDA and Prometheus Operator (PodMonitor) CRDs. Usage: kube-apiserver.sh build|up|down|status
set -euo pipefail
. "$(dirname "$0")/lib.sh"
NAME=kube-apiserver
DIR="$SERVICES_DIR/$NAME"
URL="https://127.0.0.1:$APISERVER_PORT"
STRIMZI_CRDS="$SERVICES_ROOT/../shared/vendor/strimzi/$STRIMZI_VERSION/install/cluster-operator"
KEDA_CRDS="$CACHE_HOME/keda-crds/$KEDA_VERSION"
# The KEDA CRDs the operator creates objects of (KEDA's other CRDs are not needed).
KEDA_CRD_FILES=(keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml)
PROMETHEUS_OPERATOR_CRDS="$CACHE_HOME/prometheus-operator-crds/$PROMETHEUS_OPERATOR_VERSION"
# The Prometheus Operator CRD the operator creates objects of, where it is served (monitoring/podMonitor.ts).
PROMETHEUS_OPERATOR_CRD_FILES=(monitoring.coreos.com_podmonitors.yaml)

compile() { compile_kubernetes "$1" kube-apiserver kube-controller-manager kubectl; }
# KEDA's module from the Go module proxy (checked against the checksum database), its CRDs copied out.
fetch_keda_crds() {
  local out=$1 dir f
  dir=$(cd "$(mktemp -d)" && go mod download -json "github.com/kedacore/keda/v2@v$KEDA_VERSION" |
    sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$dir" ] || die "the Go module proxy did not serve github.com/kedacore/keda/v2@v$KEDA_VERSION"
  for f in "${KEDA_CRD_FILES[@]}"; do cp "$dir/config/crd/bases/$f" "$out/"; done
}

# The Prometheus Operator's module from the Go module proxy (checked against the checksum database), its
# PodMonitor CRD copied out.
fetch_prometheus_operator_crds() {
  local out=$1 dir f module=github.com/prometheus-operator/prometheus-operator
  dir=$(cd "$(mktemp -d)" && go mod download -json "$module@v$PROMETHEUS_OPERATOR_VERSION" |
    sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$dir" ] || die "the Go module proxy did not serve $module@v$PROMETHEUS_OPERATOR_VERSION"
  for f in "${PROMETHEUS_OPERATOR_CRD_FILES[@]}"; do cp "$dir/example/prometheus-operator-crd/$f" "$out/"; done
}

build() {
  cached_build "$KUBE_BIN" "Kubernetes v$KUBERNETES_VERSION (kube-apiserver, kube-controller-manager, kubectl; 6-10 min)" \
    compile
  keda_crds
  prometheus_operator_crds
}
keda_crds() { cached_build "$KEDA_CRDS" "KEDA $KEDA_VERSION CRDs (Go module download)" fetch_keda_crds; }
prometheus_operator_crds() {
  cached_build "$PROMETHEUS_OPERATOR_CRDS" \
    "Prometheus Operator $PROMETHEUS_OPERATOR_VERSION PodMonitor CRD (Go module download)" \
    fetch_prometheus_operator_crds
}

ready() { curl -sfk -H "Authorization: Bearer $KUBE_ADMIN_TOKEN" "$URL/readyz" >/dev/null; }

write_kubeconfig() {
  local tmp="$KUBECONFIG_FILE.tmp"
  cat >"$tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: services
    cluster:
      server: $URL
      certificate-authority: $DIR/pki/apiserver.crt
contexts:
  - name: services
    context:
      cluster: services
      user: admin
      namespace: default
current-context: services
users:
  - name: admin
    user:
      token: $KUBE_ADMIN_TOKEN
KUBECONFIG
  mv "$tmp" "$KUBECONFIG_FILE"
}

# apply_crds <what> <log name> -f <file>...: applies CRDs server-side and waits until they are Established.
apply_crds() {
  local what=$1 logfile="$DIR/$2.log"
  shift 2
  "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" apply --server-side --field-manager=services-up \
    --force-conflicts "$@" >"$logfile" 2>&1 ||
    { cat "$logfile" >&2; die "kube-apiserver: applying the $what failed"; }
  "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" wait --for condition=Established --timeout=60s \
    "$@" >>"$logfile" 2>&1 ||
    { cat "$logfile" >&2; die "kube-apiserver: $what not Established"; }
  log "kube-apiserver: $what applied (server-side) and Established"
}

apply_strimzi_crds() {
  [ -d "$STRIMZI_CRDS" ] || die "kube-apiserver: Strimzi CRDs not found in $STRIMZI_CRDS"
  local files=() f
  for f in "$STRIMZI_CRDS"/04*-Crd-*.yaml; do files+=(-f "$f"); done
  apply_crds "Strimzi $STRIMZI_VERSION CRDs" strimzi-crds "${files[@]}"
}

apply_keda_crds() {
  local files=() f
  keda_crds
  for f in "${KEDA_CRD_FILES[@]}"; do files+=(-f "$KEDA_CRDS/$f"); done
  apply_crds "KEDA $KEDA_VERSION CRDs" keda-crds "${files[@]}"
}

apply_prometheus_operator_crds() {
  local files=() f
  prometheus_operator_crds
  for f in "${PROMETHEUS_OPERATOR_CRD_FILES[@]}"; do files+=(-f "$PROMETHEUS_OPERATOR_CRDS/$f"); done
  apply_crds "Prometheus Operator $PROMETHEUS_OPERATOR_VERSION PodMonitor CRD" prometheus-operator-crds "${files[@]}"
}

up() {
  if ! keep_running; then
    build
    require_free_ports "$NAME" "$APISERVER_PORT"
    mkdir -p "$DIR/pki"
    if [ ! -f "$DIR/pki/sa.key" ]; then
      openssl genrsa -out "$DIR/pki/sa.key" 2048 2>/dev/null
      openssl rsa -in "$DIR/pki/sa.key" -pubout -out "$DIR/pki/sa.pub" 2>/dev/null
    fi
    printf '%s,admin,admin,"system:masters"\n' "$KUBE_ADMIN_TOKEN" >"$DIR/tokens.csv"
    log "kube-apiserver: starting on $URL"
    start_ready 120 "$KUBE_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
      --cert-dir="$DIR/pki" --secure-port="$APISERVER_PORT" --bind-address=127.0.0.1 \
      --advertise-address=127.0.0.1 --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
      --authorization-mode=RBAC --token-auth-file="$DIR/tokens.csv" \
      --service-account-issuer="$URL" --service-account-key-file="$DIR/pki/sa.pub" \
      --service-account-signing-key-file="$DIR/pki/sa.key" --enable-priority-and-fairness=false \
      --profiling=false --v=0
  fi
  write_kubeconfig
  apply_strimzi_crds
  apply_keda_crds
  apply_prometheus_operator_crds
}

status() {
  local pid version
  pid=$(pid_of "$NAME") || { echo "kube-apiserver: DOWN"; return 1; }
  version=$(curl -sfk -H "Authorization: Bearer $KUBE_ADMIN_TOKEN" "$URL/version" |
    sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p') || { echo "kube-apiserver: NOT ANSWERING (pid $pid)"; return 1; }
  ready || { echo "kube-apiserver: NOT READY (pid $pid)"; return 1; }
  echo "kube-apiserver: UP pid=$pid rss=$(rss_mb "$pid")MB gitVersion=$version $URL kubeconfig=$KUBECONFIG_FILE"
}

component_main "$@"
