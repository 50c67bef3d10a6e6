"""SYNO.Docker.Project (Container Manager, DSM 7.2+): compose projects deployed FOR REAL on the Docker Engine.

Shapes from dsm-webapi.md §6.1, §7.3, §7.4 (go-synology pkg/api/docker/project.go, batonogov's flow):
- list{offset, limit} -> an object keyed by project id; get{id} -> one project;
- create{name, share_path, content, enable_service_portal, ...} stores the project and writes its
  compose.yaml into the project folder (share_path, a File Station path that must exist);
- update{id, content}; build{id} pulls/creates the containers (a failed build answers 2202);
  start/stop/restart{id}; clean{id} removes the containers; delete{id, preserve_content};
- *_stream variants do the same and answer text/plain progress lines, not JSON, also on success
  (as DSM 7.3.2 does); `sim.project_direct_actions = False` makes build/start/stop/restart/clean answer
  103, as older Container Manager builds that only have the stream methods.
Status, read live from the Engine: RUNNING (every container running), WARNING (some exited),
STOPPED (none running or none at all).

The NAS's /volumeN is <volumes_root>/volumeN here: bind-mount sources under /volumeN/ are mapped to it
in the file docker-compose runs (a private copy); the project keeps the content exactly as sent.
Codes other than 2202 are not public: unknown ids, taken names and bad input answer 120 (invalid
parameter value), deleting a project whose containers still exist answers 2203 (the simulator's choice).
"""

import os
import re
import shutil
import time
import uuid
from pathlib import Path

import docker
import yaml

from simnas.compose import DeployError, project_containers, run_compose
from simnas.dsm.registry import DSMError, PlainText, declare_api, method

API = "SYNO.Docker.Project"
declare_api(API, dsm7=(1, 1), dsm6=None)

BUILD_FAILED = 2202
PROJECT_IN_USE = 2203
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VOLUME_PATH = re.compile(r"^/volume[0-9]+/")
COMPOSE_FILE = "compose.yaml"


def _projects(ctx):
    return ctx.state.setdefault("docker_projects", {})


def _engine():
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


def _api(ctx):
    sim = ctx.sim
    if getattr(sim, "docker_api", None) is None:
        sim.docker_api = docker.APIClient(base_url=_engine(), version="auto", timeout=60)
    return sim.docker_api


def _status(containers):
    running = [c for c in containers if c["State"] == "running"]
    if not containers or not running:
        return "STOPPED"
    return "RUNNING" if len(running) == len(containers) else "WARNING"


def _view(ctx, project):
    containers = project_containers(_api(ctx), project["name"])
    shown = dict(project)
    shown["status"] = _status(containers)
    shown["containerIds"] = [c["Id"] for c in containers]
    shown["services"] = [
        {"service": c["Labels"].get("com.docker.compose.service", ""), "display_name": c["Names"][0].lstrip("/")}
        for c in containers
    ]
    return shown


def _project(ctx):
    project_id = ctx.params.get("id")
    project = _projects(ctx).get(project_id) if isinstance(project_id, str) else None
    if project is None:
        raise DSMError(120)
    return project


def _folder(ctx, share_path):
    """The directory of a File Station path (/share/dir...), or None."""
    parts = [part for part in share_path.split("/") if part] if isinstance(share_path, str) else []
    share = ctx.state.get("shares", {}).get(parts[0]) if parts else None
    if share is None or ".." in parts:
        return None
    directory = ctx.sim.volume_dir(share["vol_path"]).joinpath(*parts)
    return directory if directory.is_dir() else None


def _mapped(ctx, content):
    """The compose content with bind sources under /volumeN/ moved to where the NAS's volumes are here."""
    try:
        compose = yaml.safe_load(content)
    except yaml.YAMLError:
        raise DSMError(BUILD_FAILED) from None
    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict):
        raise DSMError(BUILD_FAILED)
    root = str(ctx.sim.volumes_root)
    for service in compose["services"].values():
        volumes = (service or {}).get("volumes") or []
        for index, volume in enumerate(volumes):
            if isinstance(volume, str) and VOLUME_PATH.match(volume):
                volumes[index] = root + volume
            elif isinstance(volume, dict) and VOLUME_PATH.match(str(volume.get("source", ""))):
                volume["source"] = root + volume["source"]
    return yaml.safe_dump(compose, sort_keys=False)


def _work_dir(ctx, project):
    return Path(ctx.sim.volumes_root).parent / "container-manager" / project["id"]


def _compose(ctx, project, *args):
    work = _work_dir(ctx, project)
    work.mkdir(parents=True, exist_ok=True)
    compose_file = work / "docker-compose.yml"
    compose_file.write_text(_mapped(ctx, project["content"]))
    os.chmod(compose_file, 0o600)
    return run_compose(work, project["name"], compose_file, _engine(), *args)


def _write_content(ctx, project):
    folder = _folder(ctx, project["share_path"])
    if folder is None:
        raise DSMError(120)
    (folder / COMPOSE_FILE).write_text(project["content"])


@method(API, "list")
def project_list(ctx):
    projects = sorted(_projects(ctx).values(), key=lambda p: p["created_at"])
    offset = int(ctx.params.get("offset", 0) or 0)
    limit = int(ctx.params.get("limit", -1) or -1)
    page = projects[offset:] if limit < 0 else projects[offset : offset + limit]
    return {project["id"]: _view(ctx, project) for project in page}


@method(API, "get")
def project_get(ctx):
    return _view(ctx, _project(ctx))


@method(API, "create", write=True)
def project_create(ctx):
    name, share_path, content = (ctx.params.get(key) for key in ("name", "share_path", "content"))
    if not isinstance(name, str) or not PROJECT_NAME.match(name) or not isinstance(content, str):
        raise DSMError(120)
    if any(p["name"] == name for p in _projects(ctx).values()):
        raise DSMError(120)
    folder = _folder(ctx, share_path)
    if folder is None:
        raise DSMError(120)
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
    return _view(ctx, project)


@method(API, "update", write=True)
def project_update(ctx):
    project = _project(ctx)
    content = ctx.params.get("content")
    if not isinstance(content, str):
        raise DSMError(120)
    project["content"] = content
    project["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _write_content(ctx, project)
    return _view(ctx, project)


def _build(ctx, project):
    try:
        # Images and containers, not started: Container Manager's build; start runs them.
        return _compose(ctx, project, "up", "--no-start", "--remove-orphans")
    except DeployError:
        raise DSMError(BUILD_FAILED) from None


def _action(name):
    def act(ctx, project):
        args = {"start": ("start",), "stop": ("stop",), "restart": ("restart",), "clean": ("down", "--remove-orphans")}
        try:
            return _compose(ctx, project, *args[name])
        except DeployError:
            raise DSMError(100) from None

    return act


ACTIONS = {"build": _build, **{name: _action(name) for name in ("start", "stop", "restart", "clean")}}


def _register(name, run):
    def direct(ctx):
        if not getattr(ctx.sim, "project_direct_actions", True):
            raise DSMError(103)
        run(ctx, _project(ctx))
        return None

    def stream(ctx):
        output = run(ctx, _project(ctx))
        lines = [line for line in output.splitlines() if line.strip()] or [f"{name} done"]
        return PlainText("".join(f"{line}\n" for line in lines))

    method(API, name, write=True)(direct)
    method(API, f"{name}_stream", write=True)(stream)


for _name, _run in ACTIONS.items():
    _register(_name, _run)


def _delete(ctx):
    project = _project(ctx)
    if project_containers(_api(ctx), project["name"]):
        raise DSMError(PROJECT_IN_USE)
    if not ctx.params.get("preserve_content", False):
        folder = _folder(ctx, project["share_path"])
        if folder is not None:
            (folder / COMPOSE_FILE).unlink(missing_ok=True)
    shutil.rmtree(_work_dir(ctx, project), ignore_errors=True)
    del _projects(ctx)[project["id"]]


@method(API, "delete", write=True)
def project_delete(ctx):
    _delete(ctx)
    return None


@method(API, "delete_stream", write=True)
def project_delete_stream(ctx):
    _delete(ctx)
    return PlainText("project deleted\n")
