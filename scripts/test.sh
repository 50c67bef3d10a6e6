#!/usr/bin/env bash
# The whole test suite (the stages: scripts/stages.sh): setup, linters, the NAS-side Python 3.8 check, ansible-test
# sanity (the pinned ansible-core) and units (every claimed one), the build and Galaxy's importer on it, molecule
# scenarios, pytest (site.yml on the newest ansible-core among it).
# Two lanes run side by side: pytest (pytest-xdist workers) and, one after another, every other stage
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
  # The images are built by the first stage of the pytest lane, side by side with the lint lane (scripts/stages.sh).
  ANKINAS_SETUP_IMAGES=0 TMPDIR="$run/tmp" scripts/setup.sh || exit 1
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

# The stages (scripts/stages.sh, the one list; make lint runs its group lint): by index in that list.
# shellcheck source=scripts/stages.sh
source scripts/stages.sh
run_stage() {
  stage "${STAGE_IDS[$1]}" "${STAGE_NAMES[$1]}" bash -c "${STAGE_COMMANDS[$1]}"
}
run_group() {
  local index
  for index in "${!STAGE_IDS[@]}"; do
    [[ " $* " == *" ${STAGE_GROUPS[index]} "* ]] && run_stage "$index"
  done
  return 0
}
# Every stage the run must have: one without a result fails the run.
STAGES=("${STAGE_IDS[@]}")

echo "stages run in two lanes (pytest | the others); output in $logs/, printed whole at the end"
run_group lint check &
run_group pytest
wait
run_group after

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
