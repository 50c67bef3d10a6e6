# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters nas_path (the one check of every path variable the roles take, on its text), nas_path_components and
nas_path_links (what the path is on the NAS: no symbolic link, no mount point from its shared folder down),
nas_path_file_station and nas_path_share (the folder as File Station names it, its shared folder). The rules live
in module_utils/_nas_path, which the modules use too."""

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.module_utils import _nas_path


def nas_path(path, variable, depth=2, outside_volumes=False):
    """path, unchanged, when it is a normalised absolute path on a DSM volume; else an error naming variable
    (module_utils/_nas_path.check: depth, outside_volumes)."""
    try:
        return _nas_path.check(path, variable, depth=depth, outside_volumes=outside_volumes)
    except _nas_path.NasPathError as error:
        raise AnsibleFilterError(str(error)) from None


nas_path_components = _nas_path.components
nas_path_file_station = _nas_path.file_station_path
nas_path_share = _nas_path.share_of


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


def nas_path_problem(check, stats, mountinfo=""):
    """nas_path_links() of one of nas_path_checks(), from ankinas.synology.nas_path_info's paths ({folder: what it
    is}) and mount table."""
    return nas_path_links(stats, check["variable"], check["path"], mountinfo)


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
            "nas_path_file_station": nas_path_file_station,
            "nas_path_links": nas_path_links,
            "nas_path_problem": nas_path_problem,
            "nas_path_share": nas_path_share,
        }
