#!/usr/bin/env bash
# The venv of one ansible-core release: scripts/core-venv.sh X.Y.Z prints its directory (made once, under
# .cache/ansible-core, named by a hash of what is installed into it and of its Python). The release's Python is the
# one tests/ansible-core-versions.txt names for it (a controller Python the release supports: 2.20 and later need 3.12+),
# taken from pyenv when it is not on the PATH. The release pinned in requirements.txt is .venv's own.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"
core=$1

# python_of X.Y.Z: the Python (pythonM.N) tests/ansible-core-versions.txt names for a release (default python3.11).
python_of() {
  local version python
  while read -r version python _rest; do
    [[ $version == "$1" ]] && { echo "${python:-python3.11}"; return; }
  done < <(grep -v '^#' tests/ansible-core-versions.txt)
  echo python3.11
}

# interpreter pythonM.N: its path, from the PATH (when it runs: a pyenv shim of another version does not) or else
# from pyenv's builds.
interpreter() {
  local builds
  if command -v "$1" >/dev/null 2>&1 && "$1" -c '' >/dev/null 2>&1; then
    command -v "$1"
    return
  fi
  builds=("${PYENV_ROOT:-$HOME/.pyenv}/versions/${1#python}".*)
  if [[ -x ${builds[-1]}/bin/$1 ]]; then
    echo "$(printf '%s\n' "${builds[@]}" | sort -V | tail -n 1)/bin/$1"
    return
  fi
  echo "no $1 for ansible-core $core: install it (pyenv install ${1#python})" >&2
  exit 1
}

if [[ $core == "$(.venv/bin/python -c 'import ansible.release; print(ansible.release.__version__)')" ]]; then
  echo "$ANKINAS_ROOT/.venv"
  exit 0
fi
python=$(interpreter "$(python_of "$core")")
requirement="ansible-core==$core"
venv="$ANKINAS_ROOT/.cache/ansible-core/$core-$(printf '%s %s' "$requirement" "$("$python" -V)" | sha256sum | cut -c1-12)"
# One maker at a time (the lanes of make test may both need a release).
mkdir -p .cache/ansible-core
exec {venv_lock}>".cache/ansible-core/.lock"
flock -w 600 "$venv_lock"
if [[ ! -x $venv/bin/ansible-test ]]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q "$requirement" >"$venv.log" 2>&1 || { cat "$venv.log" >&2; rm -rf "$venv"; exit 1; }
fi
echo "$venv"
