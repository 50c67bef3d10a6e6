#!/usr/bin/env bash
# ansible-test sanity, offline, on the ansible-core of .venv (scripts/matrix.sh runs it on every
# release of tests/ansible-core-versions.txt). Arguments go to ansible-test sanity.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/ansible-test.sh" sanity --python 3.11 --venv --requirements "$@"
