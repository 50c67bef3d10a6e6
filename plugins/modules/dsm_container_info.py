#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_container_info
short_description: Read the containers of a Synology NAS through the DSM Web API, without SSH
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Reads the NAS's containers through C(SYNO.Docker.Container) (Container Manager on DSM 7.2+, the Docker package
    before), every container, running or not, whichever tool made it (Container Manager, Portainer, C(docker run)).
    DSM credentials are all it needs. Changes nothing.
  - Without O(name), returns every container in the shape of the Docker Engine's container list (as
    M(community.docker.docker_host_info) returns it with C(verbose_output)), with names, image, state, published ports,
    mounts and labels, no environment. C(list) shows no ports or mounts, so the module asks C(get) once per container.
  - With O(name), returns that container as the Engine's inspect shows it (as M(community.docker.docker_container_info)
    does), environment included.
notes:
  - The DSM answers it reads are the DSM contracts C(container_list), C(container_get) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
  - UNVERIFIED on a real NAS; that C(get)'s C(details) carries C(HostConfig.PortBindings) (without it the published
    ports come from C(profile), with no host address).
options:
  name:
    description:
      - The container to read whole, its environment included (run the task with C(no_log=true)).
    type: str
  details:
    description:
      - Without O(name), also return every container as the Engine's inspect shows it, its environment included, in
        RV(details); the list asks C(get) once per container anyway, so no second read of a container is needed.
        Run the task with C(no_log=true).
    type: bool
    default: false
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
"""

EXAMPLES = r"""
- name: List the NAS's containers with DSM credentials alone
  ankinas.synology.dsm_container_info:
  register: nas_containers

- name: Read one container, its environment included
  ankinas.synology.dsm_container_info:
    name: anki-sync-server
  register: sync_server
  no_log: true
"""

RETURN = r"""
containers:
  description: Every container (without O(name)), in the Docker Engine's list shape; paths as the NAS's Engine has them.
  returned: when O(name) is not set
  type: list
  elements: dict
  sample: [{"Id": "96c9…", "Names": ["/anki-sync-server"], "Image": "jeankhawand/anki-sync-server:25.07",
            "State": "running", "Ports": [{"IP": "127.0.0.1", "PrivatePort": 8080, "PublicPort": 27701, "Type": "tcp"}],
            "Mounts": [{"Type": "bind", "Source": "/volume1/docker/anki-server", "Destination": "/anki_data"}],
            "Labels": {"com.docker.compose.project": "anki"}}]
details:
  description: Every container by name (without O(name), with O(details=true)), as the Engine's inspect shows it.
  returned: when O(details=true) and O(name) is not set
  type: dict
exists:
  description: Whether the container O(name) exists.
  returned: when O(name) is set
  type: bool
container:
  description: The container O(name) as the Engine's inspect shows it (empty when it does not exist).
  returned: when O(name) is set
  type: dict
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_docker_container import ERRORS, gather
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module


def main():
    module = dsm_module(dict(name=dict(type="str"), details=dict(type="bool", default=False)))
    params = module.params
    run_read_module(module, lambda client: gather(client, params["name"], params["details"]), errors=ERRORS)


if __name__ == "__main__":
    main()
