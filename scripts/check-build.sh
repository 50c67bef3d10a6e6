#!/usr/bin/env bash
# Builds the collection tarball and installs it offline, and checks that the artifact carries its license
# and EE metadata but no tests, molecule scenarios, benchmarks, CI files, ansible.cfg or demo inventory.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"
out=build/artifact
rm -rf "$out"
mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" >/dev/null
tarball=$(ls "$out"/ankinas-synology-*.tar.gz)
files=$(tar -tzf "$tarball")
if grep -E '^(tests|extensions/molecule|benchmarks|\.ci|scripts|\.venv|\.collections|inventories/demo)(/|$)|^(ansible\.cfg|Makefile|requirements\.txt|pyproject\.toml)$' <<<"$files"; then
  echo "the artifact carries files it must not (listed above)" >&2
  exit 1
fi
for needed in LICENSE README.md meta/runtime.yml meta/execution-environment.yml meta/ee-requirements.txt \
  meta/ee-bindep.txt changelogs/changelog.yaml; do
  grep -qx "$needed" <<<"$files" || { echo "the artifact lacks $needed" >&2; exit 1; }
done
# GPL-3.0-or-later (galaxy.yml): the full text of version 3.
grep -q 'GNU GENERAL PUBLIC LICENSE' LICENSE && grep -q 'Version 3, 29 June 2007' LICENSE
# --no-deps: Galaxy is unreachable; the dependencies are installed offline by setup.sh.
ansible-galaxy collection install --offline --no-deps --force -p "$out/installed" "$tarball" >/dev/null
test -f "$out/installed/ansible_collections/ankinas/synology/MANIFEST.json"
# The playbooks ship inside the collection: after an install they run as ankinas.synology.NAME.
for playbook in site status; do
  ANSIBLE_COLLECTIONS_PATH="$out/installed:$ANSIBLE_COLLECTIONS_PATH" \
    ansible-playbook --syntax-check "ankinas.synology.$playbook" -i inventories/demo >/dev/null
done
echo "built and installed $(basename "$tarball") ($(tar -tzf "$tarball" | wc -l) files)"
