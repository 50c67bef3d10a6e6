#!/usr/bin/env bash
# Builds the images the simulated NAS runs, locally (no registry is reachable here):
#   ankinas/debian:bookworm            - a minimal Debian made with debootstrap, the base of the others
#   jeankhawand/anki-sync-server:TAG   - stand-ins of the public image, one per entry of ANKI_SYNC_SERVER
#   ankinas/simnas-ssh:RECIPE_HASH     - the simulated NAS's SSH host (sshd, sudo, a DSM-like administrator, DSM's
#                                        Python 3.8 without third-party packages)
# Each image carries a label with the hash of its recipe; an image whose label matches is kept.
# Usage: build-images.sh [base|anki-sync-server|simnas-ssh]... (default: all). An image is built FROM the base image
# only when it is out of date itself; then the base is (re)built first if its label does not match. The images FROM
# the base build side by side, each fetching and laying out its context (wheels, DSM's Python) while the base builds.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"
log() { printf '\033[1m[images]\033[0m %s\n' "$*"; }

# One build at a time machine-wide (the images are shared): pytest's workers, molecule and other checkouts
# may call this at once; whoever waits then finds the image current and skips it. A caller waits at most
# ANKINAS_IMAGES_LOCK_TIMEOUT seconds (default 1800), saying who holds the lock (the holder writes it there).
images_lock_file=/tmp/ankinas-images.lock
exec {images_lock}>>"$images_lock_file"
if ! flock -n "$images_lock"; then
  log "waiting for $images_lock_file, held by: $(cat "$images_lock_file" 2>/dev/null || true)"
  if ! flock -w "${ANKINAS_IMAGES_LOCK_TIMEOUT:-1800}" "$images_lock"; then
    echo "the image lock $images_lock_file was not released within ${ANKINAS_IMAGES_LOCK_TIMEOUT:-1800}s;" \
      "held by: $(cat "$images_lock_file" 2>/dev/null || echo 'unknown')" >&2
    exit 1
  fi
fi
printf 'pid %s (%s, since %s)\n' "$$" "$ANKINAS_ROOT" "$(date '+%F %T')" >"$images_lock_file"

# recipe_hash FILE...: a short hash of the files (and their names) that make an image.
recipe_hash() { sha256sum "$@" | sha256sum | cut -c1-16; }
# function_hash NAME...: a short hash of shell functions' code, so that an edit elsewhere in this
# script does not rebuild an image.
function_hash() { declare -f "$@" | sha256sum | cut -c1-16; }

# The stand-ins of jeankhawand/anki-sync-server, as TAG=ANKI_VERSION (the PyPI version of the server).
# 25.07 is what the collection deploys; 25.09 is there for upgrade tests.
ANKI_SYNC_SERVER=(25.07=25.7.5 25.09=25.9.5)

image_is_current() { # image hash
  [[ $(docker image inspect -f '{{ index .Config.Labels "org.ankinas.recipe" }}' "$1" 2>/dev/null) == "$2" ]]
}

# build_base: the base image when it is out of date. The images FROM it are built side by side (the end of this
# script); the first of them to find the base out of date builds it while the others wait for it.
build_base() {
  (
    flock 9
    build_base_image
  ) 9>"$base_lock_file"
}
build_base_image() {
  local image=ankinas/debian:bookworm hash
  hash=$(base_hash)
  image_is_current "$image" "$hash" && return
  log "building $image (debootstrap, about a minute)"
  local work
  work=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$work/rootfs" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    exit 1
  }
  tar -C "$work/rootfs" -c . | docker import - ankinas/debian:rootfs >/dev/null
  rm -rf "$work"
  docker build -q --label "org.ankinas.recipe=$hash" -t "$image" tests/images/base >/dev/null
}

base_hash() { echo "$(recipe_hash tests/images/base/Dockerfile)$(function_hash build_base_image)" | cut -c1-16; }

# download_wheels VERSION DIR: the wheels of anki==VERSION and its dependencies for the image's Python
# (Debian bookworm: CPython 3.11, glibc 2.36), fetched on the host (pip inside a build has no CA set up).
download_wheels() {
  local version=$1 dir=$2 arch platforms=()
  [[ -f $dir/.complete ]] && return
  arch=$(uname -m)
  # pip does not widen a --platform manylinux_2_36 to older glibc tags itself: list them.
  for minor in $(seq 36 -1 17); do platforms+=(--platform "manylinux_2_${minor}_$arch"); done
  platforms+=(--platform "manylinux2014_$arch")
  rm -rf "$dir"
  mkdir -p "$dir"
  log "downloading the wheels of anki==$version"
  pip download -q --disable-pip-version-check --only-binary=:all: --implementation cp --python-version 3.11 \
    "${platforms[@]}" -d "$dir" "anki==$version" 2> >(grep -v '^WARNING: Location' >&2)
  touch "$dir/.complete"
}

# build_anki_sync_server TAG VERSION: jeankhawand/anki-sync-server:TAG with anki==VERSION, built FROM
# ankinas/debian:bookworm in a context under .cache/ (the recipe plus the wheels; not committed).
build_anki_sync_server() {
  local tag=$1 version=$2 recipe=tests/images/anki-sync-server hash
  local image=jeankhawand/anki-sync-server:$tag context=.cache/images/anki-sync-server-$version
  hash=$(echo "$version $(base_hash) $(recipe_hash "$recipe/Dockerfile" "$recipe/entrypoint.sh")" \
    "$(function_hash download_wheels build_anki_sync_server)" | sha256sum | cut -c1-16)
  image_is_current "$image" "$hash" && return
  # The download overlaps the base's debootstrap.
  download_wheels "$version" "$context/wheels"
  cp "$recipe/Dockerfile" "$recipe/entrypoint.sh" "$context/"
  build_base
  log "building $image (anki $version)"
  docker build -q --label "org.ankinas.recipe=$hash" --build-arg "ANKI_VERSION=$version" -t "$image" \
    "$context" >/dev/null
}

# nas_python DIR: DSM's Python for the simulated NAS, laid out under DIR as DSM has it under /usr (bin/python3.8,
# lib/libpython3.8.so.1.0, lib/python3.8): this machine's pyenv build of 3.8 (no registry serves one), without its
# tests, its site-packages (pip, setuptools) or ensurepip, none of which a NAS has.
NAS_PYTHON=3.8
# nas_python_prefix: the newest pyenv build of $NAS_PYTHON (empty when there is none).
nas_python_prefix() {
  local builds=("${PYENV_ROOT:-$HOME/.pyenv}/versions/$NAS_PYTHON".*)
  [[ -e ${builds[0]} ]] && printf '%s\n' "${builds[@]}" | sort -V | tail -n 1
}
nas_python() {
  local dir=$1 prefix
  prefix=$(nas_python_prefix)
  if [[ ! -x $prefix/bin/python$NAS_PYTHON ]]; then
    echo "no Python $NAS_PYTHON to give the simulated NAS: install it with pyenv (pyenv install $NAS_PYTHON)" >&2
    exit 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir/bin" "$dir/lib"
  cp "$prefix/bin/python$NAS_PYTHON" "$dir/bin/"
  cp "$prefix/lib/libpython$NAS_PYTHON.so.1.0" "$dir/lib/"
  tar -C "$prefix/lib" -c --exclude="python$NAS_PYTHON/test" --exclude="python$NAS_PYTHON/site-packages/*" \
    --exclude="python$NAS_PYTHON/ensurepip" --exclude="python$NAS_PYTHON/config-*" --exclude="python$NAS_PYTHON/idlelib" \
    --exclude="python$NAS_PYTHON/tkinter" --exclude="python$NAS_PYTHON/turtledemo" --exclude='_tkinter*' \
    "python$NAS_PYTHON" | tar -C "$dir/lib" -x
  "$prefix/bin/python$NAS_PYTHON" -VV >"$dir/.version"
}

# build_simnas_ssh: the simulated NAS's SSH host, FROM the base image, with DSM's Python (nas_python). Its tag is its
# recipe's hash, so checkouts with different recipes (branches) each keep their own; the tag this checkout uses is
# written to .cache/images/simnas-ssh.image, where simnas.sshnas reads it.
build_simnas_ssh() {
  local recipe=tests/images/simnas-ssh hash image context=.cache/images/simnas-ssh python_build
  python_build=$(nas_python_prefix)
  hash=$(echo "$(base_hash) $(recipe_hash "$recipe/Dockerfile" "$recipe/entrypoint.sh") ${python_build##*/}" \
    "$(function_hash build_simnas_ssh nas_python nas_python_prefix)" | sha256sum | cut -c1-16)
  image=ankinas/simnas-ssh:$hash
  if ! image_is_current "$image" "$hash"; then
    rm -rf "$context"
    mkdir -p "$context"
    nas_python "$context/python3.8"
    cp "$recipe/Dockerfile" "$recipe/entrypoint.sh" "$context/"
    build_base
    log "building $image (sshd, sudo, DSM's Python $NAS_PYTHON)"
    docker build -q --label "org.ankinas.recipe=$hash" -t "$image" "$context" >/dev/null
    rm -rf "$context"
  fi
  mkdir -p .cache/images
  echo "$image" >.cache/images/simnas-ssh.image
}

(($#)) || set -- base anki-sync-server simnas-ssh
# Every name is checked before the first build: a wrong one must not leave builds running in the background.
for what in "$@"; do
  if [[ ! $what =~ ^(base|anki-sync-server|simnas-ssh)$ ]]; then
    echo "unknown image '$what' (known: base, anki-sync-server, simnas-ssh)" >&2
    exit 2
  fi
done
base_lock_file=$(mktemp)
trap 'rm -f "$base_lock_file"' EXIT
# The images FROM the base do not depend on each other: they build side by side (a fresh machine builds all of them,
# each mostly on one core), and the script fails when any of them failed.
builds=()
for what in "$@"; do
  case $what in
    base) build_base ;;
    anki-sync-server)
      for entry in "${ANKI_SYNC_SERVER[@]}"; do
        build_anki_sync_server "${entry%%=*}" "${entry#*=}" &
        builds+=($!)
      done
      ;;
    simnas-ssh)
      build_simnas_ssh &
      builds+=($!)
      ;;
  esac
done
failed=0
for build in "${builds[@]}"; do
  wait "$build" || failed=1
done
exit "$failed"
