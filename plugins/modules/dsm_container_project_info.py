#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_container_project_info
short_description: Read a Container Manager project of a Synology NAS (DSM 7.2+)
version_added: 0.2.0
author: ankinas.synology contributors (@ankinas)
description:
  - Reads one Container Manager project by name (C(SYNO.Docker.Project) C(list), then C(get) for its compose content
    and containers, which C(list) does not carry; C(get_share_info) when C(get) omits the content), as
    M(ankinas.synology.dsm_container_project) sees it. Changes nothing.
  - C(WARNING) (some containers exited while the others run) counts as up; RV(project.exited) names the exited
    containers.
options:
  name:
    description: The project's name.
    type: str
    required: true
  secret_env:
    description:
      - Names of environment variables whose values are masked in the returned content.
      - Leave it empty only in a task with C(no_log=true), to compare or reuse the values.
    type: list
    elements: str
    default: []
notes:
  - The DSM answers it reads are the DSM contracts C(project_list), C(project_get) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
"""

EXAMPLES = r"""
- name: Read the deployed project, to reuse its password hashes
  ankinas.synology.dsm_container_project_info:
    name: anki-sync-server
  register: deployed
  no_log: true
"""

RETURN = r"""
exists:
  description: Whether the project exists.
  returned: always
  type: bool
project:
  description: The project (empty when it does not exist), with O(secret_env) values masked in C(content).
  returned: always
  type: dict
  sample: {"id": "0b5c…", "name": "anki-sync-server", "share_path": "/docker/anki-sync-server", "status": "RUNNING"}
  contains:
    exited:
      description: The project's containers that are not running, as C(name (exit code N)).
      type: list
      elements: str
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_container_project import ERRORS, project_facts
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module


def main():
    module = dsm_module(
        dict(
            name=dict(type="str", required=True), secret_env=dict(type="list", elements="str", default=[], no_log=False)
        )
    )
    run_read_module(module, lambda client: project_facts(client, module.params), errors=ERRORS)


if __name__ == "__main__":
    main()
