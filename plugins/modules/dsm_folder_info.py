#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_folder_info
short_description: Read a folder of a Synology NAS and what it holds, through File Station
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Reads a folder with C(SYNO.FileStation.List) C(getinfo) and, down to O(depth) levels, what it holds with
    C(list) (every page), each entry's path, kind, POSIX owner, group and mode. No SSH needed; changes nothing.
  - A folder File Station refuses to list is reported in C(unreadable) with DSM's code and its meaning, not as a
    failure, since File Station lists as the DSM account, not as root.
notes:
  - The DSM answers it reads are the DSM contracts C(file_info), C(file_info_missing), C(folder_list) of the
    collection's table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a
    NAS, and C(playbooks/site.yml) before its first change.
  - No public client or capture shows how File Station shows a symbolic link. An entry whose C(real_path) is not
    its own path is returned with C(resolves_to); a link that File Station shows as the folder it points to cannot
    be told apart here.
options:
  path:
    description:
      - The folder, as a volume path (C(/volume1/docker/anki-server)) or a File Station path (C(/docker/anki-server)).
    type: str
    required: true
  depth:
    description:
      - How many levels below O(path) to list (0, the default, reads O(path) alone).
    type: int
    default: 0
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
"""

EXAMPLES = r"""
- name: Read the data folder and two levels below it (the users' folders and their files)
  ankinas.synology.dsm_folder_info:
    path: /volume1/docker/anki-server
    depth: 2
  register: data_folder
"""

RETURN = r"""
exists:
  description: Whether O(path) exists.
  returned: always
  type: bool
folder:
  description: O(path) itself (empty when it does not exist); keys as in RV(files).
  returned: always
  type: dict
files:
  description: What O(path) holds down to O(depth) levels, folders before what they hold.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description:
        - The volume path (C(/volume1/docker/anki-server/alice)) when the volume is known, else the File Station path.
      type: str
    isdir:
      description: Whether it is a folder.
      type: bool
    owner:
      description: The POSIX owner's uid.
      type: int
    group:
      description: The POSIX group's gid.
      type: int
    mode:
      description: The POSIX mode (V(0750)).
      type: str
    resolves_to:
      description: File Station's C(real_path) when it is not the entry's own path (a link resolved by DSM).
      type: str
unreadable:
  description: The folders File Station would not list, with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/volume1/docker/anki-server/alice", "reason": "DSM error 407 (...)"}]
"""


from ansible_collections.ankinas.synology.plugins.module_utils._dsm_file_station import folder_facts
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module


def main():
    module = dsm_module(dict(path=dict(type="str", required=True), depth=dict(type="int", default=0)))
    run_read_module(module, lambda client: folder_facts(client, module.params["path"], module.params["depth"]))


if __name__ == "__main__":
    main()
