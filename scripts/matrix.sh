#!/usr/bin/env bash
# The support matrix: ansible-test sanity and units on every ansible-core release of
# tests/ansible-core-versions.txt (or on the ones given), each from its own cached venv.
# `make matrix`; not part of `make test`, which runs the units on all of them and sanity on .venv's.
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
mapfile -t releases < <(if (($#)); then printf '%s\n' "$@"; else grep -v '^#' "$here/../tests/ansible-core-versions.txt"; fi)
failed=()
for core in "${releases[@]}"; do
  echo "== ansible-test sanity, ansible-core $core"
  "$here/ansible-test.sh" --core "$core" sanity --python 3.11 --venv --requirements || failed+=("sanity $core")
done
"$here/units.sh" "${releases[@]}" || failed+=("units")
if ((${#failed[@]})); then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
echo "sanity and units passed on ansible-core ${releases[*]}"
