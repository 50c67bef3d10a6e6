#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_container_project
short_description: A Container Manager project from compose content, on a Synology NAS (DSM 7.2+)
version_added: 0.2.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures a Container Manager project (C(SYNO.Docker.Project)) with the given compose content, through the DSM Web
    API only (no SSH, no Docker socket).
  - Creates the project folder (File Station) and the project, updates the content when it differs (stop, update,
    build), builds it and waits until DSM reports it up; or stops it; or deletes it with its folder kept.
  - On DSM C(build) is C(compose up) - it pulls the missing images inside the request, creates the containers and
    starts them - so O(state=stopped) with new content builds, then stops the project again.
  - Each action (C(build), C(start), C(stop), C(clean)) is sent once, with a timeout taken from O(wait_timeout)
    (a build pulls its images inside the request; never less than O(dsm_timeout)). When its answer is lost (a
    timeout, a dropped connection, an HTML error page) or is error 1202 (DSM did the work but does not confirm
    it), the module reads the project's status until it shows the action's outcome, and never sends it again.
  - C(WARNING) (some containers exited while the others run, as a one-shot init container leaves it) counts as up,
    with a warning naming the exited containers. Up means every container has been started. A build makes all the
    containers first and starts them in dependency order, and until then the status may read from the ones started
    so far (no public capture shows DSM listing a transient status while it builds).
  - The compose content is read with C(get), where DSM has it (C(list) carries none), so a rerun with the same
    content changes nothing.
  - Verified shapes (public clients that ran against DSM 7.2.2/7.3.2) are C(list) keyed by project id, C(get) with
    the content and the containers, C(create) with C(name), C(share_path) and C(content), C(update) with C(id)
    and C(content), the actions with C(id), C(delete) with C(preserve_content), error 2102 for a taken name and
    1202 after C(build) and C(stop). The C(*_stream) variants answer plain text, not JSON, also on success; the
    module uses them only when DSM lacks the direct method (error 103).
notes:
  - The DSM answers it reads are the DSM contracts C(project_list), C(project_get), C(file_info_missing) of the
    collection's table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a
    NAS, and C(playbooks/site.yml) before its first change.
  - UNVERIFIED on a real NAS; the module says so in the error when it happens. The status of a project while an
    action still works (states other than C(RUNNING), C(STOPPED) and C(WARNING) are taken as transient); error
    2104 or 408 for an unknown project (both are taken as absent); C(get_share_info) for the content when C(get)
    omits it (one client does this, never run on hardware); that C(create) with the content in one call
    deploys what DSM's UI deploys.
  - The content is stored on the NAS as given, so it holds the environment values. O(secret_env) masks them in
    the module's output and diff only.
  - A content change stops the project before the update (DSM's own update sequence), so the service is down for
    the rebuild.
options:
  name:
    description:
      - The project's name (Container Manager's, and the compose project name). Lower-case letters, digits, C(-)
        and C(_).
    type: str
    required: true
  share_path:
    description:
      - The project folder as a File Station path (C(/share/folder)), where DSM keeps C(compose.yaml). The shared
        folder must exist; the folder is made when missing. Required when the project is created.
      - An existing project in another folder is not moved; the module fails instead.
    type: str
  content:
    description:
      - The compose file, as text. Required with O(state=running) and O(state=stopped) when the project is created
        or its content is to be managed.
    type: str
  secret_env:
    description:
      - Names of environment variables whose values O(content) carries and that are masked in the output and diff.
    type: list
    elements: str
    default: []
  state:
    description:
      - V(running) builds and starts the project and waits until it is C(RUNNING) (or C(WARNING)); V(stopped) stops
        it; V(absent) stops it, removes its containers and deletes the project, keeping its folder and data.
    type: str
    choices: [running, stopped, absent]
    default: running
  wait_timeout:
    description:
      - Seconds the project's actions may take together, from the first one. A build pulls its images inside the
        request, so the actions wait this long for DSM's answer; an action whose answer was lost or unconfirmed
        (1202) is settled by reading the project's status within the same time.
    type: int
    default: 180
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
seealso:
  - module: ankinas.synology.dsm_session
  - module: ankinas.synology.dsm_container_project_info
"""

EXAMPLES = r"""
- name: Run the Anki sync server as a Container Manager project
  ankinas.synology.dsm_container_project:
    name: anki-sync-server
    share_path: /docker/anki-sync-server
    content: "{{ lookup('ansible.builtin.template', 'compose.yml.j2') }}"
    secret_env: [SYNC_USER1, SYNC_USER2]

- name: Delete the project, keeping its folder
  ankinas.synology.dsm_container_project:
    name: anki-sync-server
    state: absent
"""

RETURN = r"""
project:
  description: The project as DSM lists it after the task (empty after a deletion), secret values masked.
  returned: always
  type: dict
  contains:
    id:
      description: DSM's id of the project (not known yet in check mode).
      type: str
    name:
      description: Name.
      type: str
    share_path:
      description: The project folder (File Station path).
      type: str
    status:
      description: C(RUNNING), C(STOPPED), C(WARNING) or a transient state.
      type: str
      sample: RUNNING
    containers:
      description: The ids of the project's containers.
      type: list
      elements: str
    content:
      description: The compose content, O(secret_env) values masked.
      type: str
operation:
  description: What the module did (or would do in check mode).
  returned: changed
  type: str
  sample: update
unconfirmed:
  description:
    - The actions DSM did not confirm (the answer was lost, or error 1202), in order; the module read their outcome
      from the project's status instead of sending them again.
  returned: always
  type: list
  elements: str
  sample: [build]
changed_keys:
  description: What an update changed (C(content), C(status)).
  returned: when an existing project was updated
  type: list
  elements: str
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_container_project import ContainerProject
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    module = dsm_module(
        dict(
            name=dict(type="str", required=True),
            share_path=dict(type="str"),
            content=dict(type="str", no_log=True),  # it carries the environment values
            secret_env=dict(type="list", elements="str", default=[], no_log=False),
            state=dict(type="str", choices=["running", "stopped", "absent"], default="running"),
            wait_timeout=dict(type="int", default=180),
        )
    )
    run_resource_module(ContainerProject(module))


if __name__ == "__main__":
    main()
