#!/usr/bin/env bash
# make lint: the stages of group "lint" of scripts/stages.sh (the list make test runs), one after another, output
# on the terminal; stops at the first that fails.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"
# shellcheck source=scripts/stages.sh
source scripts/stages.sh
for index in "${!STAGE_IDS[@]}"; do
  [[ ${STAGE_GROUPS[index]} == lint ]] || continue
  echo "== ${STAGE_NAMES[index]}"
  bash -c "${STAGE_COMMANDS[index]}"
done
