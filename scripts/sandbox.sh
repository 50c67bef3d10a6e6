#!/usr/bin/env bash
# What a test run may not change on this machine, recorded before the run and compared after it (scripts/test.sh):
#   scripts/sandbox.sh record DIR                      # before
#   scripts/sandbox.sh compare DIR PRIVATE_TMP HOST_TMP  # after: fails naming each difference
# - /etc/crontab (its content), the entries of / and this checkout's demo NAS (.cache/simnas: every path with its
#   type, mode, size and modification time): as they were;
# - /tmp: the run's processes see a /tmp of their own, PRIVATE_TMP (test.sh mounts it on /tmp in a mount namespace of
#   the run), so whatever is in it afterwards was written to /tmp by the run; the machine's image lock, shared through
#   it, is the one exception. Other checkouts write to the real /tmp (HOST_TMP) meanwhile: its new entries are listed
#   for information, not held against the run (the run's processes cannot write there).
# Other engineers' checkouts are never looked at: only paths this run could have written.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ANKINAS_ROOT"

demo_home=.cache/simnas
shared_in_tmp=(ankinas-images.lock)

record() {
  local dir=$1
  mkdir -p "$dir"
  if [[ -e /etc/crontab ]]; then sha256sum /etc/crontab | cut -d' ' -f1; else echo absent; fi >"$dir/etc-crontab"
  find / -mindepth 1 -maxdepth 1 -printf '%y %f\n' | sort >"$dir/root"
  if [[ -e $demo_home ]]; then
    find "$demo_home" -printf '%y %m %s %T@ %p\n' | sort -k5
  else
    echo absent
  fi >"$dir/demo-home"
  find "${2:-/tmp}" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort >"$dir/host-tmp" || true
}

compare() {
  local before=$1 private_tmp=$2 host_tmp=${3:-/tmp} after problems=0
  after=$(mktemp -d)
  record "$after" "$host_tmp"
  if ! cmp -s "$before/etc-crontab" "$after/etc-crontab"; then
    echo "CHANGED: /etc/crontab (sha256 $(cat "$before/etc-crontab") -> $(cat "$after/etc-crontab"))"
    problems=$((problems + 1))
  fi
  if ! cmp -s "$before/root" "$after/root"; then
    echo "CHANGED: the entries of / (< before, > after):"
    diff "$before/root" "$after/root" | grep '^[<>]' | sed 's/^/  /' || true
    problems=$((problems + 1))
  fi
  if ! cmp -s "$before/demo-home" "$after/demo-home"; then
    echo "CHANGED: the demo NAS $ANKINAS_ROOT/$demo_home (< before, > after; type mode size mtime path):"
    diff "$before/demo-home" "$after/demo-home" | grep '^[<>]' | head -40 | sed 's/^/  /' || true
    problems=$((problems + 1))
  fi
  local written
  written=$(find "$private_tmp" -mindepth 1 -maxdepth 1 -printf '%f\n' |
    { grep -vxF -f <(printf '%s\n' "${shared_in_tmp[@]}") || true; })
  if [[ -n $written ]]; then
    echo "WRITTEN to /tmp by the run (kept in $private_tmp):"
    mapfile -t lines <<<"$written"
    printf '  %s\n' "${lines[@]}"
    problems=$((problems + 1))
  fi
  local others
  others=$(comm -13 "$before/host-tmp" "$after/host-tmp" | head -20)
  if [[ -n $others ]]; then
    echo "new in the machine's /tmp meanwhile (other checkouts write there too; not counted against this run):"
    mapfile -t lines <<<"$others"
    printf '  %s\n' "${lines[@]}"
  fi
  rm -rf "$after"
  echo "checked: /etc/crontab, the entries of /, /tmp (the run's private one), $demo_home"
  if ((problems)); then
    echo "the run changed $problems of them" >&2
    return 1
  fi
  echo "as before the run"
}

case ${1:-} in
  record) record "$2" ;;
  compare) compare "$2" "$3" "${4:-/tmp}" ;;
  *)
    echo "usage: scripts/sandbox.sh record DIR | compare DIR PRIVATE_TMP [HOST_TMP]" >&2
    exit 2
    ;;
esac
