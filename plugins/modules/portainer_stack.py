#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: portainer_stack
short_description: Manage a Docker Compose stack through the Portainer API
version_added: 0.1.0
description:
  - Creates, updates and deletes a standalone Docker Compose stack in a Portainer environment, from compose
    file content and environment variables.
  - The stack is updated only when its compose file (as C(GET /api/stacks/{id}/file) returns it) or its
    environment variables differ from the wanted ones.
  - After a create or an update the module waits until every container of the stack runs, and is healthy
    when it has a healthcheck (see O(wait)).
author:
  - ankinas.synology maintainers (@ankinas)
extends_documentation_fragment:
  - ankinas.synology.portainer
  - ankinas.synology.attributes
attributes:
  diff_mode:
    details:
      - The values of O(env) are masked in the diff; their names are shown.
options:
  name:
    description:
      - Name of the stack. Portainer normalises it (lowercase, only C(a-z), C(0-9), C(-) and C(_) kept), and
        the normalised name is also the Docker Compose project name.
      - A stack is identified by its normalised name and its environment.
    type: str
    required: true
  endpoint:
    description:
      - The Portainer environment (endpoint) of the stack, by name or by numeric id.
      - By default, the only local Docker environment (type Docker, URL C(unix://...)); the module fails when
        there is none or more than one.
    type: str
  state:
    description:
      - V(present) creates the stack or updates it when its compose file or environment differ.
      - V(absent) deletes the stack; Portainer stops and removes its containers (not its volumes).
    type: str
    choices: [present, absent]
    default: present
  compose:
    description:
      - Content of the compose file. Required when O(state=present).
      - It may refer to the variables of O(env) as C(${NAME}), and services may load them all with
        C(env_file) V(stack.env), because Portainer writes O(env) to C(stack.env) next to the compose file.
      - Never put secrets here; pass them in O(env).
      - Relative bind mounts resolve inside Portainer's data folder on the host; use absolute paths or named
        volumes.
    type: str
  env:
    description:
      - Environment variables of the stack (name to value). They replace the stack's variables entirely.
      - Values are treated as secrets; they are never shown in the output, the diff or error messages.
      - Values must be strings or numbers; quote booleans (V("true")).
    type: dict
    default: {}
  pull_image:
    description:
      - When the stack is updated, make Portainer pull the images again even if their tags did not change.
      - Does not by itself cause an update.
    type: bool
    default: false
  wait:
    description:
      - After a create or update, wait until every container of the stack runs (and is healthy, when it has a
        healthcheck). The module fails if that does not happen within O(wait_timeout) seconds, or as soon as
        a container has exited and will not be restarted.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true).
    type: int
    default: 120
notes:
  - Portainer 2.19 and later create stacks with C(POST /api/stacks/create/standalone/string); older versions,
    or a Portainer that answers that route with 404 or 405, are sent C(POST /api/stacks?type=2&method=string).
  - A stack that exists but is stopped is not started by O(state=present).
  - Ansible hides every value of O(env) wherever it appears in the output, so a short value such as V(1) can
    mask unrelated numbers in the output.
seealso:
  - name: Portainer API documentation
    description: The Portainer CE HTTP API.
    link: https://docs.portainer.io/api/docs
"""

EXAMPLES = r"""
- name: Deploy the Anki sync server as a Portainer stack
  ankinas.synology.portainer_stack:
    portainer_url: https://nas.local:9443
    portainer_api_key: "{{ vault_portainer_api_key }}"
    name: anki
    compose: |
      services:
        anki:
          image: jeankhawand/anki-sync-server:25.07
          restart: unless-stopped
          ports:
            - "27701:8080"
          env_file: stack.env
          volumes:
            - /volume1/docker/anki:/anki_data
    env:
      SYNC_USER1: "alice:{{ vault_alice_password_hash }}"
      PASSWORDS_HASHED: "1"
  register: anki_stack

- name: Set the connection once for every Portainer module
  module_defaults:
    group/ankinas.synology.portainer:
      portainer_url: https://nas.local:9443
      portainer_username: admin
      portainer_password: "{{ vault_portainer_password }}"
  block:
    - name: Remove the stack
      ankinas.synology.portainer_stack:
        name: anki
        endpoint: local
        state: absent
"""

RETURN = r"""
stack:
  description:
    - The stack as Portainer has it after the task (in check mode, as it would be); empty when absent.
    - The values of RV(stack.env) are masked.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the stack (null when check mode predicts a create).
      type: int
      sample: 3
    name:
      description: Name of the stack, normalised by Portainer.
      type: str
      sample: anki
    endpoint_id:
      description: Id of the environment of the stack.
      type: int
      sample: 1
    endpoint:
      description: Name of the environment of the stack.
      type: str
      sample: local
    type:
      description: Stack type (2 is a standalone compose stack).
      type: int
      sample: 2
    status:
      description: Stack status (1 active, 2 inactive).
      type: int
      sample: 1
    compose:
      description: Content of the compose file.
      type: str
      sample: "services:\n  anki:\n    image: jeankhawand/anki-sync-server:25.07\n"
    env:
      description: Environment variable names of the stack, each with a masked value.
      type: dict
      sample: {"SYNC_USER1": "********"}
    project_path:
      description: Folder of the stack's files on the Docker host, as Portainer reports it.
      type: str
      sample: /data/compose/3
    creation_date:
      description: Creation time (Unix seconds).
      type: int
      sample: 1767225600
    update_date:
      description: Last update time (Unix seconds; 0 when never updated).
      type: int
      sample: 1767225600
operation:
  description: What the task did (or would do in check mode).
  returned: changed
  type: str
  sample: update
changed_keys:
  description: Which of V(compose) and V(env) differed when the stack was updated.
  returned: when the stack was updated
  type: list
  elements: str
  sample: [env]
changed_env:
  description: Names of the environment variables that were added, removed or changed by an update.
  returned: when RV(changed_keys) contains V(env)
  type: list
  elements: str
  sample: [SYNC_USER1]
"""

from ansible_collections.ankinas.synology.plugins.module_utils._portainer_module import portainer_module
from ansible_collections.ankinas.synology.plugins.module_utils._portainer_stack import PortainerStack
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    module = portainer_module(
        dict(
            name=dict(type="str", required=True),
            endpoint=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            compose=dict(type="str"),
            env=dict(type="dict", default={}, no_log=True),
            pull_image=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=120),
        )
    )
    run_resource_module(PortainerStack(module))


if __name__ == "__main__":
    main()
