#!/usr/bin/env bash
# ansible-test sanity, offline. ansible-test wants to run from ansible_collections/NS/NAME and to
# download get-pip.py (unreachable here), so copy the tracked tree there and give it an offline
# stand-in that bootstraps pip with ensurepip instead.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
cat > "$cache/get_pip_24_2.py" <<'PY'
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

dest=build/sanity/ansible_collections/ankinas/synology
rm -rf build/sanity
mkdir -p "$dest"
# Tracked files deleted in the work tree are skipped; any other copy error stops the run.
copied=0
while IFS= read -r -d '' file; do
  [[ -e $file || -L $file ]] || continue
  cp --parents -P -- "$file" "$dest"/
  copied=$((copied + 1))
done < <(git ls-files -co --exclude-standard -z)
if ((copied == 0)) || [[ ! -f $dest/galaxy.yml ]]; then
  echo "sanity: copied $copied files, no galaxy.yml among them: nothing to test" >&2
  exit 1
fi
# Sanity tests read git metadata when there is some; a throwaway repo keeps them to tracked files.
(cd "$dest" && git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity)
cd "$dest"
ansible-test sanity --python 3.11 --venv --requirements "$@"
