#!/usr/bin/env bash
# Run every molecule scenario listed in extensions/molecule/scenarios, side by side (or the ones given:
# molecule-scenarios.sh [SCENARIO...]), where molecule looks for a collection's scenarios (their shared config:
# extensions/molecule/config.yml), and fail when the list and the scenario directories disagree (a scenario renamed
# or added without the list) or when a scenario's testinfra verifier ran no test (molecule's testinfra verifier
# passes with "no tests found").
# Each scenario gets this run's own ports (reserved by simnas.ports, held while molecule runs), names (with the
# run's id), folder (build/molecule/SCENARIO, its simulated NAS's home included) and ANSIBLE_HOME: two runs on one
# machine, from two checkouts, never collide, nor do the scenarios of one run.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

mapfile -t expected < <(grep -v -e '^#' -e '^[[:space:]]*$' extensions/molecule/scenarios)
found=()
for file in extensions/molecule/*/molecule.yml; do
  [[ -e $file ]] && found+=("$(basename "$(dirname "$file")")")
done
if ((${#expected[@]} == 0)); then
  echo "extensions/molecule/scenarios lists no scenario" >&2
  exit 1
fi
if [[ "$(printf '%s\n' "${expected[@]}" | sort)" != "$(printf '%s\n' "${found[@]}" | sort)" ]]; then
  echo "molecule scenarios differ from extensions/molecule/scenarios: listed [${expected[*]}], found [${found[*]}]" >&2
  exit 1
fi

(($#)) && expected=("$@")
# The scenarios' NAS needs the images (in make test, the pytest lane may still be building them: this waits for its
# lock, then finds them current).
scripts/build-images.sh
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
run_id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
ports=(ANKINAS_MOLECULE_DSM_PORT ANKINAS_MOLECULE_PORTAINER_PORT ANKINAS_MOLECULE_PROXY_PORT ANKINAS_MOLECULE_SSH_PORT
  ANKINAS_MOLECULE_ANKI_PORT)
# scenario NAME: one scenario, its testinfra report checked. The scenarios run side by side (much of a converge is
# waiting on the simulated NAS), each with its output in $reports/NAME.log, printed whole, in order, at the end.
scenario() {
  local scenario=$1 report="$reports/$1.xml"
  export MOLECULE_EPHEMERAL_DIRECTORY="$ANKINAS_ROOT/build/molecule/$scenario"
  rm -rf "$MOLECULE_EPHEMERAL_DIRECTORY"
  # Molecule installs the checkout into ANSIBLE_HOME's collections before it starts: one home per scenario, or the
  # scenarios' installs would remove each other's files.
  export ANSIBLE_HOME="$MOLECULE_EPHEMERAL_DIRECTORY/ansible-home"
  echo "== molecule scenario $scenario (run $run_id, in $MOLECULE_EPHEMERAL_DIRECTORY)"
  # The testinfra verifier runs pytest, which writes the report only when it ran.
  PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} --junitxml=$report" ANKINAS_MOLECULE_ANKI_NAME="molecule-${scenario//_/-}-$run_id" \
    python -m simnas.ports run "${ports[@]}" -- molecule test -s "$scenario" || return 1
  python - "$report" "$scenario" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

report, scenario = Path(sys.argv[1]), sys.argv[2]
if not report.exists():
    sys.exit(f"molecule scenario {scenario}: the testinfra verifier ran no pytest (no report)")
suites = ET.parse(report).getroot().iter("testsuite")
counts = [(int(s.get("tests", 0)), int(s.get("skipped", 0)), int(s.get("errors", 0)), int(s.get("failures", 0))) for s in suites]
tests, skipped, errors, failures = (sum(column) for column in zip(*counts)) if counts else (0, 0, 0, 0)
if tests - skipped == 0 or errors or failures:
    sys.exit(f"molecule scenario {scenario}: testinfra ran {tests - skipped} tests ({errors} errors, {failures} failures)")
print(f"molecule scenario {scenario}: testinfra ran {tests - skipped} tests")
PY
}

# run_scenario NAME: the scenario, its output and a line with its exit code and time in $reports/NAME.log.
run_scenario() {
  local started=$SECONDS rc=0
  scenario "$1" >"$reports/$1.log" 2>&1 || rc=$?
  echo "== $1: exit $rc after $((SECONDS - started)) s" >>"$reports/$1.log"
  return "$rc"
}

pids=()
for name in "${expected[@]}"; do
  run_scenario "$name" &
  pids+=($!)
done
failed=0
for index in "${!pids[@]}"; do
  wait "${pids[index]}" || failed=1
done
for name in "${expected[@]}"; do
  cat "$reports/$name.log"
done
exit $failed
