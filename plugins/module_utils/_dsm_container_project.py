# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Container Manager projects (SYNO.Docker.Project, DSM 7.2+) through the one DSM client, and ContainerProject, the
Resource of the module dsm_container_project.

PRIVATE to the collection: it can change at any time.

Wire shapes (dsm-webapi.md §6.1, §7.3, §7.4, §10.1): list answers an object keyed by project id, without the
compose content; get{id} answers one project with its content and its containers (the Engine's inspect of
each) (N4S4/synology-api docker_api.py's sample answers of a NAS; pvulgaris/synology-cli, verified on DSM 7.3);
create takes name, share_path, content and the service-portal fields; update takes id and content; the actions
take id. Parameters go as JSON literals (go-synology, used on DSM 7.2.2 and 7.3.2; batonogov's raw id/content
was never run on hardware). build/start/stop/restart/clean fall back to their *_stream variants when DSM
answers 103 (older builds); those answer plain text, also on success.

DSM works inside the action requests (build pulls the images) and may drop the connection or answer 1202
after doing the work (pvulgaris/synology-cli docs/dsm-api-quirks.md, containers.ts ambiguousProjectError): an
action is sent ONCE, with a timeout from the caller's wait budget, and a lost answer or 1202 is settled by
reading the project's status, never by sending it again.
UNVERIFIED on a real NAS: that create with the content in one call deploys what the UI deploys; the status
of a project that is still building (anything but RUNNING/STOPPED/WARNING counts as busy); 2104 and 408 for
an unknown id (batonogov, not run on hardware); get_share_info{path} -> {content} when get omits the content
(batonogov only).
"""

import re
import time

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMUncertainWriteError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_file_station import FolderClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
from ansible_collections.ankinas.synology.plugins.module_utils._resource import MASK, ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import wait_until

PROJECT_API = "SYNO.Docker.Project"
RUNNING, STOPPED, WARNING = "RUNNING", "STOPPED", "WARNING"
#: statuses in which the project counts as up: WARNING is the steady state of a project with an exited one-shot
#: container beside running ones (batonogov/terraform-provider-synology-dsm issues #69/#101)
UP = (RUNNING, WARNING)
#: DSM did the action but says nothing about it (pvulgaris/synology-cli containers.ts ambiguousProjectError)
UNCONFIRMED = 1202
#: what an unknown project id answers: 2104, or 408 (batonogov isContainerProjectMissingError)
MISSING = (2104, 408)

#: DSM error codes of the project API (a module passes them to its client)
ERRORS = {
    PROJECT_API: {
        408: "No such file or directory (the project or its folder is missing)",
        UNCONFIRMED: "DSM did not confirm the action; it may have completed it (the module reads the project's "
        "status instead of sending it again)",
        2102: "A project with this name already exists",
        2104: "No such project",
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


def _containers(project):
    """(name, Engine state) of each container of a project as get answers it (the Engine's inspect of each)."""
    for container in project.get("containers") or []:
        if not isinstance(container, dict):
            continue
        state = container.get("State") if isinstance(container.get("State"), dict) else {}
        yield str(container.get("Name") or container.get("name") or container.get("Id", "?")[:12]).lstrip("/"), state


def starting_containers(project):
    """Names of the containers of a project made but not started yet: a build (`compose up`) makes every container
    first and starts them in dependency order, so until it is done the status may already read RUNNING or WARNING
    from the ones started so far."""
    return [name for name, state in _containers(project) if state.get("Status") == "created"]


def exited_containers(project):
    """'name (exit code N)' of each container of a project that is not running."""
    found = []
    for name, state in _containers(project):
        if state.get("Running") or state.get("Status") == "running":
            continue
        code = state.get("ExitCode")
        found.append(f"{name} (exit code {code})" if code is not None else name)
    return found


class ProjectClient:
    """The calls of SYNO.Docker.Project on one DSM client."""

    def __init__(self, client):
        self.client = client

    def _all(self):
        data = self.client.call(PROJECT_API, "list", {"offset": 0, "limit": -1}, version=1)
        return [project for project in (data or {}).values() if isinstance(project, dict)]

    def find(self, name):
        """The project as list shows it (no content), or None."""
        found = [project for project in self._all() if project.get("name") == name]
        return found[0] if found else None

    def get(self, project_id):
        """The project as get shows it, or None when DSM says there is no such project (either code)."""
        try:
            return self.client.call(PROJECT_API, "get", {"id": project_id}, version=1) or None
        except DSMAPIError as exc:
            if exc.code in MISSING:
                return None
            raise

    def read(self, name):
        """The project by name, with its compose content where DSM has it (get, else get_share_info), or None.

        `content` is None when DSM gives it nowhere.
        """
        listed = self.find(name)
        if listed is None:
            return None
        detail = self.get(listed["id"])
        if detail is None:
            return None  # deleted between the two reads
        project = dict(listed, **detail)
        project["content"] = self._content(project)
        return project

    def _content(self, project):
        """The compose content of a project as get answers it: its own, else get_share_info's; None when neither."""
        content = project.get("content")
        return (
            content if isinstance(content, str) else self.share_info(project.get("path") or project.get("share_path"))
        )

    def share_info(self, path):
        """The compose content of the project folder through get_share_info (batonogov), or None."""
        if not path:
            return None
        try:
            data = self.client.call(PROJECT_API, "get_share_info", {"path": path}, version=1)
        except DSMAPIError:
            return None
        content = (data or {}).get("content")
        return content if isinstance(content, str) else None

    def content_of(self, project_id):
        detail = self.get(project_id)
        return self._content(detail) if detail else None

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
        try:
            self.client.call(
                PROJECT_API, "create", params, version=1, write=True, confirm=lambda: bool(self.find(name))
            )
        except DSMAPIError as exc:
            # 2102: the project is there already (an earlier create whose answer was lost): take it as it is.
            if exc.code != 2102:
                raise
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
            confirm=lambda: self.content_of(project_id) == content,
        )

    def act(self, project_id, action, timeout):
        """Send build, start, stop, restart or clean ONCE (the *_stream variant when DSM lacks the direct one),
        waiting up to timeout seconds for DSM's answer. True when DSM answered success; False when the answer
        says nothing: it was lost (timeout, dropped connection) or is 1202, and the caller reads the status."""
        try:
            return self._send_once(project_id, action, timeout)
        except DSMAPIError as exc:
            if exc.code != 103:
                raise
        return self._send_once(project_id, f"{action}_stream", timeout)

    def _send_once(self, project_id, method, timeout):
        try:
            self.client.call(PROJECT_API, method, {"id": project_id}, version=1, write=True, timeout=timeout, text=True)
        except DSMUncertainWriteError:
            return False
        except DSMAPIError as exc:
            if exc.code == UNCONFIRMED:
                return False
            raise
        return True

    def delete(self, project_id):
        try:
            self.client.call(
                PROJECT_API,
                "delete",
                {"id": project_id, "preserve_content": True},
                version=1,
                write=True,
                confirm=lambda: not any(p.get("id") == project_id for p in self._all()),
            )
        except DSMAPIError as exc:
            if exc.code not in MISSING:  # gone already
                raise

    def wait(self, project_id, done, timeout, wanted, sent=None):
        """Poll get until done(project) (project None: gone); fail naming the last status after timeout seconds.

        wanted says what was awaited; sent names the action whose answer was lost or unconfirmed, if one was.
        """

        def failure(project):
            status = "gone" if project is None else (project or {}).get("status")
            name = (project or {}).get("name") or project_id
            unsettled = (
                f"; DSM did not confirm {sent} (lost answer or 1202) and the module did not send it again"
                if sent
                else ""
            )
            return (
                f"project {name} is {status}, not {wanted}, after {timeout}s (wait_timeout){unsettled}; see its "
                "containers' logs in Container Manager"
            )

        return wait_until(lambda: self.get(project_id), done, timeout, failure, interval=1.0)


NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SHARE_PATH = re.compile(r"^/[^/]+(/[^/]+)+$")
WANTED_STATUS = {"running": RUNNING, "stopped": STOPPED}
UP_WANTED = "RUNNING or WARNING"


def _up(project):
    """Up, and every container started: a build still starting containers in dependency order is not up yet."""
    return project is not None and project.get("status") in UP and not starting_containers(project)


def _stopped(project):
    return project is not None and project.get("status") == STOPPED


def _built(project):
    """Up, or stopped with containers: the build has made them (a build that starts nothing)."""
    return _up(project) or (_stopped(project) and bool(project.get("containerIds")))


def _cleaned(project):
    return project is None or not project.get("containerIds")


class ContainerProject(DSMResource):
    result_key = "project"
    compared_keys = ("content", "status")
    dsm_errors = ERRORS

    def __init__(self, module):
        super().__init__(module)
        self._deadline = None
        self._exited = []
        #: the actions whose answer was lost or 1202, settled by reading the status
        self._unconfirmed = []

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
        project = self.projects.read(self.params["name"])
        if project is None:
            return None
        self._exited = exited_containers(project) if project.get("status") == WARNING else []
        return self._shape(project)

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
        status = WANTED_STATUS[self.params["state"]]
        if status == RUNNING and current is not None and current["status"] in UP:
            status = current["status"]  # WARNING is up: an exited one-shot container beside running ones
        return {
            "name": self.params["name"],
            "share_path": current["share_path"] if current else share_path,
            "content": self.params["content"],
            "status": status,
        }

    def predict(self, current, desired):
        predicted = dict(current or {"id": None, "containers": []}, **desired)
        return predicted

    # --- the actions: each sent once, its outcome read back within the one wait budget ------------
    def _remaining(self):
        """Seconds left of wait_timeout, which starts with the first action of the run."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.params["wait_timeout"]
        return max(1, int(self._deadline - time.monotonic()))

    def _send(self, project_id, action):
        """Send action once, waiting for DSM's answer as long as the budget allows (never below dsm_timeout):
        a build pulls its images inside the request. True for a clear answer, False for a lost one or 1202."""
        answered = self.projects.act(project_id, action, max(self.params["dsm_timeout"], self._remaining()))
        if not answered:
            self._unconfirmed.append(action)
        return answered

    def _act(self, project_id, action, done, wanted):
        """Send action once, then read the project until done(project): a lost answer or 1202 is settled so."""
        answered = self._send(project_id, action)
        return self.projects.wait(project_id, done, self._remaining(), wanted, sent=None if answered else action)

    def _run(self, project_id):
        """build is `compose up` on DSM: it starts the containers; start follows only a build that left them
        stopped after a clear answer (a lost answer is never followed by another action: the build may go on)."""
        answered = self._send(project_id, "build")
        if answered and _stopped(self.projects.get(project_id)):
            self._act(project_id, "start", _up, UP_WANTED)
            return
        self.projects.wait(project_id, _up, self._remaining(), UP_WANTED, sent=None if answered else "build")

    def _stop(self, project_id):
        self._act(project_id, "stop", _stopped, STOPPED)

    def _converge_status(self, project_id, desired):
        if desired["status"] in UP:
            self._run(project_id)
        else:
            self._stop(project_id)

    def create(self, desired):
        self.projects.make_folder(desired["share_path"])
        project = self.projects.create(desired["name"], desired["share_path"], desired["content"])
        if desired["status"] in UP:
            self._run(project["id"])

    def update(self, current, desired):
        project_id = current["id"]
        if current["content"] != desired["content"]:
            if current["status"] != STOPPED:
                self._stop(project_id)
            self.projects.update(project_id, desired["content"])
            if desired["status"] == STOPPED:
                # The build makes the containers of the new content, and starts them on DSM: stop them again.
                answered = self._send(project_id, "build")
                built = self.projects.wait(
                    project_id,
                    _built if answered else _up,
                    self._remaining(),
                    "built",
                    sent=None if answered else "build",
                )
                if not _stopped(built):
                    self._stop(project_id)
                return
            self._run(project_id)
            return
        self._converge_status(project_id, desired)

    def delete(self, current):
        if current["status"] != STOPPED:
            self._stop(current["id"])
        self._act(current["id"], "clean", _cleaned, "without containers")
        self.projects.delete(current["id"])

    def report(self, result):
        result["unconfirmed"] = self._unconfirmed
        project = result.get("project") or {}
        if project.get("status") == WARNING:
            exited = ", ".join(self._exited) or "DSM did not name them"
            self.module.warn(
                f"project {project.get('name')} is WARNING: some of its containers are not running ({exited}) "
                "while the others run. That is the steady state of a one-shot container (it counts as up); "
                "otherwise see the containers' logs in Container Manager"
            )

    def masked(self, obj):
        shown = dict(obj)
        if shown.get("content"):
            shown["content"] = mask_env(shown["content"], self.params["secret_env"])
        return shown


def project_facts(client, params):
    """The facts of the module dsm_container_project_info: the project called name, its secret env values masked."""
    project = ProjectClient(client).read(params["name"])
    if project is None:
        return {"exists": False, "project": {}}
    shown = {key: project.get(key) for key in ("id", "name", "share_path", "path", "status", "content")}
    shown["containers"] = list(project.get("containerIds") or [])
    shown["exited"] = exited_containers(project)
    shown["content"] = mask_env(shown["content"] or "", params["secret_env"])
    return {"exists": True, "project": shown}
