#!/usr/bin/env bash
# The whole test suite: setup, linters, the NAS-side Python 3.8 check, ansible-test sanity (the pinned ansible-core)
# and units (every claimed one), the build and Galaxy's importer on it, molecule scenarios, pytest (site.yml on the
# newest ansible-core among it).
# Two lanes run side by side: pytest (three pytest-xdist workers) and, one after another, every other stage
# (every test takes ports reserved or bound race-free and names of its own run, molecule's scenarios included, so
# two runs on one machine do not collide). Each stage writes its output to build/test-logs/; a line tells when a
# stage ends, and at the end every stage's output is printed whole, in order, then the summary. Every stage runs;
# the exit code is non-zero when any failed, or when a stage left no result (it never ran, or did not finish).
#
# The run stays in its sandbox, and checks that it did (stage "sandbox", scripts/sandbox.sh): its temporary files
# go to build/test-run/tmp (TMPDIR), its processes see a /tmp of their own (a mount namespace: whatever lands in
# it was written to /tmp by the run), and /etc/crontab, the entries of / and the demo NAS (.cache/simnas) are
# compared with what they were before the run.
set -uo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT" || exit 1
run=$ANKINAS_ROOT/build/test-run

if [[ ${ANKINAS_TEST_SANDBOXED:-} != 1 ]]; then
  rm -rf "$run"
  mkdir -p "$run/tmp" "$run/private-tmp" "$run/host-tmp"
  scripts/sandbox.sh record "$run/sandbox-before" || exit 1
  TMPDIR="$run/tmp" scripts/setup.sh || exit 1
  # The run's /tmp is private; the machine's image lock (scripts/build-images.sh) is shared through it.
  touch /tmp/ankinas-images.lock "$run/private-tmp/ankinas-images.lock"
  # shellcheck disable=SC2016 # expanded by the inner shell
  private_tmp='mount --bind /tmp "$1/host-tmp" && mount --bind /tmp/ankinas-images.lock "$1/private-tmp/ankinas-images.lock" && mount --rbind "$1/private-tmp" /tmp'
  # A checkout under /tmp would vanish behind the private /tmp: that run keeps the machine's /tmp.
  if [[ $ANKINAS_ROOT/ == /tmp/* ]]; then
    echo "the checkout is under /tmp, which a private /tmp would hide: the run's /tmp is the machine's;" \
      "only its TMPDIR is its own" >&2
  elif unshare --mount --propagation private true 2>/dev/null; then
    exec unshare --mount --propagation private -- env ANKINAS_TEST_SANDBOXED=1 TMPDIR="$run/tmp" \
      bash -c "$private_tmp && exec \"\$0\"" "$0" "$run"
  else
    echo "no mount namespace here (unshare): the run's /tmp is the machine's; only its TMPDIR is its own" >&2
  fi
  export ANKINAS_TEST_SANDBOXED=1 TMPDIR="$run/tmp"
  rmdir "$run/host-tmp" && ln -s /tmp "$run/host-tmp"
fi

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

# Module-scoped fixtures (a NAS deployed once for a file's tests) stay once per file: --dist loadfile, the longest
# files first (tests/pytest/conftest.py). Four workers on two cores: much of a test is waiting (DSM's scaled delays,
# containers starting, health checks), which the other workers fill. The JUnit report keeps every test's time, and
# playbook-runs.tsv every playbook run's wall and CPU time (where the time goes).
PYTEST_WORKERS=${ANKINAS_PYTEST_WORKERS:-4}
pytest_suite() {
  ANKINAS_PLAYBOOK_LOG="$logs/playbook-runs.tsv" pytest tests/pytest --numprocesses "$PYTEST_WORKERS" \
    --dist loadfile --durations 15 --junitxml "$logs/pytest.xml"
}

sandbox() {
  scripts/sandbox.sh compare "$run/sandbox-before" "$run/private-tmp" "$run/host-tmp"
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

# Every stage the run must have: one without a result fails the run.
STAGES=(01-ruff 02-yamllint 02b-nas-python 03-ansible-lint 04-changelog 05-sanity 06-units 07-build 07b-galaxy-importer
  08-molecule 09-pytest 10-sandbox)

echo "stages run in two lanes (pytest | the others); output in $logs/, printed whole at the end"
checks &
stage 09-pytest "pytest ($PYTEST_WORKERS workers)" pytest_suite
wait
stage 10-sandbox "the run stayed in its sandbox (/etc/crontab, /, /tmp, .cache/simnas)" sandbox

passed=0
failed_names=()
for id in "${STAGES[@]}"; do
  log=$logs/$id.log
  if [[ -f $logs/$id.result ]]; then
    IFS=$'\t' read -r result seconds name <"$logs/$id.result"
  elif [[ -f $log ]]; then
    result="FAILED (did not finish)" seconds="?" name=$id
  else
    result="FAILED (did not run)" seconds="?" name=$id
  fi
  printf '\n\033[1m==== %s\033[0m\n' "$name"
  [[ -f $log ]] && cat "$log"
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
