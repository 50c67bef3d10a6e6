# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters nas_path (the one check of every path variable the roles take, on its text), nas_path_components and
nas_path_links (what the path is on the NAS: no symbolic link, no mount point from its shared folder down)."""

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


def nas_path_components(path):
    """The folders of a path on a DSM volume from its shared folder down: /volume1/docker/a/b ->
    [/volume1/docker, /volume1/docker/a, /volume1/docker/a/b]; [] for a path outside /volumeN/<share>/."""
    segments = str(path).split("/")
    if len(segments) < 3 or segments[0] != "" or not VOLUME.match("/" + segments[1]):
        return []
    return ["/".join(segments[:count]) for count in range(3, len(segments) + 1)]


def _unescape(field):
    """A mountinfo field with its octal escapes (\\040 for a space) decoded."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def _mounts(mountinfo):
    """{mount point: (root inside its file system, file system type, source)} from /proc/self/mountinfo."""
    mounts = {}
    for line in str(mountinfo or "").splitlines():
        fields = line.split()
        if "-" not in fields or len(fields) < 5:
            continue
        tail = fields[fields.index("-") + 1 :]
        mounts[_unescape(fields[4])] = (_unescape(fields[3]), tail[0] if tail else "", tail[1] if len(tail) > 1 else "")
    return mounts


def nas_path_checks(paths):
    """[{variable, path, components}] of [{variable, path}], each path once (the first variable names it), paths
    outside /volumeN/<share>/ left out: what the data folder role looks at on the NAS."""
    checks, seen = [], set()
    for entry in paths or []:
        path = str(entry.get("path") or "")
        components = nas_path_components(path)
        if components and path not in seen:
            seen.add(path)
            checks.append({"variable": entry.get("variable", ""), "path": path, "components": components})
    return checks


def nas_path_problem(check, results, mountinfo=""):
    """nas_path_links() of one of nas_path_checks(), from the results of a stat loop over
    `checks | subelements('components')` (each result's item is [check, component])."""
    by_component = {}
    for result in results or []:
        item = result.get("item") if isinstance(result, dict) else None
        if isinstance(item, (list, tuple)) and len(item) == 2:
            by_component[item[1]] = result.get("stat") or {}
    return nas_path_links(by_component, check["variable"], check["path"], mountinfo)


def nas_path_links(stats, variable, path, mountinfo=""):
    """'' when every existing folder of path, from its shared folder down, is a real folder of that shared folder;
    else why not, naming variable, the folder and where it leads.

    stats: {folder: what ansible.builtin.stat (follow: false) says of it} for nas_path_components(path);
    mountinfo: the NAS's /proc/self/mountinfo.
    """
    components = nas_path_components(path)
    if not components:
        return ""
    share = components[0]
    mounts = _mounts(mountinfo)
    for component in components:
        stat = (stats or {}).get(component) or {}
        if not stat.get("exists"):
            return ""  # what does not exist yet is made inside its (checked) parent
        if stat.get("islnk"):
            target = stat.get("lnk_source") or stat.get("lnk_target") or "?"
            resolved = target + path[len(component) :]
            where = "" if resolved.startswith(share + "/") else f", outside the shared folder {share}"
            return (
                f"{variable} ({path}) goes through the symbolic link {component} -> {target}: the data would live in "
                f"{resolved}{where}, and the folder's owner and mode would be set there. Nothing was changed. Set "
                f"{variable} to a real folder (no symbolic link) inside {share}."
            )
        if component in mounts and component != share:
            root, fstype, source = mounts[component]
            return (
                f"{variable} ({path}): {component} is a mount point ({fstype} {source}{root if root != '/' else ''}), "
                f"not a folder of the shared folder {share}. Nothing was changed. Set {variable} to a folder inside "
                f"{share} itself."
            )
        if not stat.get("isdir"):
            return f"{variable} ({path}): {component} exists on the NAS but is not a folder. Nothing was changed."
    return ""


def nas_path_drift(files, owner, group):
    """The entries of files (ankinas.synology.dsm_folder_info's) whose owner or group is not owner:group, each with
    `shown`: "path (uid:gid)"."""
    drifted = []
    for entry in files or []:
        if entry.get("owner") is None or entry.get("group") is None:
            continue  # File Station did not tell
        if (int(entry["owner"]), int(entry["group"])) != (int(owner), int(group)):
            drifted.append(dict(entry, shown=f"{entry.get('path')} ({entry['owner']}:{entry['group']})"))
    return drifted


class FilterModule:
    def filters(self):
        return {
            "nas_path": nas_path,
            "nas_path_checks": nas_path_checks,
            "nas_path_components": nas_path_components,
            "nas_path_drift": nas_path_drift,
            "nas_path_links": nas_path_links,
            "nas_path_problem": nas_path_problem,
        }
