# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths on a Synology NAS, in one place: a volume path (/volume1/docker/anki-server, as Docker and the shell name
it), the File Station form of the same folder (/docker/anki-server, without its volume), and the checks of a path
a user gives, each error naming the variable or option it came from."""

import re

VOLUME = re.compile(r"^/volume[0-9]+$")
VOLUME_PREFIX = re.compile(r"^(/volume[0-9]+)(?=/)")
EXAMPLE = "/volume1/docker/anki-server"
#: a folder's POSIX mode as the roles and modules take it: "0750" or "750"
MODE = re.compile(r"^0?[0-7]{3}$")


class NasPathError(ValueError):
    """A path a user gave is not one the collection can use; the message names its variable and the fix."""


def check(path, variable, depth=2, outside_volumes=False):
    """path, unchanged, when it is a normalised absolute path on a DSM volume; else NasPathError naming variable.

    depth: how many segments it needs below /volumeN (2: a folder inside a shared folder; 0: the volume itself).
    With outside_volumes any normalised absolute path passes (an explicit opt-out of the roles).
    """
    if not isinstance(path, str) or not path:
        raise NasPathError(f"{variable} must be a path such as {EXAMPLE} (got {path!r})")
    if any(ord(char) < 32 or char == "\x7f" for char in path):
        raise NasPathError(f"{variable} must not contain control characters (got {path!r})")
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
        raise NasPathError(
            f"{variable} {problem} (got {path!r}): give a normalised absolute path without '.', '..', '//' or a "
            f"trailing '/', such as {EXAMPLE}"
        )
    return path


def check_volume(volume, variable):
    """volume, unchanged, when it is a DSM volume's mount point (/volume1); else NasPathError naming variable."""
    if not isinstance(volume, str) or not VOLUME.match(volume):
        raise NasPathError(f"{variable} must be a DSM volume such as /volume1 (got {volume!r})")
    return volume


def check_share_name(name, variable):
    """name, unchanged, when it can name a shared folder (no '/', not starting with '.'); else NasPathError."""
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise NasPathError(f"{variable} must be the name of a shared folder such as docker, without '/' (got {name!r})")
    return name


def components(path):
    """The folders of a path on a DSM volume from its shared folder down: /volume1/docker/a/b ->
    [/volume1/docker, /volume1/docker/a, /volume1/docker/a/b]; [] for a path outside /volumeN/<share>/."""
    segments = str(path).split("/")
    if len(segments) < 3 or segments[0] != "" or not VOLUME.match("/" + segments[1]):
        return []
    return ["/".join(segments[:count]) for count in range(3, len(segments) + 1)]


def split_volume(path):
    """(volume, File Station path) of a path: /volume1/docker/a -> ('/volume1', '/docker/a'); a path without a
    volume is already File Station's: /docker/a -> (None, '/docker/a')."""
    match = VOLUME_PREFIX.match(path)
    if not match:
        return None, path
    return match.group(1), path[match.end() :]


def file_station_path(path):
    """The folder as File Station names it: /volume1/docker/anki-server/ -> /docker/anki-server ('' for '')."""
    return split_volume(path.rstrip("/"))[1] if path else ""


def share_of(path):
    """The shared folder a File Station or volume path lies in: /volume1/docker/a -> docker ('' for '/')."""
    return file_station_path(path).strip("/").split("/")[0]
