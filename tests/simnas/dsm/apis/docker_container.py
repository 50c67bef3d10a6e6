"""SYNO.Docker.Container (Container Manager on DSM 7.2+, the Docker package before): the NAS's containers,
read live from the Docker Engine. Only the reads: list and get.

list{offset, limit, type} (all three required, else 114; type "all" lists stopped containers too) answers
{containers, limit, offset, total}; each container as DSM lists it:
{id, name, image, status "running"|"stopped", up_status, up_time, finish_time, created, cmd, State{...,
StartedTs, FinishedTs}, enable_service_portal, exporting, is_ddsm, is_package, services}. No ports, mounts,
labels or environment: those only come from get.
Sources: ApaipaiLtd/dsm_helper lib/models/Syno/Docker/DockerContainer.dart (an answer captured on DSM 7.1.1,
16 containers, with the request limit -1, offset 0, type all); pvulgaris/synology-cli src/tools/containers.ts
nasContainersList (DSM 7.3 / Container Manager 24.0.2: "offset, limit and type are all required; omitting
them returns code 114", type sent JSON-quoted); N4S4/synology-api synology_api/docker_api.py containers
(type sent bare); synology-community/go-synology pkg/api/docker/container.go ContainerListItem.

get{name} (name JSON-quoted) answers {profile, details}:
- profile: the container as Container Manager's settings show it: name, image, port_bindings
  [{host_port, container_port, type}], volume_bindings [{host_volume_file, mount_point, type}],
  env_variables [{key, value}], network [{name, driver}], enable_restart_policy, cmd, privileged,
  memory_limit, cpu_priority, links (ApaipaiLtd/dsm_helper lib/pages/docker/detail.dart and
  lib/utils/api.dart dockerDetail; go-synology pkg/api/docker/container.go Container and
  ContainerGetResponse; bwilczynski/homelab-api internal/adapters/synology.go DSMContainerDetailProfile);
- details: the Engine's inspect of the container (Name, State, Config{Image, Env, Labels}, HostConfig,
  Mounts, NetworkSettings: pvulgaris/synology-cli nasContainerInfo; bwilczynski/homelab-api
  DSMContainerDetail) with DSM's additions memoryPercent, up_time, status, exe_cmd (dsm_helper detail.dart).
An unknown name answers 117 (bwilczynski/homelab-api dsmErrContainerNotFound).

UNVERIFIED on a real NAS (no capture shows them; marked unverified_contract in the tests): the status of
states other than running and exited (paused, restarting, created: "stopped" here), what list answers for a
type other than "all" (the running containers here), HostConfig.PortBindings/Binds/RestartPolicy inside
details, and the path of a volume binding (host_volume_file: the absolute host path here).

Paths are the Engine's: on a real NAS the Engine runs on the NAS and sees /volumeN itself; here it sees
<volumes_root>/volumeN, exactly as the simulated NAS's SSH host shows the same containers.
"""

import os
from datetime import datetime

import docker

from simnas.dsm.registry import DSMError, declare_api, method

API = "SYNO.Docker.Container"
declare_api(API, dsm7=(1, 1), dsm6=(1, 1))

LOST_PARAMETERS = 114
NO_SUCH_CONTAINER = 117


def _api(ctx):
    sim = ctx.sim
    if getattr(sim, "container_api", None) is None:
        engine = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        sim.container_api = docker.APIClient(base_url=engine, version="auto", timeout=60)
    return sim.container_api


def _epoch(timestamp):
    """Docker's RFC 3339 time as seconds (0 for Docker's zero time)."""
    text = (timestamp or "").rstrip("Z")
    if not text or text.startswith("0001-"):
        return 0
    head, _dot, fraction = text.partition(".")
    offset = ""
    for sign in "+-":
        if sign in fraction:
            fraction, _sign, offset = fraction.partition(sign)
            offset = sign + offset
    moment = datetime.fromisoformat(head + (offset or "+00:00"))
    return int(moment.timestamp())


def _state(inspected):
    state = dict(inspected.get("State") or {})
    state["StartedTs"] = _epoch(state.get("StartedAt"))
    state["FinishedTs"] = _epoch(state.get("FinishedAt"))
    return state


def _status(state):
    return "running" if state.get("Running") else "stopped"


def _listed(summary, inspected):
    state = _state(inspected)
    return {
        "State": state,
        "cmd": summary.get("Command", ""),
        "created": summary.get("Created", 0),
        "enable_service_portal": False,
        "exporting": False,
        "finish_time": state["FinishedTs"],
        "id": summary["Id"],
        "image": summary.get("Image", ""),
        "is_ddsm": False,
        "is_package": False,
        "name": (summary.get("Names") or ["/"])[0].lstrip("/"),
        "services": None,
        "status": _status(state),
        "up_status": summary.get("Status", ""),
        "up_time": state["StartedTs"],
    }


def _name_param(ctx):
    name = ctx.params.get("name")
    if not isinstance(name, str) or not name:
        raise DSMError(LOST_PARAMETERS)
    return name.lstrip("/")


@method(API, "list")
def container_list(ctx):
    if any(key not in ctx.params for key in ("offset", "limit", "type")):
        raise DSMError(LOST_PARAMETERS)
    api = _api(ctx)
    summaries = api.containers(all=ctx.params["type"] == "all")
    listed = []
    for summary in sorted(summaries, key=lambda c: c.get("Created", 0), reverse=True):
        try:
            listed.append(_listed(summary, api.inspect_container(summary["Id"])))
        except docker.errors.NotFound:
            continue  # removed between the two reads
    offset, limit = int(ctx.params["offset"] or 0), int(ctx.params["limit"] or -1)
    page = listed[offset:] if limit < 0 else listed[offset : offset + limit]
    return {"containers": page, "limit": limit, "offset": offset, "total": len(listed)}


def _profile(inspected):
    config, host = inspected.get("Config") or {}, inspected.get("HostConfig") or {}
    ports = [
        {
            "host_port": int(binding.get("HostPort") or 0),
            "container_port": int(container_port.split("/")[0]),
            "type": container_port.partition("/")[2] or "tcp",
        }
        for container_port, bindings in sorted((host.get("PortBindings") or {}).items())
        for binding in bindings or []
    ]
    volumes = [
        {
            "host_volume_file": mount.get("Source", ""),
            "mount_point": mount.get("Destination", ""),
            "type": "rw" if mount.get("RW", True) else "ro",
        }
        for mount in inspected.get("Mounts") or []
        if mount.get("Type") == "bind"
    ]
    pairs = (item.partition("=") for item in config.get("Env") or [])
    env = [{"key": key, "value": value} for key, _sep, value in pairs]
    attached = (inspected.get("NetworkSettings") or {}).get("Networks") or {}
    networks = [{"name": name, "driver": ""} for name in sorted(attached)]
    return {
        "name": inspected.get("Name", "").lstrip("/"),
        "image": config.get("Image", ""),
        "port_bindings": ports,
        "volume_bindings": volumes,
        "env_variables": env,
        "network": networks,
        "use_host_network": host.get("NetworkMode") == "host",
        "enable_restart_policy": (host.get("RestartPolicy") or {}).get("Name") not in (None, "", "no"),
        "cmd": " ".join(config.get("Cmd") or []),
        "privileged": bool(host.get("Privileged")),
        "memory_limit": host.get("Memory") or 0,
        "cpu_priority": 50,
        "links": [],
    }


@method(API, "get")
def container_get(ctx):
    name = _name_param(ctx)
    try:
        inspected = _api(ctx).inspect_container(name)
    except docker.errors.NotFound:
        raise DSMError(NO_SUCH_CONTAINER) from None
    state = _state(inspected)
    details = dict(inspected, State=state)
    details.update(
        {
            "memoryPercent": 0,
            "up_time": state["StartedTs"],
            "status": _status(state),
            "exe_cmd": " ".join([inspected.get("Path", ""), *(inspected.get("Args") or [])]).strip(),
        }
    )
    return {"profile": _profile(inspected), "details": details}
