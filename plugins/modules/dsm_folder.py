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
  - It never deletes anything, and it cannot set the POSIX owner or mode (the DSM Web API cannot, see the notes).
notes:
  - File Station makes folders as the DSM account, with the shared folder's ACL. A container that runs as another
    uid gets the folder through its root entrypoint (as C(jeankhawand/anki-sync-server) does) or a root task of
    M(ankinas.synology.dsm_scheduled_task).
  - UNVERIFIED on a real NAS; that C(getinfo) answers a missing path as an entry with code 408.
options:
  path:
    description:
      - The folder, as a volume path (C(/volume1/docker/anki-server)) or a File Station path (C(/docker/anki-server)).
        The shared folder must exist.
    type: str
    required: true
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
"""

EXAMPLES = r"""
- name: Make the data folder of the sync server
  ankinas.synology.dsm_folder:
    path: /volume1/docker/anki-server
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
      sample: /volume1/docker/anki-server
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_file_station import FolderClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError, run_resource_module

VOLUME_PREFIX = re.compile(r"^/volume[0-9]+(?=/)")


class Folder(DSMResource):
    result_key = "folder"

    @property
    def path(self):
        """The File Station path: a volume path loses its /volumeN."""
        return VOLUME_PREFIX.sub("", self.params["path"].rstrip("/"))

    def validate(self):
        super().validate()
        parts = self.path.split("/")
        if not self.params["path"].startswith("/") or len(parts) < 3 or "" in parts[1:] or ".." in parts:
            raise ResourceError(
                "path must be a folder inside a shared folder, like /volume1/docker/anki-server or /docker/anki-server"
            )

    def read(self):
        entry = FolderClient(self.client).info(self.path)
        if entry is None:
            return None
        if not entry.get("isdir"):
            raise ResourceError(f"{self.params['path']} exists on the NAS but is not a folder")
        return {"path": entry.get("path"), "real_path": (entry.get("additional") or {}).get("real_path")}

    def desired(self, current):
        return {"path": self.path}

    def create(self, desired):
        FolderClient(self.client).make(desired["path"])


def main():
    module = dsm_module(dict(path=dict(type="str", required=True)))
    run_resource_module(Folder(module))


if __name__ == "__main__":
    main()
