#!/usr/bin/env bash
# Installs and starts everything this project needs on a Debian 12 machine. Idempotent: every step
# checks first and skips what is already done, so it is safe (and fast) to re-run.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# openssh-client and sshpass reach the simulated NAS over SSH with a password; sudo is become on a local host.
APT_PACKAGES=(docker.io docker-compose nginx debootstrap zstd iproute2 iptables ca-certificates curl git make shellcheck
  openssh-client sshpass sudo)

install_apt_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    log "apt: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian starts nginx on install where it can; the simulated NAS runs its own instance.
  if pgrep -f 'nginx: master process /usr/sbin/nginx -g daemon on' >/dev/null 2>&1; then
    nginx -s stop 2>/dev/null || true
  fi
}

install_python_env() {
  local stamp=.venv/.requirements.sha256
  local want
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return
  fi
  log "python: installing requirements.txt into .venv"
  [[ -x .venv/bin/python ]] || python3 -m venv .venv
  mkdir -p .cache
  # pip's chatter goes to a log, shown only when the install fails.
  if ! { .venv/bin/pip install -q --upgrade pip && .venv/bin/pip install -q -r requirements.txt; } >.cache/pip.log 2>&1; then
    cat .cache/pip.log >&2
    exit 1
  fi
  echo "$want" > "$stamp"
}

install_collections() {
  # The checkout is the collection: link it where ansible looks for ankinas.synology.
  mkdir -p .collections/ansible_collections/ankinas
  ln -sfn ../../.. .collections/ansible_collections/ankinas/synology
  # Galaxy is unreachable: take the dependencies from the `ansible` package, offline.
  local site
  site=$(.venv/bin/python -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__path__[-1]))')
  local needed=()
  for coll in community/docker community/library_inventory_filtering_v1; do
    [[ -f .collections/ansible_collections/$coll/MANIFEST.json ]] || needed+=("$site/ansible_collections/$coll")
  done
  if ((${#needed[@]})); then
    log "collections: installing ${needed[*]##*/ansible_collections/} offline"
    .venv/bin/ansible-galaxy collection install --offline --force -p .collections "${needed[@]}" >/dev/null
  fi
}

start_docker() {
  if docker info >/dev/null 2>&1; then
    return
  fi
  log "docker: starting dockerd in the background (log: /var/log/ankinas-dockerd.log)"
  nohup dockerd >/var/log/ankinas-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "dockerd did not start; see /var/log/ankinas-dockerd.log" >&2
  exit 1
}

install_apt_packages
install_python_env
install_collections
start_docker
# make test builds the images in its pytest lane instead (stage "images"), while the lint lane, which needs none, runs.
if [[ ${ANKINAS_SETUP_IMAGES:-1} == 1 && -x scripts/build-images.sh ]]; then
  scripts/build-images.sh
fi
log "ready"
