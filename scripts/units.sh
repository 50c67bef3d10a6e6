#!/usr/bin/env bash
# ansible-test units (tests/unit/plugins), offline, on every ansible-core release of
# tests/ansible-core-versions.txt, or on the ones given: scripts/units.sh [X.Y.Z ...].
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
mapfile -t releases < <(if (($#)); then printf '%s\n' "$@"; else grep -v '^#' "$here/../tests/ansible-core-versions.txt"; fi)
failed=()
for core in "${releases[@]}"; do
  echo "== ansible-test units, ansible-core $core"
  "$here/ansible-test.sh" --core "$core" units --python 3.11 --venv --requirements || failed+=("$core")
done
if ((${#failed[@]})); then
  echo "ansible-test units failed on ansible-core ${failed[*]}" >&2
  exit 1
fi
