#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_package_info
short_description: List the DSM packages installed on a Synology NAS, and those its catalog offers
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Lists the installed packages (C(SYNO.Core.Package) C(list)) with their version and status.
  - With O(catalog), also what Package Center offers this model and DSM version (C(SYNO.Core.Package.Server)
    C(list)), for example whether Container Manager can be installed at all, and which packages have an update.
  - A module of its own rather than facts of M(ankinas.synology.dsm_info), because Package Center's APIs are for
    administrators only, and M(ankinas.synology.dsm_info) stays one cheap read that any account may make.
  - Changes nothing.
options:
  names:
    description: Package ids to report (all when empty).
    type: list
    elements: str
    default: []
  catalog:
    description: Also read this model's Package Center catalog (one more call; DSM may fetch it from Synology).
    type: bool
    default: false
notes:
  - The DSM answers it reads are the DSM contracts C(package_list), C(package_catalog) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS.
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
seealso:
  - module: ankinas.synology.dsm_package
"""

EXAMPLES = r"""
- name: Is Container Manager installed, and offered for this model?
  ankinas.synology.dsm_package_info:
    names: [ContainerManager, Docker]
    catalog: true
  delegate_to: localhost
  register: packages

- name: Say so
  ansible.builtin.debug:
    msg: >-
      installed: {{ packages.packages.keys() | list }};
      offered: {{ packages.offered.keys() | list }}
"""

RETURN = r"""
packages:
  description: The installed packages (those of O(names)), by id.
  returned: success
  type: dict
  sample:
    ContainerManager:
      id: ContainerManager
      name: Container Manager
      version: 24.0.2-1535
      status: running
      startable: true
      install_type: ""
      uninstallable: true
offered:
  description: What this model's catalog offers (those of O(names)), by id.
  returned: when O(catalog) is true
  type: dict
  sample:
    ContainerManager:
      name: Container Manager
      version: 24.0.2-1535
      install_type: ""
      update_available: false
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_package import ERRORS, INFO_OPTIONS, gather


def main():
    module = dsm_module(INFO_OPTIONS)
    run_read_module(module, lambda client: gather(client, module.params), errors=ERRORS)


if __name__ == "__main__":
    main()
