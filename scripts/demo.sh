#!/usr/bin/env bash
# The main job: start the simulated NAS on this machine, run playbooks/site.yml against it, then prove
# it with real Anki clients syncing through the HTTPS reverse proxy. Run it again: the play reports
# changed=0. Extra arguments go to ansible-playbook (e.g. --check --diff, -v).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"
scripts/setup.sh

python -m simnas.supervisor start
ansible-playbook playbooks/site.yml -i inventories/demo "$@"

public_url="https://anki.nas.test:${SIMNAS_PROXY_PORT:-8443}/"
if [[ " $* " == *" --check "* ]]; then
  exit 0
fi
printf '\n\033[1mReal Anki syncs through the reverse proxy (TLS verified with %s):\033[0m\n' "$SIMNAS_HOME/ca/ca.crt"
python -m harness.demo "$public_url"
cat <<TEXT

The simulated NAS keeps running (python -m simnas.supervisor stop shuts it down, sync server included).
Point an Anki client on this machine at $public_url after trusting $SIMNAS_HOME/ca/ca.crt and mapping
anki.nas.test to 127.0.0.1.
TEXT
