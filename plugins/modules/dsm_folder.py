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
    M(ankinas.synology.dsm_scheduled_task)), on the folder itself, not recursively. The script refuses a folder
    that is, or goes through, a symbolic link (File Station may show the folder a link leads to), changing nothing.
notes:
  - The DSM answers it reads are the DSM contracts C(task_list), C(task_get), C(task_history), C(file_info),
    C(file_info_missing), C(encryption_info) of the collection's table (C(plugins/module_utils/_dsm_contracts.py));
    M(ankinas.synology.dsm_probe) checks them on a NAS, and C(playbooks/site.yml) before its first change.
  - File Station makes folders as the DSM account, with the shared folder's ACL. A container that runs as another
    uid gets the folder through its root entrypoint (as C(jeankhawand/anki-sync-server) does) or O(owner).
  - A missing path is absent whether C(getinfo) fails with error 408 or answers an entry with code 408 (batonogov's
    terraform provider handles both forms).
  - DSM may queue the root task's run for minutes (5-10 minutes measured on one NAS); the module waits up to
    O(wait_timeout) for its result and deletes the task only once DSM lists it. When the wait ends first, the module
    fails saying the run may still come, and leaves the task (disabled) so that it can; the next run of the module
    deletes it once its result is listed
    (see O(ankinas.synology.dsm_scheduled_task#module:state=once)).
  - UNVERIFIED on a real NAS; that C(perm.posix) is the mode as decimal digits (C(750) for 0750, C(70) for 0070; a
    terraform provider reads it so), and that C(chmod) takes on a folder of a shared folder in ACL mode (the module
    reads the mode back and fails when it did not).
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
  wait_timeout:
    description:
      - Seconds to wait for the result of the root task that sets O(owner), O(group) and O(mode), the time DSM keeps
        its run queued included.
    type: int
    default: 900
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

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_file_station import Folder
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import RUN_TIMEOUT
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    module = dsm_module(
        dict(
            path=dict(type="str", required=True),
            owner=dict(type="int"),
            group=dict(type="int"),
            mode=dict(type="str"),
            wait_timeout=dict(type="int", default=RUN_TIMEOUT),
        )
    )
    run_resource_module(Folder(module))


if __name__ == "__main__":
    main()
