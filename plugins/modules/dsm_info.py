#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_info
short_description: Read the DSM version, the model and which DSM APIs a Synology NAS offers
version_added: 0.1.0
author: ankinas.synology contributors (@ankinas)
description:
  - Reads the DSM version and the model with C(SYNO.DSM.Info) C(getinfo) (version 2), or with C(SYNO.Core.System)
    C(info) where DSM does not offer it.
  - Reports which of the APIs the other modules of this collection need exist on the NAS. Package APIs exist only
    when the package is installed (Container Manager, Hyper Backup).
  - Changes nothing.
options: {}
notes:
  - The DSM answers it reads are the DSM contracts C(dsm_info), C(system_info) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
"""

EXAMPLES = r"""
- name: Read the DSM version
  ankinas.synology.dsm_info:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
  register: nas

- name: Require DSM 7.2 or later for Container Manager projects
  ansible.builtin.assert:
    that:
      - nas.dsm.major > 7 or (nas.dsm.major == 7 and nas.dsm.minor >= 2)
      - nas.apis.docker_project
    fail_msg: "{{ nas.dsm.version_string }} has no Container Manager projects"
"""

RETURN = r"""
dsm:
  description: What DSM and which model the NAS runs.
  returned: success
  type: dict
  contains:
    version_string:
      description: The version as DSM writes it.
      type: str
      sample: DSM 7.2.2-72806 Update 3
    major:
      description: Major version.
      type: int
      sample: 7
    minor:
      description: Minor version.
      type: int
      sample: 2
    micro:
      description: Third version number, V(0) when DSM writes none (C(DSM 7.2-64570)).
      type: int
      sample: 2
    build:
      description: Build number.
      type: int
      sample: 72806
    update:
      description: Update number, V(0) for none.
      type: int
      sample: 3
    model:
      description: The NAS model.
      type: str
      sample: DS920+
    source:
      description: The API the version was read from.
      type: str
      sample: SYNO.DSM.Info
apis:
  description: Which APIs that the collection's modules use exist on the NAS.
  returned: success
  type: dict
  contains:
    reverse_proxy:
      description: C(SYNO.Core.AppPortal.ReverseProxy) exists (reverse-proxy rules).
      type: bool
    backup_task:
      description: C(SYNO.Backup.Task) exists (Hyper Backup is installed).
      type: bool
    docker_project:
      description: C(SYNO.Docker.Project) exists (Container Manager with projects, DSM 7.2 and later).
      type: bool
    shared_folder:
      description: C(SYNO.Core.Share) exists (shared folders).
      type: bool
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module

VERSION = re.compile(r"DSM (\d+)\.(\d+)(?:\.(\d+))?-(\d+)(?: Update (\d+))?")

REPORTED_APIS = {
    "reverse_proxy": "SYNO.Core.AppPortal.ReverseProxy",
    "backup_task": "SYNO.Backup.Task",
    "docker_project": "SYNO.Docker.Project",
    "shared_folder": "SYNO.Core.Share",
}


def read_version(client):
    """(version string, model, source API): DSM.Info v2 where offered, else Core.System."""
    info = client.api_info("SYNO.DSM.Info")
    if info and info["maxVersion"] >= 2:
        try:
            data = client.call("SYNO.DSM.Info", "getinfo", version=2)
            return data.get("version_string", ""), data.get("model", ""), "SYNO.DSM.Info"
        except DSMAPIError as exc:
            if exc.code not in (102, 103, 104):
                raise
    data = client.call("SYNO.Core.System", "info", version=1)
    return data.get("firmware_ver", ""), data.get("model", ""), "SYNO.Core.System"


def gather(client):
    version_string, model, source = read_version(client)
    match = VERSION.search(version_string or "")
    numbers = [int(group or 0) for group in match.groups()] if match else [client.dsm_major(), 0, 0, 0, 0]
    dsm = dict(zip(("major", "minor", "micro", "build", "update"), numbers, strict=True))
    dsm.update(version_string=version_string, model=model, source=source)
    apis = {key: client.has_api(api) for key, api in REPORTED_APIS.items()}
    return {"dsm": dsm, "apis": apis}


def main():
    module = dsm_module()
    run_read_module(module, gather)


if __name__ == "__main__":
    main()
