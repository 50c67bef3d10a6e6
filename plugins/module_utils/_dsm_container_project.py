# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Container Manager projects (SYNO.Docker.Project, DSM 7.2+) through the one DSM client.

PRIVATE to the collection: it can change at any time.

Wire shapes (dsm-webapi.md §6.1, §7.3, §7.4): list answers an object keyed by project id; create
takes name, share_path, content and the service-portal fields; update takes id and content; the
actions take id. Parameters go as JSON literals (go-synology, used on DSM 7.2.2 and 7.3.2; batonogov's
raw id/content was never run on hardware). build/start/stop/restart/clean fall back to their
*_stream variants when DSM answers 103 (older builds); those answer plain text, also on success.
UNVERIFIED on a real NAS: that create with the content in one call deploys what the UI deploys, and
the status of a project that is still building (anything but RUNNING/STOPPED/WARNING counts as busy).
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_file_station import FolderClient
from ansible_collections.ankinas.synology.plugins.module_utils._resource import MASK, ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import wait_until

PROJECT_API = "SYNO.Docker.Project"
RUNNING, STOPPED, WARNING = "RUNNING", "STOPPED", "WARNING"

#: DSM error codes of the project API (a module passes them to its client)
ERRORS = {
    PROJECT_API: {
        2202: "The project failed to build (an image could not be pulled, or the compose content is invalid)",
    },
}


def mask_env(content, names):
    """The compose content with the values of the environment variables in names replaced by MASK.

    Line by line, for both compose forms: `NAME: value` (a mapping) and `- NAME=value` (a list).
    """
    if not names:
        return content
    wanted = "|".join(re.escape(name) for name in names)
    pattern = re.compile(r"^(\s*-?\s*[\"']?(?:" + wanted + r")[\"']?\s*[:=]\s*).+$", re.MULTILINE)
    return pattern.sub(lambda match: match.group(1) + MASK, content)


class ProjectClient:
    """The calls of SYNO.Docker.Project on one DSM client."""

    def __init__(self, client):
        self.client = client

    def find(self, name):
        data = self.client.call(PROJECT_API, "list", {"offset": 0, "limit": -1}, version=1)
        found = [
            project for project in (data or {}).values() if isinstance(project, dict) and project.get("name") == name
        ]
        return found[0] if found else None

    def get(self, project_id):
        return self.client.call(PROJECT_API, "get", {"id": project_id}, version=1)

    def make_folder(self, share_path):
        """The project folder (File Station), with its parents; an existing one is fine."""
        FolderClient(self.client).make(share_path)

    def create(self, name, share_path, content):
        params = {
            "name": name,
            "share_path": share_path,
            "content": content,
            "enable_service_portal": False,
            "service_portal_name": "",
            "service_portal_port": 0,
            "service_portal_protocol": "",
        }
        self.client.call(PROJECT_API, "create", params, version=1, write=True, confirm=lambda: bool(self.find(name)))
        project = self.find(name)
        if project is None:
            raise ResourceError(f"{PROJECT_API} create answered success but project {name} is not listed")
        return project

    def update(self, project_id, content):
        self.client.call(
            PROJECT_API,
            "update",
            {"id": project_id, "content": content},
            version=1,
            write=True,
            confirm=lambda: self.get(project_id).get("content") == content,
        )

    def act(self, project_id, action):
        """build, start, stop, restart or clean; the *_stream variant when DSM lacks the direct one."""
        try:
            self.client.call(PROJECT_API, action, {"id": project_id}, version=1, write=True)
        except DSMAPIError as exc:
            if exc.code != 103:
                raise
            self.client.call(PROJECT_API, f"{action}_stream", {"id": project_id}, version=1, write=True, text=True)

    def delete(self, project_id):
        self.client.call(
            PROJECT_API,
            "delete",
            {"id": project_id, "preserve_content": True},
            version=1,
            write=True,
            confirm=lambda: not any(p.get("id") == project_id for p in self._all()),
        )

    def _all(self):
        data = self.client.call(PROJECT_API, "list", {"offset": 0, "limit": -1}, version=1)
        return [project for project in (data or {}).values() if isinstance(project, dict)]

    def wait(self, project_id, wanted, timeout, poll=1.0):
        """Poll until the project's status is wanted; fail naming the last status after timeout seconds."""
        return wait_until(
            lambda: self.get(project_id),
            lambda project: project.get("status") == wanted,
            timeout,
            lambda project: (
                f"project {project.get('name')} is {project.get('status')}, not {wanted}, after {timeout}s "
                "(wait_timeout); see its containers' logs in Container Manager"
            ),
            interval=poll,
        )
