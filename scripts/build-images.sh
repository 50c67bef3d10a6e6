#!/usr/bin/env bash
# Builds the images the simulated NAS runs, locally (no registry is reachable here):
#   ankinas/debian:bookworm   - a minimal Debian made with debootstrap, the base of the others
# Each image carries a label with the hash of its recipe; an image whose label matches is kept.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

log() { printf '\033[1m[images]\033[0m %s\n' "$*"; }

# recipe_hash FILE...: a short hash of the files (and their names) that make an image.
recipe_hash() { sha256sum "$@" | sha256sum | cut -c1-16; }

image_is_current() { # image hash
  [[ $(docker image inspect -f '{{ index .Config.Labels "org.ankinas.recipe" }}' "$1" 2>/dev/null) == "$2" ]]
}

build_base() {
  local image=ankinas/debian:bookworm hash
  hash=$(recipe_hash tests/images/base/Dockerfile scripts/build-images.sh)
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

build_base
