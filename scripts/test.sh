#!/usr/bin/env bash
# The whole test suite: setup, linters, ansible-test sanity, molecule scenarios, pytest.
# Every stage runs; the exit code is non-zero when any stage failed.
set -uo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT" || exit 1
scripts/setup.sh || exit 1

passed=0
failed=0
failed_names=()
stage() {
  local name=$1
  shift
  printf '\n\033[1m==== %s\033[0m\n' "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_names+=("$name")
  fi
}

stage "ruff" bash -c 'ruff check . && ruff format --check .'
stage "yamllint" yamllint -s .
stage "ansible-lint (production profile)" ansible-lint --offline --profile production
stage "ansible-test sanity" scripts/sanity.sh
stage "collection build and offline install" scripts/check-build.sh
stage "molecule" scripts/molecule-scenarios.sh
stage "pytest" pytest tests/pytest

echo
if ((failed)); then
  echo "failed stages: ${failed_names[*]}"
fi
echo "stages: $passed passed, $failed failed"
((failed == 0))
