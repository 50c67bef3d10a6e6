#!/usr/bin/env bash
# Galaxy's own import checks on the collection tarball, as Galaxy runs them on upload: galaxy-importer (PyPI), in
# its own venv (made once under .cache/galaxy-importer; it pins tools of its own), offline, without ansible-test
# (make test runs that itself). scripts/galaxy-importer.sh [TARBALL] (default: the one `make build` left in
# build/artifact). Fails when the importer fails (a role without a README, bad metadata, a module whose
# documentation does not load, ...) and when it warns about anything but the known, listed warnings.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"
IMPORTER="galaxy-importer==0.4.44"

built=(build/artifact/ankinas-synology-*.tar.gz)
tarball=${1:-${built[0]}}
if [[ ! -f $tarball ]]; then
  echo "no collection tarball (run scripts/check-build.sh first, or name one)" >&2
  exit 1
fi
tarball=$(realpath "$tarball")

venv="$ANKINAS_ROOT/.cache/galaxy-importer/$(printf '%s %s' "$IMPORTER" "$(python3.11 -V)" | sha256sum | cut -c1-12)"
mkdir -p .cache/galaxy-importer
exec {lock}>.cache/galaxy-importer/.lock
flock -w 600 "$lock"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import galaxy_importer' 2>/dev/null; then
  rm -rf "$venv"
  python3.11 -m venv "$venv"
  "$venv/bin/pip" install -q "$IMPORTER" >"$venv.log" 2>&1 || { cat "$venv.log" >&2; rm -rf "$venv"; exit 1; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The importer's ansible-doc and ansible-lint run with its own ansible-core, offline, away from this checkout's
# ansible.cfg, collections and PYTHONPATH.
status=0
(
  cd "$work"
  env -u ANSIBLE_CONFIG -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_ROLES_PATH -u PYTHONPATH \
    ANSIBLE_HOME="$work/ansible-home" ANSIBLE_LOCAL_TEMP="$work/tmp" PATH="$venv/bin:$PATH" \
    GALAXY_IMPORTER_TMP_ROOT_DIR="$work" GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$work/tmp" \
    "$venv/bin/python" -m galaxy_importer.main "$tarball"
) >"$work/importer.log" 2>&1 || status=$?
cat "$work/importer.log"
if ((status != 0)) || ! grep -q "Importer processing completed successfully" "$work/importer.log"; then
  echo "galaxy-importer refused $(basename "$tarball") (exit $status): see above" >&2
  exit 1
fi
# Warnings Galaxy shows on the collection's page. The known ones are listed with their reason; any other fails.
unknown=$(grep -E '^WARNING' "$work/importer.log" | grep -vEf <(grep -vE '^(#|$)' tests/galaxy-importer-warnings.txt) || true)
if [[ -n $unknown ]]; then
  printf 'galaxy-importer warned about something new (add it to tests/galaxy-importer-warnings.txt with its reason, or fix it):\n%s\n' "$unknown" >&2
  exit 1
fi
echo "galaxy-importer imported $(basename "$tarball")"
