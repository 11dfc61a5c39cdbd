# shellcheck shell=bash
# Shared helpers of scripts/services/*: paths, ports, pid files, readiness waits. Sourced, not run.
SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# CRYPTOSTREAM_SERVICES_DIR and the CRYPTOSTREAM_*_PORT variables start a second, independent instance (the
# outage tests run their own Kafka and InfluxDB this way, so killing them disturbs nothing else).
SERVICES_DIR="${CRYPTOSTREAM_SERVICES_DIR:-$SERVICES_ROOT/.services}"
SERVICES_SCRIPTS="$SERVICES_ROOT/scripts/services"
# shellcheck source=../versions.env
. "$SERVICES_ROOT/scripts/versions.env"
CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"
export GOTOOLCHAIN=local CGO_ENABLED=0

# Fixed loopback ports (all bound to 127.0.0.1 only).
KAFKA_HOST=${CRYPTOSTREAM_KAFKA_HOST:-127.0.0.1}
KAFKA_PORT=${CRYPTOSTREAM_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${CRYPTOSTREAM_KAFKA_CONTROLLER_PORT:-19093}
INFLUX_PORT=${CRYPTOSTREAM_INFLUX_PORT:-18086}
ETCD_PORT=12379
ETCD_PEER_PORT=12380
APISERVER_PORT=16443
KCM_PORT=10257
KUBE_ADMIN_TOKEN=cryptostream-admin-token
INFLUX_ORG=cryptostream
INFLUX_ADMIN_TOKEN=cryptostream-influx-admin-token

KUBE_BIN="$CACHE_HOME/kubernetes/$KUBERNETES_VERSION"
ETCD_BIN="$CACHE_HOME/etcd/$ETCD_VERSION"
HELM_BIN="$CACHE_HOME/helm/$HELM_VERSION"
INFLUX_BIN="$CACHE_HOME/influxd/$INFLUXDB_VERSION"
KAFKA_LIBS="$CACHE_HOME/kafka/$KAFKA_VERSION/libs"
KUBECONFIG_FILE="$SERVICES_DIR/kubeconfig"

# LOG_TAG names the messages' source (scripts/cluster/lib.sh sets it to cluster).
LOG_TAG=${LOG_TAG:-services}
log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

# pid_of NAME: prints the pid recorded for NAME if that process is alive, else nothing (exit 1).
pid_of() {
  local f="$SERVICES_DIR/$1/pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  # Alive and still ours (every command line started here names a path under .services/).
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$SERVICES_DIR/"; then
    echo "$pid"
    return 0
  fi
  return 1
}

# port_in_use PORT [HOST]: true when something listens on HOST:PORT (HOST 127.0.0.1 unless given).
port_in_use() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# require_free_ports NAME PORT...: the component is not running, so its ports must be free.
require_free_ports() {
  local name=$1 p owner; shift
  for p in "$@"; do
    if port_in_use "$p"; then
      owner=$(ss -Hltnp "sport = :$p" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -1)
      die "$name: port 127.0.0.1:$p is already used by another process${owner:+ ($owner)}; stop it or free the port"
    fi
  done
}

# start_bg NAME CMD...: starts CMD detached in its own session, logs to .services/NAME/log, records the pid.
start_bg() {
  local name=$1; shift
  mkdir -p "$SERVICES_DIR/$name"
  [ -f "$SERVICES_DIR/$name/log" ] && mv "$SERVICES_DIR/$name/log" "$SERVICES_DIR/$name/log.prev"
  setsid "$@" >>"$SERVICES_DIR/$name/log" 2>&1 </dev/null &
  echo $! >"$SERVICES_DIR/$name/pid"
  date +%s.%N >"$SERVICES_DIR/$name/started"
}

# wait_until NAME SECONDS CMD...: polls CMD every 0.25 s; fails with the log tail on timeout or crash.
# The crash check is the recorded pid alive (`kill -0`, not a zombie), not `pid_of`: the process was
# just started (or just recognized by `pid_of`), and until `setsid` has exec'd the command its command
# line is still this script's, which `pid_of` does not take for ours (a kube-scheduler started under
# load was declared dead that way while it came up).
wait_until() {
  local name=$1 secs=$2 i pid; shift 2
  pid=$(cat "$SERVICES_DIR/$name/pid")
  for ((i = 0; i < secs * 4; i++)); do
    if "$@" >/dev/null 2>&1; then
      local started="$SERVICES_DIR/$name/started" took="$SERVICES_DIR/$name/ready-seconds"
      if [ ! -f "$took" ] || [ "$started" -nt "$took" ]; then
        awk -v a="$(cat "$started")" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }' >"$took"
      fi
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
      tail -n 30 "$SERVICES_DIR/$name/log" >&2 || true
      die "$name exited during start (log: .services/$name/log)"
    fi
    sleep 0.25
  done
  tail -n 30 "$SERVICES_DIR/$name/log" >&2 || true
  die "$name did not become ready within ${secs}s (log: .services/$name/log)"
}

# stop_pid NAME: SIGTERM the recorded process, wait up to 20 s for it to exit, then SIGKILL.
stop_pid() {
  local name=$1 pid i
  if pid=$(pid_of "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 80; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
    log "$name stopped (pid $pid)"
  fi
  rm -f "$SERVICES_DIR/$name/pid"
}

rss_mb() { ps -o rss= -p "$1" 2>/dev/null | awk '{ printf "%d", $1 / 1024 }'; }

# cached_build DIR LABEL FUNCTION: unless DIR exists, runs FUNCTION STAGE (which must put its output into the
# empty directory STAGE; its output goes to DIR/../build-<version>.log) and then moves STAGE to DIR, last.
cached_build() {
  local dir=$1 label=$2 fn=$3 stage buildlog
  [ -d "$dir" ] && return 0
  mkdir -p "$(dirname "$dir")"
  buildlog="$(dirname "$dir")/build-$(basename "$dir").log"
  log "building $label (first run on this machine; log: $buildlog)"
  stage=$(mktemp -d "$dir.build.XXXXXX")
  # Not `if ! (...)`: errexit is off inside a condition, so a failing step in the middle would go unnoticed.
  local rc=0
  set +e
  (set -e; "$fn" "$stage") >"$buildlog" 2>&1
  rc=$?
  set -e
  if [ "$rc" != 0 ]; then
    tail -n 40 "$buildlog" >&2
    rm -rf "$stage"
    die "building $label failed (log: $buildlog)"
  fi
  chmod 755 "$stage"
  mv "$stage" "$dir"
  log "$label built into $dir"
}

# k8s.io/kubernetes requires its staging modules at v0.0.0 through ./staging replaces, which `go install` refuses
# and a dependent module ignores: a throwaway module replaces each of them by its published v0.Y.Z instead, and
# the version ldflags make /version report the release (Helm reads it for .Capabilities.KubeVersion).
# compile_kubernetes OUT CMD...: builds k8s.io/kubernetes/cmd/CMD for each CMD into OUT.
compile_kubernetes() {
  local out=$1 v=$KUBERNETES_VERSION gomod staging m ld p b
  shift
  local bins=("$@")
  cd "$(mktemp -d)"
  go mod init example.invalid/k8s-bins
  gomod=$(go mod download -json "k8s.io/kubernetes@v$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  staging=$(sed -n 's|^[[:space:]]*\(k8s.io/[A-Za-z0-9._-]*\) => \./staging/.*|\1|p' "$gomod")
  [ -n "$staging" ] || die "no staging replaces found in $gomod"
  for m in $staging; do go mod edit -replace="$m=$m@v0.${v#1.}"; done
  go mod edit -require="k8s.io/kubernetes@v$v"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for b in "${bins[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
    printf ')\n'
  } >tools.go
  go mod tidy
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$v -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$v" | cut -d. -f2)"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  go build -trimpath -ldflags "$ld" -o "$out/" "${bins[@]/#/k8s.io/kubernetes/cmd/}"
}

# keep_running: when the component's recorded process is alive, waits until it answers and returns 0.
# Components define NAME and ready().
keep_running() {
  local pid
  pid=$(pid_of "$NAME") || return 1
  wait_until "$NAME" 120 ready
  log "$NAME: running (pid $pid)"
}

# start_ready SECONDS CMD...: starts the component's server and waits until ready() (at most SECONDS).
start_ready() {
  local secs=$1
  shift
  start_bg "$NAME" "$@"
  wait_until "$NAME" "$secs" ready
  log "$NAME: ready in $(cat "$SERVICES_DIR/$NAME/ready-seconds")s (pid $(pid_of "$NAME"))"
}

# component_main ARG: the command line of every component script (functions build, up, status; down by pid).
component_main() {
  case "${1:-}" in
    build | up | status) "$1" ;;
    down) stop_pid "$NAME" ;;
    *) die "usage: $NAME.sh build|up|down|status" ;;
  esac
}
