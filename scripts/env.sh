# Sourced by the project's scripts: one place that says where things live.
# shellcheck shell=bash
ANKINAS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ANKINAS_ROOT
export ANSIBLE_CONFIG="$ANKINAS_ROOT/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$ANKINAS_ROOT/.collections"
export ANSIBLE_ROLES_PATH="$ANKINAS_ROOT/roles"
# Keep ansible (and ansible-lint) out of ~/.ansible: another checkout there must not shadow this one.
export ANSIBLE_HOME="$ANKINAS_ROOT/.cache/ansible-home"
export ANSIBLE_LOCAL_TEMP="${ANSIBLE_LOCAL_TEMP:-$ANKINAS_ROOT/.cache/ansible-tmp}"
export PATH="$ANKINAS_ROOT/.venv/bin:$PATH"
export PYTHONPATH="$ANKINAS_ROOT/tests:$ANKINAS_ROOT/.collections${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
# The simulated NAS keeps its state (volumes, DSM database, test CA, nginx config) here.
export SIMNAS_HOME="${SIMNAS_HOME:-$ANKINAS_ROOT/.cache/simnas}"
