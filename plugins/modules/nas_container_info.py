#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: nas_container_info
short_description: Read containers on a Synology NAS through DSM's own Docker CLI, with nothing installed on the NAS
version_added: 0.3.0
author:
  - ankinas.synology maintainers (@ankinas)
description:
  - Reads one container as C(docker container inspect) shows it, or lists every container, running or not.
  - An action plugin, like M(ankinas.synology.nas_container), so the NAS runs only a POSIX shell and its Docker CLI.
  - DSM's Docker socket is root-only, so run the task with C(become=true).
options:
  name:
    description: The container to read (a name or an ID).
    type: str
  containers:
    description:
      - List every container instead, in the shape of the Docker Engine's container list (C(Id), C(Names), C(Image),
        C(ImageID), C(State), C(Labels), C(Mounts), C(Ports)) as community.docker.docker_host_info shows it.
    type: bool
    default: false
  details:
    description:
      - With O(containers=true), also return every container as C(docker container inspect) shows it, its environment
        included, in RV(details), from the same read (no second read of a container). Register the result with
        C(no_log).
    type: bool
    default: false
  docker_cli:
    description: The Docker CLI's path; see M(ankinas.synology.nas_container).
    type: str
    default: ""
  docker_host:
    description: The engine the CLI talks to; see M(ankinas.synology.nas_container).
    type: str
    default: ""
extends_documentation_fragment:
  - ankinas.synology.attributes.INFO_MODULE
notes:
  - A container's environment may carry secrets (the sync server's carries the users' password hashes), so register
    the result with C(no_log).
seealso:
  - module: ankinas.synology.nas_container
"""

EXAMPLES = r"""
- name: Read the sync server's container
  ankinas.synology.nas_container_info:
    name: anki-sync-server
  become: true
  register: server
  no_log: true  # the environment carries the password hashes
"""

RETURN = r"""
exists:
  description: Whether the container exists.
  returned: when O(name) is given
  type: bool
container:
  description: The container as C(docker container inspect) shows it; null when it does not exist.
  returned: when O(name) is given
  type: dict
containers:
  description: Every container, in the Engine's container list shape (published ports of running containers only).
  returned: when O(containers=true)
  type: list
  elements: dict
details:
  description: Every container by name (without the leading C(/)), as C(docker container inspect) shows it.
  returned: when O(details=true)
  type: dict
docker_cli:
  description: The Docker CLI's path on the NAS.
  returned: always
  type: str
"""
