# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What nas_path_info runs on the NAS and how it reads the answer: one POSIX shell script for every path (no link
followed) and the NAS's mount table, where one ansible.builtin.stat per folder and a slurp ran a module each."""

import posixpath
import shlex

#: the line after which the script prints /proc/self/mountinfo
MOUNTINFO_MARK = "--ankinas-mountinfo--"


def script(paths):
    """The shell script: one line per path, by its index: "<i> link <target>", "<i> dir", "<i> other", "<i> none",
    then, after MOUNTINFO_MARK, the mount table of the script's own mount namespace."""
    quoted = " ".join(shlex.quote(path) for path in paths)
    return f"""set -- {quoted}
i=0
for p do
  if [ -L "$p" ]; then printf '%s link %s\\n' "$i" "$(readlink "$p")"
  elif [ -d "$p" ]; then printf '%s dir\\n' "$i"
  elif [ -e "$p" ]; then printf '%s other\\n' "$i"
  else printf '%s none\\n' "$i"
  fi
  i=$((i + 1))
done
printf '%s\\n' {MOUNTINFO_MARK}
cat /proc/self/mountinfo
"""


def parse(stdout, paths):
    """{path: {exists, isdir, islnk, lnk_target, lnk_source}} (the keys ansible.builtin.stat uses, follow=false) and
    the mount table; None for a path the script said nothing about (its answer was cut short). lnk_source is the
    target made absolute from the link's folder (stat follows further links too; the messages only name it)."""
    listing, _mark, mountinfo = stdout.partition(MOUNTINFO_MARK + "\n")
    found = {}
    for line in listing.splitlines():
        index, _space, rest = line.partition(" ")
        if not index.isdigit() or int(index) >= len(paths):
            continue  # a link target with a newline continues the line before
        kind, _space, target = rest.partition(" ")
        path = paths[int(index)]
        link = kind == "link"
        found[path] = {
            "exists": kind != "none",
            "isdir": kind == "dir",
            "islnk": link,
            "lnk_target": target if link else None,
            "lnk_source": posixpath.normpath(posixpath.join(posixpath.dirname(path), target)) if link else None,
        }
    return {path: found.get(path) for path in paths}, mountinfo
