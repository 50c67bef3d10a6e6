#!/usr/bin/env bash
# ansible-test, offline, on one ansible-core release: scripts/ansible-test.sh [--core X.Y.Z] ARGS...
# ansible-test wants to run from ansible_collections/NS/NAME and to download get-pip.py (unreachable
# here), so the tracked tree is copied there (one copy per release, whose tests/output, with the
# venvs ansible-test makes, is kept between runs) and an offline stand-in bootstraps pip with
# ensurepip. A release other than the one in .venv runs from its own venv under .cache/ansible-core,
# made once and named by a hash of what is installed into it.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

core=$(python -c 'import ansible.release; print(ansible.release.__version__)')
if [[ ${1:-} == --core ]]; then
  core=$2
  shift 2
fi

bin="$ANKINAS_ROOT/.venv/bin"
if [[ $core != "$(python -c 'import ansible.release; print(ansible.release.__version__)')" ]]; then
  requirement="ansible-core==$core"
  venv="$ANKINAS_ROOT/.cache/ansible-core/$core-$(printf '%s %s' "$requirement" "$(python3.11 -V)" | sha256sum | cut -c1-12)"
  if [[ ! -x $venv/bin/ansible-test ]]; then
    rm -rf "$venv"
    python3.11 -m venv "$venv"
    "$venv/bin/pip" install -q "$requirement" >"$venv.log" 2>&1 || { cat "$venv.log" >&2; rm -rf "$venv"; exit 1; }
  fi
  bin="$venv/bin"
fi

cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
# Written aside, then moved in place: another checkout's ansible-test may be reading the file meanwhile.
for pip_version in 23_1_2 24_2; do
  cat >"$cache/get_pip_$pip_version.py.$$" <<'PY'
"""Offline stand-in for get-pip.py: ensurepip, then pip install what was asked for."""
import os
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
env = dict(os.environ)
env.pop("PIP_CONFIG_FILE", None)
subprocess.run([sys.executable, "-m", "ensurepip"], check=True, env=env)
subprocess.run([sys.executable, "-m", "pip", "install", "--upgrade", *args], check=True, env=env)
PY
  mv -f "$cache/get_pip_$pip_version.py.$$" "$cache/get_pip_$pip_version.py"
done

dest="build/ansible-test/$core/ansible_collections/ankinas/synology"
mkdir -p "$dest"
find "$dest" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
find "$dest/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} + 2>/dev/null || true
# Tracked files deleted in the work tree are skipped; any other copy error stops the run.
copied=0
while IFS= read -r -d '' file; do
  [[ -e $file || -L $file ]] || continue
  cp --parents -P -- "$file" "$dest"/
  copied=$((copied + 1))
done < <(git ls-files -co --exclude-standard -z)
if ((copied == 0)) || [[ ! -f $dest/galaxy.yml ]]; then
  echo "ansible-test.sh: copied $copied files, no galaxy.yml among them: nothing to test" >&2
  exit 1
fi
# Sanity tests read git metadata when there is some; a throwaway repo keeps them to tracked files.
(cd "$dest" && git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm ansible-test)
cd "$dest"
# A release below requires_ansible is tested as if it were claimed (else ansible-doc only reports the
# claim): the matrix asks whether the code works there, which is what widening the claim needs to know.
if ! python - "$core" <<'PY'; then
import sys

import yaml
from packaging.specifiers import SpecifierSet

with open("meta/runtime.yml", encoding="utf-8") as runtime:
    sys.exit(0 if sys.argv[1] in SpecifierSet(yaml.safe_load(runtime)["requires_ansible"]) else 1)
PY
  echo "ansible-core $core is outside meta/runtime.yml's requires_ansible: this copy claims it, to test the code" >&2
  sed -i -E "s/^requires_ansible: .*/requires_ansible: \">=${core%.*}.0\"/" meta/runtime.yml
  git -c user.email=ci@localhost -c user.name=ci commit -qam "claim ansible-core $core"
fi
# ansible-test runs the collection's code with the release's own ansible, whatever env.sh put first.
PATH="$bin:$PATH" "$bin/ansible-test" "$@"
