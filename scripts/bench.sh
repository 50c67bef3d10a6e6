#!/usr/bin/env bash
# The benchmarks (not part of the test suite): setup, then benchmarks/run.py, which prints one table and
# writes benchmarks/RESULTS.md. Arguments go to benchmarks/run.py (e.g. --parts floors --repeat 1 --results '').
# Do not wrap it in flock: run.py takes /tmp/ankinas-heavy.lock for each case, so others' runs fit in between.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"
scripts/setup.sh
export PYTHONPATH="$ANKINAS_ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec timeout --signal=INT 5400 python -m benchmarks.run "$@"
