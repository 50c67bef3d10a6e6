# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter nas_path: the one check of every path variable the roles take."""

import re

from ansible.errors import AnsibleFilterError

VOLUME = re.compile(r"^/volume[0-9]+$")


def nas_path(path, variable, depth=2, outside_volumes=False):
    """path, unchanged, when it is a normalised absolute path on a DSM volume; else an error naming variable.

    depth: how many segments it needs below /volumeN (2: a folder inside a shared folder). With
    outside_volumes any normalised absolute path passes (an explicit opt-out of the roles).
    """
    example = "/volume1/docker/anki-server"
    if not isinstance(path, str) or not path:
        raise AnsibleFilterError(f"{variable} must be a path such as {example} (got {path!r})")
    if any(ord(char) < 32 or char == "\x7f" for char in path):
        raise AnsibleFilterError(f"{variable} must not contain control characters (got {path!r})")
    segments = path.split("/")
    problem = None
    if segments[0] != "":
        problem = "is not absolute"
    elif path != "/" and path.endswith("/"):
        problem = "ends with '/'"
    elif "" in segments[1:]:
        problem = "contains '//'"
    elif any(segment in (".", "..") for segment in segments):
        problem = "contains a '.' or '..' segment"
    elif not outside_volumes and not VOLUME.match("/" + segments[1]):
        problem = "does not start with /volumeN/"
    elif not outside_volumes and len(segments) - 2 < depth:
        problem = "names no folder inside a shared folder" if depth == 2 else f"needs {depth} folders below /volumeN"
    if problem:
        raise AnsibleFilterError(
            f"{variable} {problem} (got {path!r}): give a normalised absolute path without '.', '..', '//' or a "
            f"trailing '/', such as {example}"
        )
    return path


class FilterModule:
    def filters(self):
        return {"nas_path": nas_path}
