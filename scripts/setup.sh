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

# The collections the tests and molecule use besides this one: community.docker (and the collection it needs) and
# ansible.posix (its json stdout callback, which the status tests read; ansible.builtin.json redirects there). Galaxy
# is unreachable: they come from the `ansible` package's wheel, downloaded and unpacked, never installed (installing
# it put some 30,000 files into .venv and compiled them: half of the setup's CPU, 17 of 32 CPU-s). The stamp names the
# wheel and the collections, so a new pin or a new collection reinstalls them.
COLLECTIONS_WHEEL=ansible==12.3.0
COLLECTIONS=(community/docker community/library_inventory_filtering_v1 ansible/posix)

install_collections() {
  # The checkout is the collection: link it where ansible looks for ankinas.synology.
  mkdir -p .collections/ansible_collections/ankinas
  ln -sfn ../../.. .collections/ansible_collections/ankinas/synology
  local stamp=.collections/.source want="$COLLECTIONS_WHEEL ${COLLECTIONS[*]}" coll
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return
  fi
  log "collections: installing ${COLLECTIONS[*]} offline from the $COLLECTIONS_WHEEL wheel"
  local work
  work=$(mktemp -d)
  if ! .venv/bin/pip download -q --no-deps -d "$work" "$COLLECTIONS_WHEEL" >"$work/pip.log" 2>&1; then
    cat "$work/pip.log" >&2
    rm -rf "$work"
    exit 1
  fi
  # Only those collections' files of the wheel's 30,000.
  .venv/bin/python - "$work/wheel" "$work"/*.whl "${COLLECTIONS[@]}" <<'PY'
import sys, zipfile
target, wheel, collections = sys.argv[1], sys.argv[2], sys.argv[3:]
prefixes = tuple(f"ansible_collections/{name}/" for name in collections)
with zipfile.ZipFile(wheel) as archive:
    archive.extractall(target, [member for member in archive.namelist() if member.startswith(prefixes)])
PY
  local paths=()
  for coll in "${COLLECTIONS[@]}"; do
    paths+=("$work/wheel/ansible_collections/$coll")
  done
  .venv/bin/ansible-galaxy collection install --offline --force -p .collections "${paths[@]}" >/dev/null
  rm -rf "$work"
  echo "$want" >"$stamp"
}

start_docker() {
  if docker info >/dev/null 2>&1; then
    return
  fi
  log "docker: starting dockerd in the background (log: /var/log/ankinas-dockerd.log)"
  # The machine's daemon outlives this checkout: it must not keep make test's TMPDIR (build/test-run/tmp, which the
  # next run or the checkout's removal deletes) nor its directory. containerd and its shims inherit dockerd's
  # environment, and runc writes each `docker exec`'s process file to that TMPDIR: once the folder was gone, every
  # exec on the machine failed ("OCI runtime exec failed: open .../runc-process...: no such file or directory").
  (cd / && exec env -u TMPDIR nohup dockerd >/var/log/ankinas-dockerd.log 2>&1) &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "dockerd did not start; see /var/log/ankinas-dockerd.log" >&2
  exit 1
}

# The Debian packages and the Python ones install side by side: each mostly waits on its downloads (a fresh machine's
# setup is on the critical path of make test).
install_apt_packages &
apt_install=$!
install_python_env
install_collections
wait "$apt_install" || exit 1
start_docker
# make test builds the images in its pytest lane instead (stage "images"), while the lint lane, which needs none, runs.
if [[ ${ANKINAS_SETUP_IMAGES:-1} == 1 && -x scripts/build-images.sh ]]; then
  scripts/build-images.sh
fi
log "ready"
