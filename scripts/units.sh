#!/usr/bin/env bash
# ansible-test units (tests/unit/plugins), offline, on every ansible-core release of
# tests/ansible-core-versions.txt, or on the ones given: scripts/units.sh [X.Y.Z ...].
exec "$(dirname "${BASH_SOURCE[0]}")/matrix.sh" --units-only "$@"
