#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_shared_folder
short_description: Ensure a shared folder exists on a Synology NAS (or, on request, does not)
version_added: 0.1.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures a DSM shared folder (C(SYNO.Core.Share)) exists on a volume, with a description.
  - Creates it when it is missing and updates its description when it differs. It never moves a shared folder to
    another volume and never deletes one unless O(state=absent) is asked for.
  - New shared folders get DSM's defaults of the Control Panel wizard as the DSM Web API notes record them
    (recycle bin on, for administrators only; no copy-on-write, compression or encryption).
options:
  name:
    description:
      - Name of the shared folder. The folder is O(volume)/O(name) on the NAS, C(/)O(name) in File Station.
      - Required, without a default, so that a task cannot point O(state=absent) at a share by accident.
    type: str
    required: true
  volume:
    description:
      - The volume the shared folder is on, as C(/volumeN).
      - If the shared folder exists on another volume, the module fails instead of moving it.
    type: str
    default: /volume1
  description:
    description:
      - Description of the shared folder, at most 64 characters (DSM's limit).
      - If not set, a new shared folder gets an empty description and an existing one keeps its own.
    type: str
  state:
    description:
      - V(present) ensures the shared folder exists; V(absent) deletes it.
      - Deleting a shared folder deletes all the files in it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The DSM answers it reads are the DSM contracts C(share_list) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
seealso:
  - module: ankinas.synology.dsm_session
"""

EXAMPLES = r"""
- name: Ensure the shared folder docker on /volume1
  ankinas.synology.dsm_shared_folder:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    name: docker
    volume: /volume1
    description: Container data
  register: docker_share

- name: Show where it is
  ansible.builtin.debug:
    msg: "{{ docker_share.share.vol_path }}/{{ docker_share.share.name }}"

- name: Delete a shared folder and everything in it
  ankinas.synology.dsm_shared_folder:
    name: scratch
    state: absent
"""

RETURN = r"""
share:
  description: The shared folder as DSM lists it after the task (empty after a deletion).
  returned: always
  type: dict
  contains:
    name:
      description: Name.
      type: str
      sample: docker
    vol_path:
      description: The volume.
      type: str
      sample: /volume1
    desc:
      description: Description.
      type: str
      sample: Container data
    uuid:
      description: DSM's id of the shared folder (not known yet in check mode).
      type: str
operation:
  description: What the module did (or would do in check mode).
  returned: changed
  type: str
  sample: create
changed_keys:
  description: The fields an update changed.
  returned: when O(state=present) and an existing shared folder was updated
  type: list
  elements: str
  sample: [desc]
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_share import SharedFolder
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    module = dsm_module(
        dict(
            name=dict(type="str", required=True),
            volume=dict(type="str", default="/volume1"),
            description=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        )
    )
    run_resource_module(SharedFolder(module))


if __name__ == "__main__":
    main()
