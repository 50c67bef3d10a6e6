#!/usr/bin/env bash
# The support matrix: ansible-test sanity and units on every ansible-core release of
# tests/ansible-core-versions.txt (or on the ones given), each from its own cached venv (`make matrix`).
#   scripts/matrix.sh [--units-only] [X.Y.Z ...]
# `make test` runs the units on all of them (scripts/units.sh) and sanity on .venv's (scripts/sanity.sh).
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
tests=(sanity units)
if [[ ${1:-} == --units-only ]]; then
  tests=(units)
  shift
fi
mapfile -t releases < <(if (($#)); then printf '%s\n' "$@"; else grep -v '^#' "$here/../tests/ansible-core-versions.txt" | cut -d' ' -f1; fi)
failed=()
for core in "${releases[@]}"; do
  for test in "${tests[@]}"; do
    echo "== ansible-test $test, ansible-core $core"
    # ansible-test exits 0 when every target is skipped, and pytest when a test skips itself: the units' JUnit
    # report (written afresh) must list tests, none skipped (scripts/junit-check.py).
    python=$(awk -v core="$core" '$1 == core { sub(/^python/, "", $2); print $2 }' "$here/../tests/ansible-core-versions.txt")
    junit="$here/../build/ansible-test/$core/ansible_collections/ankinas/synology/tests/output/junit"
    rm -rf "$junit"
    if ! "$here/ansible-test.sh" --core "$core" "$test" --python "${python:-3.11}" --venv --requirements; then
      failed+=("$test on $core")
    elif [[ $test == units ]] && ! python3 "$here/junit-check.py" "units on ansible-core $core" "$junit"/*.xml; then
      failed+=("$test on $core (skipped or missing tests)")
    fi
  done
done
if ((${#failed[@]})); then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
echo "ansible-test ${tests[*]} passed on ansible-core ${releases[*]}"
