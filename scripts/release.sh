#!/usr/bin/env bash
# Cuts a release: scripts/release.sh VERSION (or `make release VERSION=X.Y.Z`).
# Sets galaxy.yml's version, moves the fragments of changelogs/fragments into changelogs/changelog.yaml
# under VERSION (antsibull-changelog release) and regenerates CHANGELOG.md; then lints the result.
# Commit what it changed and tag vVERSION; it commits nothing itself.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

version=${1:-}
if [[ ! $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "usage: scripts/release.sh X.Y.Z (make release VERSION=X.Y.Z)" >&2
  exit 2
fi
if grep -qE "^  ['\"]?${version}['\"]?:" changelogs/changelog.yaml; then
  echo "version $version is already released in changelogs/changelog.yaml" >&2
  exit 1
fi
if ! compgen -G 'changelogs/fragments/*.yml' >/dev/null; then
  echo "no fragments in changelogs/fragments: nothing to release" >&2
  exit 1
fi
if ! grep -lq '^release_summary:' changelogs/fragments/*.yml; then
  echo "warning: no fragment carries a release_summary for $version" >&2
fi
antsibull-changelog lint
# antsibull-changelog caches each release's plugin list; a cache left from an earlier release hides plugins
# whose version_added was corrected since.
rm -f changelogs/.plugin-cache.yaml
sed -i -E "s/^version: .*/version: $version/" galaxy.yml
# New modules and plugins are listed from their version_added, read through ansible-doc.
antsibull-changelog release --version "$version" --date "${RELEASE_DATE:-$(date -u +%F)}"
antsibull-changelog lint
echo "released $version: galaxy.yml, changelogs/changelog.yaml and CHANGELOG.md changed; review, commit, tag v$version"
