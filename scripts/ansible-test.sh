#!/usr/bin/env bash
# ansible-test, offline, on one ansible-core release: scripts/ansible-test.sh [--core X.Y.Z] ARGS...
# ansible-test wants to run from ansible_collections/NS/NAME and to download get-pip.py (unreachable
# here), so the tracked tree is copied there (one copy per release, whose tests/output, with the
# venvs ansible-test makes, is kept between runs) and an offline stand-in bootstraps pip with
# ensurepip. A release other than the one in .venv runs from its own venv (scripts/core-venv.sh), on the
# Python tests/ansible-core-versions.txt names for it; that venv's bin comes first in the PATH, so ansible-test
# finds its pythonM.N there.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

core=$(python -c 'import ansible.release; print(ansible.release.__version__)')
if [[ ${1:-} == --core ]]; then
  core=$2
  shift 2
fi

# The release's venv (.venv for the pinned one; made once for the others, on the Python the versions file names).
bin="$("$ANKINAS_ROOT/scripts/core-venv.sh" "$core")/bin"

cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
# The pip versions this release's ansible-test bootstraps (python_requirements.py names them), and older ones.
mapfile -t pip_versions < <({
  echo 23.1.2
  echo 24.2
  grep -ohE "pip='[0-9.]+'" "$bin"/../lib/python3*/site-packages/ansible_test/_internal/python_requirements.py |
    grep -oE '[0-9][0-9.]*'
} | sort -u)
# Each is written aside, then moved in place: another checkout's ansible-test may be reading the file meanwhile.
# The stand-in has .venv's pip install into the new venv (pip --python): about a third of the CPU and the time of
# ensurepip followed by an upgrade, for each of the dozen venvs a fresh machine's sanity and units make.
for pip_version in "${pip_versions[@]}"; do
  sed "s|@HOST_PYTHON@|$ANKINAS_ROOT/.venv/bin/python|" >"$cache/get_pip_${pip_version//./_}.py.$$" <<'PY'
"""Offline stand-in for get-pip.py: a Python that has pip installs what was asked for into this one (pip --python),
else ensurepip bootstraps pip here first."""
import os
import subprocess
import sys

HOST_PYTHON = "@HOST_PYTHON@"
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
env = dict(os.environ)
env.pop("PIP_CONFIG_FILE", None)
install = ["install", "--upgrade", *args]
if os.access(HOST_PYTHON, os.X_OK):
    if subprocess.run([HOST_PYTHON, "-m", "pip", "--python", sys.executable, *install], env=env).returncode == 0:
        sys.exit(0)
subprocess.run([sys.executable, "-m", "ensurepip"], check=True, env=env)
subprocess.run([sys.executable, "-m", "pip", *install], check=True, env=env)
PY
  mv -f "$cache/get_pip_${pip_version//./_}.py.$$" "$cache/get_pip_${pip_version//./_}.py"
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
