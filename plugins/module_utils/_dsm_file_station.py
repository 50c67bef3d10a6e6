# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""File Station folders (SYNO.FileStation.List getinfo, SYNO.FileStation.CreateFolder) through the one DSM client,
and Folder, the Resource of the module dsm_folder (made by File Station, owner and mode set by a root task).

PRIVATE to the collection: it can change at any time.

Paths are File Station paths, starting at the shared folder's name (/docker/anki-server for
/volume1/docker/anki-server, dsm-webapi.md §5.3). File Station cannot set a POSIX owner or mode (§7.5).
A missing path: getinfo fails with error 408, or answers an entry with code 408 (batonogov/terraform-provider-
synology-dsm internal/client/file.go handles both, GetFileInfo and parseFileInfo); either means absent.

SYNO.FileStation.List list{folder_path, offset, limit, additional} answers {total, offset, files} (Synology's File
Station API guide). No public client or capture shows how File Station lists a symbolic link, nor whether an
administrator may list a folder whose POSIX mode keeps others out: callers treat both as unknown.
"""

import shlex

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import (
    ERRORS,
    RunFailed,
    TaskClient,
    task_fields,
)
from ansible_collections.ankinas.synology.plugins.module_utils._nas_path import MODE, file_station_path, split_volume
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

LIST_API = "SYNO.FileStation.List"
FOLDER_API = "SYNO.FileStation.CreateFolder"
MISSING = 408
#: what list/getinfo add to an entry
ADDITIONAL = ["real_path", "owner", "perm"]
PAGE = 1000


class FolderClient:
    def __init__(self, client):
        self.client = client

    def info(self, path):
        """The File Station entry of path (with real_path, owner and perm), or None when it does not exist."""
        try:
            data = self.client.call(LIST_API, "getinfo", {"path": [path], "additional": ADDITIONAL}, version=(1, 2))
        except DSMAPIError as exc:
            if exc.code == MISSING:
                return None
            raise
        entries = data.get("files") or []
        entry = entries[0] if entries else {}
        return None if not entry or entry.get("code") == MISSING else entry

    def make(self, path):
        """Make the folder and its missing parents (force_parent); an existing one is left as it is."""
        parent, _slash, name = path.rstrip("/").rpartition("/")
        self.client.call(
            FOLDER_API,
            "create",
            {"folder_path": parent or "/", "name": name, "force_parent": True},
            version=(1, 2),
            write=True,
            confirm=lambda: self.info(path) is not None,
        )

    def children(self, path):
        """The entries of the folder path (with real_path, owner and perm), every page of them."""
        entries, offset = [], 0
        while True:
            data = self.client.call(
                LIST_API,
                "list",
                {"folder_path": path, "offset": offset, "limit": PAGE, "additional": ADDITIONAL},
                version=(1, 2),
            )
            page = [entry for entry in data.get("files") or [] if isinstance(entry, dict)]
            entries += page
            offset += len(page)
            if not page or offset >= int(data.get("total") or 0):
                return entries


PERMISSION_TASK = "ankinas-folder-permissions"
#: the root task's exit code for a path that is not a real folder (a symbolic link on the way)
LINK_EXIT = 3


class Folder(DSMResource):
    result_key = "folder"
    dsm_errors = ERRORS  # Task Scheduler's, for the root task that sets owner and mode

    @property
    def path(self):
        """The File Station path: a volume path loses its /volumeN."""
        return file_station_path(self.params["path"])

    @property
    def compared_keys(self):
        return tuple(key for key in ("owner", "group", "mode") if self.params[key] is not None)

    def validate(self):
        super().validate()
        parts = self.path.split("/")
        if not self.params["path"].startswith("/") or len(parts) < 3 or "" in parts[1:] or ".." in parts:
            raise ResourceError(
                "path must be a folder inside a shared folder, like /volume1/docker/anki-server or /docker/anki-server"
            )
        if self.params["mode"] is not None and not MODE.match(self.params["mode"]):
            raise ResourceError(f"mode must be octal digits like 0750 (got {self.params['mode']!r})")
        for key in ("owner", "group"):
            if self.params[key] is not None and self.params[key] < 0:
                raise ResourceError(f"{key} must be a uid/gid, 0 or more")
        if self.params["wait_timeout"] <= 0:
            raise ResourceError("wait_timeout must be a positive number of seconds")

    def read(self):
        entry = FolderClient(self.client).info(self.path)
        if entry is None:
            return None
        if not entry.get("isdir"):
            raise ResourceError(f"{self.params['path']} exists on the NAS but is not a folder")
        extra = entry.get("additional") or {}
        folder = {"path": entry.get("path"), "real_path": extra.get("real_path")}
        owner, posix = extra.get("owner") or {}, (extra.get("perm") or {}).get("posix")
        found = {"owner": owner.get("uid"), "group": owner.get("gid"), "mode": _mode(posix)}
        folder.update({key: found[key] for key in self.compared_keys})
        return folder

    def desired(self, current):
        folder = {"path": self.path}
        folder.update({key: self._wanted(key) for key in self.compared_keys})
        return folder

    def _wanted(self, key):
        return "0" + self.params["mode"][-3:] if key == "mode" else self.params[key]

    def create(self, desired):
        FolderClient(self.client).make(desired["path"])
        current = self.read()
        if current is not None and self.differences(current, desired):
            self.update(current, desired)

    def update(self, current, desired):
        """chown/chmod as root through a one-shot Task Scheduler task: the Web API cannot (dsm-webapi.md 7.5)."""
        if not current.get("real_path"):
            raise ResourceError(f"{self.params['path']}: File Station did not tell the folder's volume path")
        path = shlex.quote(current["real_path"])
        owner = "" if desired.get("owner") is None else str(desired["owner"])
        owner += "" if desired.get("group") is None else ":{}".format(desired["group"])
        # File Station may show a symbolic link as the folder it leads to: root refuses to follow it (exit 3).
        commands = [f'[ "$(readlink -f {path})" = {path} ] || exit 3']
        commands += [f"chown {owner} {path}"] if owner else []
        if desired.get("mode"):
            commands.append(f"chmod {desired['mode']} {path}")
        try:
            TaskClient(self.client, self.params["dsm_password"]).run_once(
                task_fields(PERMISSION_TASK, " && ".join(commands)), self.params["wait_timeout"]
            )
        except RunFailed as exc:
            if str((exc.result or {}).get("exit_code")) != str(LINK_EXIT):
                raise
            raise ResourceError(
                f"{self.params['path']} is not a real folder on the NAS: {current['real_path']} is, or goes through, "
                "a symbolic link (found by the root task; File Station shows the folder it leads to). Nothing was "
                "changed. Give a real folder inside the shared folder."
            ) from None
        left = self.differences(self.read() or {}, desired)
        if left:
            raise ResourceError(
                "the root task set {} of {} but File Station still reads other values".format(
                    ", ".join(left), self.params["path"]
                )
            )


def _mode(posix):
    """File Station's perm.posix (the octal digits written as a decimal number: 750, 70) as 0NNN."""
    if posix is None:
        return None
    return "0" + str(posix).zfill(3)


def shaped(entry, volume):
    """One File Station entry as dsm_folder_info returns it (volume: the /volumeN the path was given with, or '')."""
    extra = entry.get("additional") or {}
    station_path = entry.get("path") or ""
    own_path = (volume + station_path) if volume else station_path
    owner, posix = extra.get("owner") or {}, (extra.get("perm") or {}).get("posix")
    shown = {
        "path": extra.get("real_path") if not volume and extra.get("real_path") else own_path,
        "isdir": bool(entry.get("isdir")),
        "owner": owner.get("uid"),
        "group": owner.get("gid"),
        "mode": _mode(posix),
    }
    if volume and extra.get("real_path") and extra["real_path"] != own_path:
        shown["resolves_to"] = extra["real_path"]
    return shown


def folder_facts(client, path, depth):
    """dsm_folder_info's facts: the folder, what lies below it down to depth levels, and what could not be read."""
    path = path.rstrip("/")
    if not path.startswith("/") or ".." in path.split("/") or depth < 0:
        raise ResourceError("path must be an absolute path without '..', and depth 0 or more")
    volume, station = split_volume(path)
    volume = volume or ""
    folders = FolderClient(client)
    entry = folders.info(station)
    result = {"exists": entry is not None, "folder": {}, "files": [], "unreadable": []}
    if entry is None:
        return result
    result["folder"] = shaped(entry, volume)
    level = [entry] if entry.get("isdir") else []
    for _depth in range(depth):
        below = []
        for parent in level:
            try:
                children = folders.children(parent["path"])
            except DSMAPIError as exc:
                result["unreadable"].append({"path": shaped(parent, volume)["path"], "reason": str(exc)})
                continue
            for child in children:
                if child.get("code"):  # gone between the list and now
                    continue
                result["files"].append(shaped(child, volume))
                if child.get("isdir"):
                    below.append(child)
        level = below
    return result
