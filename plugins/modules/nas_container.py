#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: nas_container
short_description: Run a container on a Synology NAS through DSM's own Docker CLI, with nothing installed on the NAS
version_added: 0.3.0
author:
  - ankinas.synology maintainers (@ankinas)
description:
  - Makes sure a container runs with the given image, environment, published ports, bind mounts, networks, labels,
    restart policy and stop signal, or is absent. It is recreated when one of them differs (the environment is
    compared strictly, so a variable no longer asked for is a difference) and started when it is stopped.
  - An action plugin. It runs nothing on the NAS but a POSIX shell and the Docker CLI that Container Manager
    (DSM 7.2+) or the Docker package (DSM 7.0/7.1) installs, by its absolute path; the reading, comparing and
    predicting happen on the controller. So the NAS needs no Python package (DSM's Python has no C(requests), which
    the Docker SDK and community.docker's modules need) and no Compose v2 (Container Manager ships v2.9, older than
    community.docker.docker_compose_v2 accepts).
  - One round trip reads the container, the image and the networks; a change is a second one (create the missing
    networks; stop and remove the old container; C(docker create); C(docker start)).
  - The environment reaches C(docker create --env-file /dev/stdin) on the command's standard input, never on a
    command line, which any user of the NAS can read in the process list.
  - DSM's Docker socket is root-only, so run the task with C(become=true), which DSM's sudo
    allows the administrators.
options:
  name:
    description: The container's name.
    type: str
    required: true
  state:
    description:
      - V(started) runs the container as described; V(absent) stops and removes it (its volumes stay).
      - V(stopped) stops a running container as it is (nothing else is compared; a missing container is left missing).
    type: str
    choices: [started, stopped, absent]
    default: started
  image:
    description:
      - The image, with its tag. C(docker create) pulls it when the NAS does not have it.
      - Required for V(started).
    type: str
  env:
    description:
      - The environment, on top of the image's own. Values are strings without line breaks.
      - Never shown; the diff lists the names only, each value masked (and marked when it changes).
    type: dict
    default: {}
  published_ports:
    description: Ports as C(docker create --publish) takes them, V([ip:][host_port:]container_port[/protocol]).
    type: list
    elements: str
    default: []
  volumes:
    description: Bind mounts as C(docker create --volume) takes them, V(source:destination[:mode]).
    type: list
    elements: str
    default: []
  networks:
    description:
      - The networks the container is attached to, by name (or as dicts with a V(name) key), and only those.
      - A missing network is created (a bridge network).
    type: list
    elements: raw
    default: []
  labels:
    description: Labels the container carries (others, the image's among them, may be there too).
    type: dict
    default: {}
  restart_policy:
    description: The restart policy.
    type: str
    choices: ["no", always, on-failure, unless-stopped]
    default: "no"
  stop_signal:
    description: The signal that stops the container (compared only when given).
    type: str
  docker_cli:
    description:
      - The Docker CLI's path on the NAS. Empty, the first that exists of
        C(/var/packages/ContainerManager/target/usr/bin/docker) (Container Manager, DSM 7.2+),
        C(/var/packages/Docker/target/usr/bin/docker) (Docker package, DSM 7.0/7.1), C(/usr/local/bin/docker), then
        C(docker) in the PATH (a controller driving a remote engine).
    type: str
    default: ""
  docker_host:
    description:
      - The engine the CLI talks to (C(docker --host)); empty for the NAS's own socket.
      - A V(tcp://) or V(ssh://) engine is driven from where the task runs (delegate it to the controller).
    type: str
    default: ""
extends_documentation_fragment:
  - ankinas.synology.attributes
attributes:
  diff_mode:
    support: full
    details: The environment's values are masked.
notes:
  - Compared to community.docker.docker_container, only the options above are managed, and the image is compared by
    name and by ID (a tag moved to a new build recreates the container).
seealso:
  - module: ankinas.synology.nas_container_info
"""

EXAMPLES = r"""
- name: Run the sync server on the NAS, as root (DSM's Docker socket is root-only)
  ankinas.synology.nas_container:
    name: anki-sync-server
    image: jeankhawand/anki-sync-server:25.07
    env:
      SYNC_USER1: "alice:{{ alice_password }}"
    published_ports: ["127.0.0.1:27701:8080"]
    volumes: ["/volume1/docker/anki-server:/anki_data"]
    networks: [anki-network]
    restart_policy: unless-stopped
    stop_signal: SIGINT
  become: true
"""

RETURN = r"""
differences:
  description: >-
    What differed: V(created) for a new container, V(absent) for a removal, V(running) when it only had to be
    started, else the names of the options that differed.
  returned: always
  type: list
  elements: str
  sample: [env, image]
actions:
  description: The docker steps run (in check mode, the ones that would run).
  returned: always
  type: list
  elements: str
  sample: [stop the container, remove the container, create the container, start the container]
docker_cli:
  description: The Docker CLI's path on the NAS.
  returned: always
  type: str
  sample: /var/packages/ContainerManager/target/usr/bin/docker
"""
