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
    build, start), builds and starts it, and waits until DSM reports it C(RUNNING); or stops it; or deletes it
    with its folder kept.
  - Verified shapes (public clients that ran against DSM 7.2.2/7.3.2) are C(list) keyed by project id, C(create)
    with C(name), C(share_path) and C(content), C(update) with C(id) and C(content), the actions with C(id), and
    C(delete) with C(preserve_content). The C(*_stream) variants answer plain text, not JSON, also on success; the
    module uses them only when DSM lacks the direct method (error 103).
notes:
  - The DSM answers it reads are the DSM contracts C(project_list), C(project_get), C(file_info_missing) of the
    collection's table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a
    NAS, and C(playbooks/site.yml) before its first change.
  - UNVERIFIED on a real NAS; the module says so in the error when it happens. That a project DSM reports as
    C(WARNING) (some containers exited) is not running, and that states other than C(RUNNING), C(STOPPED) and
    C(WARNING) are transient.
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
      - V(running) builds and starts the project and waits until it is C(RUNNING); V(stopped) stops it; V(absent)
        stops it, removes its containers and deletes the project, keeping its folder and data.
    type: str
    choices: [running, stopped, absent]
    default: running
  wait_timeout:
    description:
      - Seconds to wait for C(RUNNING) after a start.
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
changed_keys:
  description: What an update changed (C(content), C(status)).
  returned: when an existing project was updated
  type: list
  elements: str
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_container_project import (
    ERRORS,
    RUNNING,
    STOPPED,
    ProjectClient,
    mask_env,
)
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError, run_resource_module

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SHARE_PATH = re.compile(r"^/[^/]+(/[^/]+)+$")
WANTED_STATUS = {"running": RUNNING, "stopped": STOPPED}


class ContainerProject(DSMResource):
    result_key = "project"
    compared_keys = ("content", "status")
    dsm_errors = ERRORS

    @property
    def projects(self):
        return ProjectClient(self.client)

    def validate(self):
        super().validate()
        params = self.params
        if not NAME.match(params["name"] or ""):
            raise ResourceError(
                "name must be lower-case letters, digits, - and _ (1 to 64), starting with a letter or digit"
            )
        if params["share_path"] is not None and (
            not SHARE_PATH.match(params["share_path"]) or ".." in params["share_path"]
        ):
            raise ResourceError(
                "share_path must be a File Station path of a folder in a shared folder, like /docker/anki-sync-server"
            )
        if params["state"] != "absent" and not (params["content"] or "").strip():
            raise ResourceError(f"content (the compose file) is required with state={params['state']}")
        if params["wait_timeout"] <= 0:
            raise ResourceError("wait_timeout must be a positive number of seconds")

    def _shape(self, project):
        keys = ("id", "name", "share_path", "status", "content")
        shaped = {key: project.get(key) for key in keys}
        shaped["containers"] = list(project.get("containerIds") or [])
        return shaped

    def read(self):
        project = self.projects.find(self.params["name"])
        return self._shape(project) if project else None

    def desired(self, current):
        share_path = self.params["share_path"]
        if current is None and share_path is None:
            raise ResourceError(f"share_path is required to create project {self.params['name']}")
        if (
            current is not None
            and share_path is not None
            and current["share_path"].rstrip("/") != share_path.rstrip("/")
        ):
            raise ResourceError(
                f"project {self.params['name']} is in {current['share_path']}, not {share_path}; set share_path to "
                f"{current['share_path']} (this module does not move projects)"
            )
        return {
            "name": self.params["name"],
            "share_path": current["share_path"] if current else share_path,
            "content": self.params["content"],
            "status": WANTED_STATUS[self.params["state"]],
        }

    def predict(self, current, desired):
        predicted = dict(current or {"id": None, "containers": []}, **desired)
        return predicted

    def _converge_status(self, project_id, desired):
        if desired["status"] == RUNNING:
            self.projects.act(project_id, "build")
            self.projects.act(project_id, "start")
            self.projects.wait(project_id, RUNNING, self.params["wait_timeout"])
        else:
            self.projects.act(project_id, "stop")

    def create(self, desired):
        self.projects.make_folder(desired["share_path"])
        project = self.projects.create(desired["name"], desired["share_path"], desired["content"])
        if desired["status"] == RUNNING:
            self._converge_status(project["id"], desired)

    def update(self, current, desired):
        project_id = current["id"]
        if current["content"] != desired["content"]:
            if current["status"] != STOPPED:
                self.projects.act(project_id, "stop")
            self.projects.update(project_id, desired["content"])
            if desired["status"] == STOPPED:
                self.projects.act(project_id, "build")
                return
        self._converge_status(project_id, desired)

    def delete(self, current):
        if current["status"] != STOPPED:
            self.projects.act(current["id"], "stop")
        self.projects.act(current["id"], "clean")
        self.projects.delete(current["id"])

    def masked(self, obj):
        shown = dict(obj)
        if shown.get("content"):
            shown["content"] = mask_env(shown["content"], self.params["secret_env"])
        return shown


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
