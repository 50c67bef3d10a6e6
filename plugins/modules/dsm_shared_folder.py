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

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_share import SHARE_API, find_share
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError, run_resource_module

MAX_DESCRIPTION = 64
VOLUME = re.compile(r"^/volume[0-9]+$")
# Characters DSM refuses in shared folder names.
FORBIDDEN_NAME = re.compile(r'[\\/:*?"<>|=+,;\[\]`]')
SHOWN_FIELDS = ("name", "vol_path", "desc", "uuid")
#: what the DSM Control Panel wizard sets for a new shared folder
CREATE_DEFAULTS = {
    "enable_recycle_bin": True,
    "recycle_bin_admin_only": True,
    "enable_share_cow": False,
    "enable_share_compress": False,
    "encryption": 0,
}


class SharedFolder(DSMResource):
    result_key = "share"
    compared_keys = ("desc",)

    def validate(self):
        super().validate()
        name, volume, description = self.params["name"], self.params["volume"], self.params["description"]
        if not name or len(name) > 32 or FORBIDDEN_NAME.search(name) or name.startswith("."):
            raise ResourceError(
                "name must be 1 to 32 characters, not start with a dot and not contain any of "
                '\\ / : * ? " < > | = + , ; [ ] `'
            )
        if not VOLUME.match(volume):
            raise ResourceError(f"volume must be a DSM volume path such as /volume1, got {volume!r}")
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise ResourceError(
                f"description is {len(description)} characters long; DSM accepts at most {MAX_DESCRIPTION}"
            )

    def read(self):
        share = find_share(self.client, self.params["name"])
        return {key: share.get(key, "") for key in SHOWN_FIELDS} if share else None

    def desired(self, current):
        volume = self.params["volume"]
        if current is not None and current["vol_path"] != volume:
            raise ResourceError(
                f"shared folder {self.params['name']} is on {current['vol_path']}, not on {volume}; set volume to "
                f"{current['vol_path']} (this module does not move shared folders)"
            )
        description = self.params["description"]
        if description is None:
            description = current["desc"] if current else ""
        return {"name": self.params["name"], "vol_path": volume, "desc": description}

    def _shareinfo(self, desired, name_org):
        return dict(name=desired["name"], vol_path=desired["vol_path"], desc=desired["desc"], name_org=name_org)

    def create(self, desired):
        shareinfo = dict(self._shareinfo(desired, ""), **CREATE_DEFAULTS)
        self.client.call(
            SHARE_API,
            "create",
            {"name": desired["name"], "shareinfo": shareinfo},
            version=1,
            write=True,
            confirm=lambda: self.read() is not None,
        )

    def update(self, current, desired):
        self.client.call(
            SHARE_API,
            "set",
            {"name": current["name"], "shareinfo": self._shareinfo(desired, current["name"])},
            version=1,
            write=True,
            confirm=lambda: (self.read() or {}).get("desc") == desired["desc"],
        )

    def delete(self, current):
        self.client.call(
            SHARE_API,
            "delete",
            {"name": [current["name"]]},
            version=1,
            write=True,
            confirm=lambda: self.read() is None,
        )


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
