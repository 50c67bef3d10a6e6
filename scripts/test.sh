#!/usr/bin/env bash
# The whole test suite: setup, linters, the NAS-side Python 3.8 check, ansible-test sanity (the pinned ansible-core)
# and units (every claimed one), the build and Galaxy's importer on it, molecule scenarios, pytest (site.yml on the
# newest ansible-core among it).
# Two lanes run side by side: pytest (two pytest-xdist workers) and, one after another, every other stage
# (molecule's fixed ports and names are its own: pytest's tests take free ports and unique names). Each stage
# writes its output to build/test-logs/; a line tells when a stage ends, and at the end every stage's output
# is printed whole, in order, then the summary. Every stage runs; the exit code is non-zero when any failed.
set -uo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT" || exit 1
scripts/setup.sh || exit 1

logs=build/test-logs
rm -rf "$logs"
mkdir -p "$logs"
started=$SECONDS

# stage ID NAME COMMAND...: runs COMMAND with its output in $logs/ID.log, its result in $logs/ID.result.
stage() {
  local id=$1 name=$2 start=$SECONDS rc=0
  shift 2
  "$@" >"$logs/$id.log" 2>&1 </dev/null || rc=$?
  local result=passed
  ((rc == 0)) || result="FAILED (exit $rc)"
  printf '%s\t%s\t%s\n' "$result" "$((SECONDS - start))" "$name" >"$logs/$id.result"
  printf '[%s] %s: %s in %ss\n' "$(date +%T)" "$name" "$result" "$((SECONDS - start))"
}

# ansible-lint (ansible-compat) may install a built copy of the checkout under $ANSIBLE_HOME/collections;
# a copy an earlier run left there once shadowed the checkout, so ansible-lint judged stale files.
ansible_lint() {
  rm -rf "$ANSIBLE_HOME/collections/ansible_collections/ankinas"
  ansible-lint --offline --profile production
}

# Module-scoped fixtures (a NAS deployed once for a file's tests) stay once per file: --dist loadfile.
pytest_suite() {
  pytest tests/pytest --numprocesses 2 --dist loadfile --durations 15
}

checks() {
  stage 01-ruff "ruff" bash -c 'ruff check . && ruff format --check .'
  stage 02-yamllint "yamllint" yamllint -s .
  stage 02b-nas-python "NAS-side code on DSM's Python 3.8 (vermin, 3.9 features, a real 3.8)" python scripts/nas-python.py
  stage 03-ansible-lint "ansible-lint (production profile)" ansible_lint
  stage 04-changelog "changelog lint" \
    bash -c "antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml"
  stage 05-sanity "ansible-test sanity" scripts/sanity.sh
  stage 06-units "ansible-test units (every ansible-core of tests/ansible-core-versions.txt)" scripts/units.sh
  stage 07-build "collection build and offline install" scripts/check-build.sh
  stage 07b-galaxy-importer "Galaxy's importer on the built tarball" scripts/galaxy-importer.sh
  stage 08-molecule "molecule" scripts/molecule-scenarios.sh
}

echo "stages run in two lanes (pytest | the others); output in $logs/, printed whole at the end"
checks &
stage 09-pytest "pytest (2 workers)" pytest_suite
wait

passed=0
failed_names=()
for log in "$logs"/*.log; do
  id=$(basename "$log" .log)
  if [[ -f $logs/$id.result ]]; then
    IFS=$'\t' read -r result seconds name <"$logs/$id.result"
  else
    result="FAILED (did not finish)" seconds="?" name=$id
  fi
  printf '\n\033[1m==== %s\033[0m\n' "$name"
  cat "$log"
  printf '\033[1m==== %s: %s in %ss\033[0m\n' "$name" "$result" "$seconds"
  if [[ $result == passed ]]; then
    passed=$((passed + 1))
  else
    failed_names+=("$name")
  fi
done

echo
if ((${#failed_names[@]})); then
  printf 'failed stages: %s\n' "${failed_names[*]}"
fi
echo "stages: $passed passed, ${#failed_names[@]} failed ($((SECONDS - started))s after setup)"
((${#failed_names[@]} == 0))
