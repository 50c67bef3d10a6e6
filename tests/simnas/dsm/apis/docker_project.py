"""SYNO.Docker.Project (Container Manager, DSM 7.2+): compose projects deployed FOR REAL on the Docker Engine.

Shapes from dsm-webapi.md §6.1, §7.3, §7.4, §10.1 (go-synology pkg/api/docker/project.go, batonogov's flow,
N4S4/synology-api docker_api.py's sample answers):
- list{offset, limit} -> an object keyed by project id; get{id} -> one project, with `containers` (the
  Engine's inspect of each: Id, Name, State, Config); get_share_info{path} -> {content} (batonogov only);
- create{name, share_path, content, enable_service_portal, ...} stores the project and writes its
  compose.yaml into the project folder (share_path, a File Station path that must exist);
- update{id, content}; build{id} is `compose up`: pulls what is missing, creates AND starts the containers
  (a failed build answers 2202); start/stop/restart{id}; clean{id} removes the containers;
  delete{id, preserve_content};
- *_stream variants do the same and answer text/plain progress lines, not JSON, also on success
  (as DSM 7.3.2 does); `sim.project_direct_actions = False` makes build/start/stop/restart/clean answer
  103, as older Container Manager builds that only have the stream methods.
Status, read live from the Engine: RUNNING (every container running), WARNING (some exited), STOPPED (none
running or none at all); no transient state is shown while an action works (no live capture shows one), so
a client cannot tell "still building" from "built and stopped" by the status alone.

The actions run as jobs on the NAS, one after the other per project, which outlive their request: the
request waits for its job (without the simulator's lock, so status reads go on), unless DSM drops it first.

Real-DSM behaviours (simnas.dsm.behaviours, on by default) are declared below with their sources. Codes:
2102 for a taken name (go-synology docker/methods/errors.go, terraform-provider-synology `projectExists`,
live DSM 7.2.2/7.3.2); an unknown id answers `project_missing_code`; a call without an id answers 114 (lost
parameters, pvulgaris/synology-cli docs/dsm-api-quirks.md); deleting a project whose containers still exist
answers 2203 and bad input 120 (not public: the simulator's choice).

The NAS's /volumeN is <volumes_root>/volumeN here: bind-mount sources under /volumeN/ are mapped to it
in the file docker-compose runs (a private copy); the project keeps the content exactly as sent.
"""

import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import docker
import yaml

from simnas.compose import DeployError, project_containers, run_compose
from simnas.dsm.behaviours import behaviour
from simnas.dsm.registry import DROP, DSMError, Later, PlainText, declare_api, method

API = "SYNO.Docker.Project"
declare_api(API, dsm7=(1, 1), dsm6=None)

LOST_PARAMETERS = 114
INVALID = 120
AMBIGUOUS = 1202
PROJECT_EXISTS = 2102
NO_SUCH_PROJECT = 2104
BUILD_FAILED = 2202
PROJECT_IN_USE = 2203
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VOLUME_PATH = re.compile(r"^/volume[0-9]+/")
COMPOSE_FILE = "compose.yaml"
PV_QUIRKS = "pvulgaris/synology-cli docs/dsm-api-quirks.md (verified against DSM 7.3 / Container Manager 24.0.2)"

PULL_SECONDS = behaviour(
    "project_build_pull_seconds",
    real=90.0,
    off=0.0,
    source=f"{PV_QUIRKS}; synology-community/terraform-provider-synology issue #177 (build_stream blocks for the "
    "whole pull, DSM 7.3.2)",
    what="build pulls each image the NAS does not have yet inside the request: a build that pulls takes this "
    "many seconds more (three times the modules' 30 s dsm_timeout)",
)
BUILD_STARTS = behaviour(
    "project_build_starts",
    real=True,
    off=False,
    source="pvulgaris/synology-cli src/tools/containers.ts nasContainerProjectDeploy (stop, update, build, wait "
    "until running: no start); synology-community/terraform-provider-synology "
    "synology/provider/container/project_resource.go Create (run = build_stream only); "
    "alexives/home-assistant-synology-manager synology_client.py _build_project; DSM's log in "
    "linuxserver/docker-sonarr issue #268 (Stop, Update, Build project)",
    what="build is `compose up`: it creates the containers and starts them",
)
DROP_AFTER = behaviour(
    "project_drop_after_seconds",
    real=30.0,
    off=0.0,
    source=PV_QUIRKS + ' ("DSM frequently drops the TCP connection mid-execution on state changes (... '
    'Project.build ...). The action still completes server-side")',
    what="an action (build, stop, ...) still working after this many seconds loses its connection without an "
    "answer and finishes in the background (0: never dropped; the delay is the simulator's choice)",
)
ANSWER_1202 = behaviour(
    "project_1202_methods",
    real=["build", "stop"],
    off=[],
    source="pvulgaris/synology-cli src/tools/containers.ts ambiguousProjectError/projectMutation and "
    "containers.test.ts (DSM 7.3 / Container Manager 24.0.2)",
    what="these actions answer error 1202 after doing the work, when their connection was not dropped",
)
CONTENT_IN = behaviour(
    "project_content_in",
    real=["get"],
    off=["list", "get"],
    source="N4S4/synology-api synology_api/docker_api.py list_projects and get_project_info sample answers (list "
    "without content, get with it); pvulgaris/synology-cli containers.test.ts; alexives/"
    "home-assistant-synology-manager tests (list mock without content); batonogov/terraform-provider-synology-dsm "
    "internal/client/container_project.go: some builds omit it from get too (get_share_info has it; not on "
    "hardware): set [] for that",
    what="the reads that carry the compose content: get does, list does not",
)
MISSING_CODE = behaviour(
    "project_missing_code",
    real=NO_SUCH_PROJECT,
    off=INVALID,
    source="batonogov/terraform-provider-synology-dsm internal/client/container_project.go "
    "isContainerProjectMissingError (2104 or 408; not run on hardware)",
    what="the code a call with an unknown project id answers (2104; 408 is the other shape seen)",
)
WARNING_STATUS = behaviour(
    "project_warning_status",
    real=True,
    off=False,
    source="batonogov/terraform-provider-synology-dsm issues #69/#101 and container_project.go Running() (a "
    "one-shot init container keeps the project WARNING); N4S4/synology-api docker_api.py list sample",
    what="a project with an exited container and a running one is WARNING, as a steady state (off: RUNNING)",
)


def _projects(ctx):
    return ctx.state.setdefault("docker_projects", {})


def _engine():
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def _api(sim):
    if getattr(sim, "docker_api", None) is None:
        sim.docker_api = docker.APIClient(base_url=_engine(), version="auto", timeout=60)
    return sim.docker_api


def _status(containers, warning=True):
    running = [c for c in containers if c["State"] == "running"]
    if not containers or not running:
        return "STOPPED"
    return "RUNNING" if len(running) == len(containers) or not warning else "WARNING"


def _view(ctx, project, read):
    """The project as `read` (list or get) answers it."""
    api = _api(ctx.sim)
    containers = project_containers(api, project["name"])
    shown = {key: value for key, value in project.items() if key != "content"}
    if read in ctx.sim.behaviours[CONTENT_IN]:
        shown["content"] = project["content"]
    shown["status"] = _status(containers, ctx.sim.behaviours[WARNING_STATUS])
    shown["state"] = ""
    shown["containerIds"] = [c["Id"] for c in containers]
    shown["services"] = [
        {"service": c["Labels"].get("com.docker.compose.service", ""), "display_name": c["Names"][0].lstrip("/")}
        for c in containers
    ]
    if read == "get":
        # The Engine's inspect of each container, as DSM's get carries it (N4S4 sample): the parts a client reads.
        shown["containers"] = []
        for container in containers:
            try:
                details = api.inspect_container(container["Id"])
            except docker.errors.NotFound:
                continue  # removed since it was listed (compose recreates containers)
            keys = ("Id", "Name", "State", "Config", "RestartCount")
            shown["containers"].append({key: details.get(key) for key in keys})
    return shown


def _project(ctx):
    project_id = ctx.params.get("id")
    if project_id is None:
        raise DSMError(LOST_PARAMETERS)
    project = _projects(ctx).get(project_id) if isinstance(project_id, str) else None
    if project is None:
        raise DSMError(ctx.sim.behaviours[MISSING_CODE])
    return project


def _folder(ctx, share_path):
    """The directory of a File Station path (/share/dir...), or None."""
    parts = [part for part in share_path.split("/") if part] if isinstance(share_path, str) else []
    share = ctx.state.get("shares", {}).get(parts[0]) if parts else None
    if share is None or ".." in parts:
        return None
    directory = ctx.sim.volume_dir(share["vol_path"]).joinpath(*parts)
    return directory if directory.is_dir() else None


def _compose_of(content):
    try:
        compose = yaml.safe_load(content)
    except yaml.YAMLError:
        raise DSMError(BUILD_FAILED) from None
    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict):
        raise DSMError(BUILD_FAILED)
    return compose


def _mapped(sim, content):
    """The compose content with bind sources under /volumeN/ moved to where the NAS's volumes are here."""
    compose = _compose_of(content)
    root = str(sim.volumes_root)
    for service in compose["services"].values():
        volumes = (service or {}).get("volumes") or []
        for index, volume in enumerate(volumes):
            if isinstance(volume, str) and VOLUME_PATH.match(volume):
                volumes[index] = root + volume
            elif isinstance(volume, dict) and VOLUME_PATH.match(str(volume.get("source", ""))):
                volume["source"] = root + volume["source"]
    return yaml.safe_dump(compose, sort_keys=False)


def _work_dir(sim, project):
    return Path(sim.volumes_root).parent / "container-manager" / project["id"]


def _compose(sim, project, *args):
    work = _work_dir(sim, project)
    work.mkdir(parents=True, exist_ok=True)
    compose_file = work / "docker-compose.yml"
    compose_file.write_text(_mapped(sim, project["content"]))
    os.chmod(compose_file, 0o600)
    return run_compose(work, project["name"], compose_file, _engine(), *args)


def _write_content(ctx, project):
    folder = _folder(ctx, project["share_path"])
    if folder is None:
        raise DSMError(INVALID)
    (folder / COMPOSE_FILE).write_text(project["content"])


# --- reads -------------------------------------------------------------------------------------------
@method(API, "list")
def project_list(ctx):
    projects = sorted(_projects(ctx).values(), key=lambda p: p["created_at"])
    offset = int(ctx.params.get("offset", 0) or 0)
    limit = int(ctx.params.get("limit", -1) or -1)
    page = projects[offset:] if limit < 0 else projects[offset : offset + limit]
    return {project["id"]: _view(ctx, project, "list") for project in page}


@method(API, "get")
def project_get(ctx):
    return _view(ctx, _project(ctx), "get")


@method(API, "get_share_info")
def project_share_info(ctx):
    """The compose content of the project in a folder (`path`: /volumeN/... or the File Station path)."""
    path = ctx.params.get("path")
    if not isinstance(path, str):
        raise DSMError(LOST_PARAMETERS)
    for project in _projects(ctx).values():
        if path.rstrip("/") in (project["path"], project["share_path"].rstrip("/")):
            folder = _folder(ctx, project["share_path"])
            compose = folder / COMPOSE_FILE if folder else None
            if compose is None or not compose.is_file():
                break
            return {"content": compose.read_text()}
    raise DSMError(408)


# --- writes ------------------------------------------------------------------------------------------
@method(API, "create", write=True)
def project_create(ctx):
    name, share_path, content = (ctx.params.get(key) for key in ("name", "share_path", "content"))
    if not isinstance(name, str) or not PROJECT_NAME.match(name) or not isinstance(content, str):
        raise DSMError(INVALID)
    if any(p["name"] == name for p in _projects(ctx).values()):
        raise DSMError(PROJECT_EXISTS)
    folder = _folder(ctx, share_path)
    if folder is None:
        raise DSMError(INVALID)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    project = {
        "id": str(uuid.uuid4()),
        "name": name,
        "share_path": share_path,
        "path": "/" + str(folder.relative_to(ctx.sim.volumes_root)),
        "content": content,
        "enable_service_portal": bool(ctx.params.get("enable_service_portal", False)),
        "service_portal_name": ctx.params.get("service_portal_name", ""),
        "service_portal_port": ctx.params.get("service_portal_port", 0),
        "service_portal_protocol": ctx.params.get("service_portal_protocol", ""),
        "is_package": False,
        "version": 2,
        "created_at": now,
        "updated_at": now,
    }
    _write_content(ctx, project)
    _projects(ctx)[project["id"]] = project
    return _view(ctx, project, "get")


@method(API, "update", write=True)
def project_update(ctx):
    project = _project(ctx)
    content = ctx.params.get("content")
    if not isinstance(content, str):
        raise DSMError(INVALID)
    project["content"] = content
    project["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _write_content(ctx, project)
    return _view(ctx, project, "get")


class _Job:
    """One action of Container Manager on one project, running on the NAS whatever becomes of its request."""

    def __init__(self, work, after=None):
        self.done = threading.Event()
        self.error = None
        self.output = ""
        self._work, self._after = work, after
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        try:
            if self._after is not None:
                self._after.done.wait()  # the project's earlier action first, as Container Manager queues them
            self.output = self._work()
        except DSMError as exc:
            self.error = exc.code
        except Exception:  # the NAS answers a failed action with a code, never a traceback
            self.error = 100
        finally:
            self.done.set()


def _pull(sim, content):
    """Pull the images of the content this NAS has not pulled yet (the images are on this machine's Engine
    already: the pull is the time it takes)."""
    images = {
        service.get("image")
        for service in _compose_of(content)["services"].values()
        if isinstance(service, dict) and service.get("image")
    }
    with sim.lock:
        pulled = sim.state.data.setdefault("docker_images_pulled", [])
        missing = images - set(pulled)
    if missing and sim.behaviours[PULL_SECONDS]:
        time.sleep(sim.behaviours[PULL_SECONDS])
    with sim.lock:
        pulled.extend(sorted(missing - set(pulled)))
        sim.state.save()


def _build(sim, project):
    """Container Manager's compose (v2: `up` creates every container of the project, then starts them in dependency
    order; docker/compose pkg/compose/up.go, composeService.Up: create(project), then start(project)) in two steps:
    Debian's docker-compose 1.x creates and starts one service after another, so a read in between saw a project up
    before its later services existed."""
    _pull(sim, project["content"])
    try:
        made = _compose(sim, project, "up", "--no-start", "--remove-orphans")
        return made + _compose(sim, project, "start") if sim.behaviours[BUILD_STARTS] else made
    except DeployError:
        raise DSMError(BUILD_FAILED) from None


def _action(name):
    args = {"start": ("start",), "stop": ("stop",), "restart": ("restart",), "clean": ("down", "--remove-orphans")}

    def act(sim, project):
        try:
            return _compose(sim, project, *args[name])
        except DeployError:
            raise DSMError(100) from None

    return act


ACTIONS = {"build": _build, **{name: _action(name) for name in ("start", "stop", "restart", "clean")}}


def wait_for_jobs(sim, timeout=300):
    """Wait until every action the NAS is still working on has ended (a test's clean-up runs after them: a build
    whose answer was dropped still creates its containers). True when all ended within timeout seconds."""
    deadline = time.monotonic() + timeout
    for job in list(getattr(sim, "project_jobs", {}).values()):
        if not job.done.wait(max(0.0, deadline - time.monotonic())):
            return False
    return True


def _start_job(ctx, name, run):
    """The action as a job of the project (after the project's earlier one), and the project's id."""
    sim = ctx.sim
    project = dict(_project(ctx))  # as it is now: a later update does not change what this action runs
    if not hasattr(sim, "project_jobs"):
        sim.project_jobs = {}
    job = _Job(lambda: run(sim, project), after=sim.project_jobs.get(project["id"]))
    sim.project_jobs[project["id"]] = job
    return job


def _finish(sim, name, job, answer):
    """What the request answers: DROP when DSM drops it mid-work, the job's error, 1202, or answer(job)."""

    def finish():
        limit = sim.behaviours[DROP_AFTER]
        if not job.done.wait(limit or None):
            return DROP  # the job goes on: DSM finishes the work in the background
        if job.error is not None:
            raise DSMError(job.error)
        if name in sim.behaviours[ANSWER_1202]:
            raise DSMError(AMBIGUOUS)
        return answer(job)

    return finish


def _register(name, run):
    def direct(ctx):
        if not getattr(ctx.sim, "project_direct_actions", True):
            raise DSMError(103)
        return Later(_finish(ctx.sim, name, _start_job(ctx, name, run), lambda job: None))

    def stream(ctx):
        def text(job):
            lines = [line for line in job.output.splitlines() if line.strip()] or [f"{name} done"]
            return PlainText("".join(f"{line}\n" for line in lines))

        # The stream methods answer text, never 1202 (no public source shows one).
        return Later(_finish(ctx.sim, f"{name}_stream", _start_job(ctx, name, run), text))

    method(API, name, write=True)(direct)
    method(API, f"{name}_stream", write=True)(stream)


for _name, _run in ACTIONS.items():
    _register(_name, _run)


def _delete(ctx):
    project = _project(ctx)
    if project_containers(_api(ctx.sim), project["name"]):
        raise DSMError(PROJECT_IN_USE)
    if not ctx.params.get("preserve_content", False):
        folder = _folder(ctx, project["share_path"])
        if folder is not None:
            (folder / COMPOSE_FILE).unlink(missing_ok=True)
    shutil.rmtree(_work_dir(ctx.sim, project), ignore_errors=True)
    del _projects(ctx)[project["id"]]


@method(API, "delete", write=True)
def project_delete(ctx):
    _delete(ctx)
    return None


@method(API, "delete_stream", write=True)
def project_delete_stream(ctx):
    _delete(ctx)
    return PlainText("project deleted\n")
