#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: portainer_stack_info
short_description: Read a Docker Compose stack from the Portainer API
version_added: 0.1.0
description:
  - Reads one stack of a Portainer environment, by name, as M(ankinas.synology.portainer_stack) sees it.
  - Changes nothing.
author:
  - ankinas.synology maintainers (@ankinas)
extends_documentation_fragment:
  - ankinas.synology.portainer
  - ankinas.synology.attributes.INFO_MODULE
options:
  name:
    description: Name of the stack (normalised as Portainer does).
    type: str
    required: true
  endpoint:
    description:
      - The Portainer environment, by name or numeric id; by default the only local Docker environment.
    type: str
  reveal_env:
    description:
      - Return the values of the stack's environment variables as they are stored, instead of masked.
      - They usually are secrets; use it only in a task with C(no_log=true), to compare or reuse them.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the deployed stack, with its environment, to reuse password hashes
  ankinas.synology.portainer_stack_info:
    portainer_url: https://nas.local:9443
    portainer_api_key: "{{ vault_portainer_api_key }}"
    name: anki-sync-server
    reveal_env: true
  register: deployed
  no_log: true
"""

RETURN = r"""
exists:
  description: Whether the stack exists.
  returned: always
  type: bool
stack:
  description:
    - The stack (empty when it does not exist). C(env) values are masked unless O(reveal_env=true).
  returned: always
  type: dict
  sample: {"id": 3, "name": "anki-sync-server", "endpoint": "local", "status": 1, "env": {"SYNC_USER1": "********"}}
"""

from ansible_collections.ankinas.synology.plugins.module_utils._portainer_module import (
    portainer_module,
    run_read_module,
)
from ansible_collections.ankinas.synology.plugins.module_utils._portainer_stack import stack_facts


def main():
    module = portainer_module(
        dict(
            name=dict(type="str", required=True),
            endpoint=dict(type="str"),
            reveal_env=dict(type="bool", default=False),
        )
    )
    run_read_module(module, stack_facts)


if __name__ == "__main__":
    main()
