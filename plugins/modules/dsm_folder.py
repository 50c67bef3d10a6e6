#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_folder
short_description: Ensure a folder exists in a shared folder of a Synology NAS, through File Station
version_added: 0.2.0
author: ankinas.synology contributors (@ankinas)
description:
  - Makes a folder (and its missing parents) inside an existing shared folder with C(SYNO.FileStation.CreateFolder),
    after reading it with C(SYNO.FileStation.List) C(getinfo). No SSH needed.
  - It never deletes anything. The Web API cannot set a POSIX owner or mode (see the notes); with O(owner), O(group)
    or O(mode) the module reads them (C(getinfo) C(owner), C(perm)) and, only when they differ, sets them with a
    one-shot root script of Task Scheduler (created, run, waited for, deleted; see
    M(ankinas.synology.dsm_scheduled_task)), on the folder itself, not recursively.
notes:
  - The DSM answers it reads are the DSM contracts C(task_list), C(task_get), C(task_history), C(file_info),
    C(file_info_missing) of the collection's table (C(plugins/module_utils/_dsm_contracts.py));
    M(ankinas.synology.dsm_probe) checks them on a NAS, and C(playbooks/site.yml) before its first change.
  - File Station makes folders as the DSM account, with the shared folder's ACL. A container that runs as another
    uid gets the folder through its root entrypoint (as C(jeankhawand/anki-sync-server) does) or O(owner).
  - UNVERIFIED on a real NAS; that C(getinfo) answers a missing path as an entry with code 408, that C(perm.posix)
    is the mode as decimal digits (C(750) for 0750), and that C(chmod) takes on a folder of a shared folder in ACL
    mode (the module reads the mode back and fails when it did not).
  - UNVERIFIED on a real NAS; that C(getinfo) answers a missing path as an entry with code 408.
options:
  path:
    description:
      - The folder, as a volume path (C(/volume1/docker/anki-server)) or a File Station path (C(/docker/anki-server)).
        The shared folder must exist.
    type: str
    required: true
  owner:
    description: The folder's POSIX owner, a uid (set as root through Task Scheduler when it differs).
    type: int
  group:
    description: The folder's POSIX group, a gid.
    type: int
  mode:
    description: The folder's POSIX mode, octal as a string (V(0750)).
    type: str
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
"""

EXAMPLES = r"""
- name: Make the data folder of the sync server
  ankinas.synology.dsm_folder:
    path: /volume1/docker/anki-server

- name: Make it, owned by the container's user and closed to others
  ankinas.synology.dsm_folder:
    path: /volume1/docker/anki-server
    owner: 1000
    group: 1000
    mode: "0750"
"""

RETURN = r"""
folder:
  description: The folder as File Station reads it back.
  returned: always
  type: dict
  contains:
    path:
      description: The File Station path.
      type: str
      sample: /docker/anki-server
    real_path:
      description: The volume path (not known in check mode).
      type: str
    owner:
      description: The POSIX owner's uid, when O(owner) is set.
      type: int
    group:
      description: The POSIX group's gid, when O(group) is set.
      type: int
    mode:
      description: The POSIX mode (V(0750)), when O(mode) is set.
      type: str
      sample: /volume1/docker/anki-server
"""

import re
import shlex

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_file_station import FolderClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import (
    ERRORS,
    TaskClient,
    task_fields,
)
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError, run_resource_module

VOLUME_PREFIX = re.compile(r"^/volume[0-9]+(?=/)")
MODE = re.compile(r"^0?[0-7]{3}$")
PERMISSION_TASK = "ankinas-folder-permissions"
PERMISSION_TIMEOUT = 120


class Folder(DSMResource):
    result_key = "folder"
    dsm_errors = ERRORS  # Task Scheduler's, for the root task that sets owner and mode

    @property
    def path(self):
        """The File Station path: a volume path loses its /volumeN."""
        return VOLUME_PREFIX.sub("", self.params["path"].rstrip("/"))

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

    def read(self):
        entry = FolderClient(self.client).info(self.path)
        if entry is None:
            return None
        if not entry.get("isdir"):
            raise ResourceError(f"{self.params['path']} exists on the NAS but is not a folder")
        extra = entry.get("additional") or {}
        folder = {"path": entry.get("path"), "real_path": extra.get("real_path")}
        owner, posix = extra.get("owner") or {}, (extra.get("perm") or {}).get("posix")
        found = {"owner": owner.get("uid"), "group": owner.get("gid"), "mode": None if posix is None else f"0{posix}"}
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
        commands = [f"chown {owner} {path}"] if owner else []
        if desired.get("mode"):
            commands.append(f"chmod {desired['mode']} {path}")
        TaskClient(self.client, self.params["dsm_password"]).run_once(
            task_fields(PERMISSION_TASK, " && ".join(commands)), PERMISSION_TIMEOUT
        )
        left = self.differences(self.read() or {}, desired)
        if left:
            raise ResourceError(
                "the root task set {} of {} but File Station still reads other values".format(
                    ", ".join(left), self.params["path"]
                )
            )


def main():
    module = dsm_module(
        dict(
            path=dict(type="str", required=True),
            owner=dict(type="int"),
            group=dict(type="int"),
            mode=dict(type="str"),
        )
    )
    run_resource_module(Folder(module))


if __name__ == "__main__":
    main()
