# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters anki_sync_deployed and anki_sync_encode: the sync server as each deploy method keeps it, both ways.

The role anki_sync_server reads what is deployed once per method (the container as `docker container inspect`
shows it, the Portainer stack with its environment, the Container Manager project with its compose content) and
turns that one read into one view, whatever the method (anki_sync_deployed); it renders the desired users from that
view (anki_sync_env), and each method's writer only encodes the rendered environment into its own shape
(anki_sync_encode): Docker's plain values, Portainer's stack.env (single-quoted values), Container Manager's compose
content ($ doubled for compose's interpolation).
"""

import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_env import (
    NOT_IN_ENV_FILE,
    USER_VARIABLE,
    env_file_refusal,
    users_of,
)

METHODS = ("docker", "portainer", "container_manager")
DATA_MOUNT = "/anki_data"
SERVER_PORT = "8080"


def _empty(method):
    return {
        "exists": False,
        "method": method,
        "image": "",
        "users": {},
        "hashed": False,
        "port": "",
        "data_dir": "",
        "running": None,
        "containers": None,
    }


def _unquoted(value):
    value = "" if value is None else str(value)
    return value[1:-1] if len(value) > 1 and value[0] == value[-1] == "'" else value


def _env_dict(environment):
    """A compose service's or a container's environment (a mapping, or a list of KEY=VALUE) as {str: str}."""
    if isinstance(environment, dict):
        return {str(key): "" if value is None else str(value) for key, value in environment.items()}
    return dict(str(item).split("=", 1) for item in environment or [] if "=" in str(item))


def _compose_port(ports):
    """The host port a compose service publishes the server's port on ('' without one)."""
    for port in ports or []:
        if isinstance(port, dict):
            if str(port.get("target")) == SERVER_PORT and port.get("published"):
                return str(port["published"])
            continue
        head, _colon, container = str(port).rpartition(":")
        if container.split("/")[0] == SERVER_PORT and head:
            return head.rpartition(":")[2]
    return ""


def _compose_data_dir(volumes):
    for volume in volumes or []:
        if isinstance(volume, dict):
            if str(volume.get("target", "")).rstrip("/") == DATA_MOUNT:
                return str(volume.get("source", ""))
            continue
        parts = str(volume).split(":")
        if len(parts) >= 2 and parts[1].rstrip("/") == DATA_MOUNT:
            return parts[0]
    return ""


def _from_compose(view, content, service, environment_values):
    """image, port, data directory and the compose environment of service in a compose text."""
    try:
        compose = yaml.safe_load(content or "") or {}
    except yaml.YAMLError as exc:
        raise AnsibleFilterError(f"the deployed compose content is not YAML ({exc.problem})") from None
    services = (compose.get("services") or {}) if isinstance(compose, dict) else {}
    chosen = services.get(service) if service else None
    if chosen is None and services:
        chosen = next(iter(services.values()))
    chosen = chosen if isinstance(chosen, dict) else {}
    view["image"] = str(chosen.get("image") or "")
    view["port"] = _compose_port(chosen.get("ports"))
    view["data_dir"] = _compose_data_dir(chosen.get("volumes"))
    return {key: environment_values(value) for key, value in _env_dict(chosen.get("environment")).items()}


def _docker(read):
    view = _empty("docker")
    if "exists" in read or "container" in read:  # the info module's result
        container = read.get("container") if read.get("exists") else None
    else:  # a bare inspected container, or a skipped or failed read
        container = read if "Config" in read else None
    if not isinstance(container, dict) or not container:
        return view
    config, host = container.get("Config") or {}, container.get("HostConfig") or {}
    env = _env_dict(config.get("Env"))
    bindings = ((host.get("PortBindings") or {}).get(SERVER_PORT + "/tcp")) or [{}]
    data_dir = ""
    for mount in container.get("Mounts") or []:
        if isinstance(mount, dict) and str(mount.get("Destination", "")).rstrip("/") == DATA_MOUNT:
            data_dir = str(mount.get("Source", ""))
    view.update(
        exists=True,
        image=str(config.get("Image") or ""),
        users=users_of(env),
        hashed=env.get("PASSWORDS_HASHED") == "1",
        port=str((bindings[0] or {}).get("HostPort") or ""),
        data_dir=data_dir or _compose_data_dir(host.get("Binds")),
        running=bool((container.get("State") or {}).get("Running")),
    )
    return view


def _portainer(read, service):
    view = _empty("portainer")
    stack = read.get("stack") or {}
    if not read.get("exists") or not stack:
        return view
    # Portainer keeps the users in the stack's environment (stack.env, single-quoted for compose); the compose file
    # refers to them as ${SYNC_USERn} and carries PASSWORDS_HASHED itself.
    compose_env = _from_compose(view, stack.get("compose"), service, str)
    env = dict(compose_env, **{str(key): _unquoted(value) for key, value in (stack.get("env") or {}).items()})
    view.update(exists=True, users=users_of(env), hashed=env.get("PASSWORDS_HASHED") == "1")
    return view


def _container_manager(read, service):
    view = _empty("container_manager")
    project = read.get("project") or {}
    if not read.get("exists") or not project:
        return view
    # Container Manager has no environment beside the project: the users are in the compose content, $ doubled.
    env = _from_compose(view, project.get("content"), service, lambda value: value.replace("$$", "$"))
    containers = project.get("containers")
    view.update(
        exists=True,
        users=users_of(env),
        hashed=env.get("PASSWORDS_HASHED") == "1",
        containers=len(containers) if isinstance(containers, list) else None,
    )
    return view


def anki_sync_deployed(read, method, service=""):
    """One view of the deployed sync server from a method's one read: exists, method, image, users (name ->
    password hash, or password when not hashed), hashed, port (the host port of the server's 8080, '' without one),
    data_dir (the host side of /anki_data), running (docker; else None), containers (container_manager; else None).

    read: what the method's info module returned, registered as is: ankinas.synology.nas_container_info or
    dsm_container_info with a name ({exists, container}; a bare inspected container works too) for docker,
    portainer_stack_info with reveal_env ({exists, stack}) for portainer, dsm_container_project_info
    ({exists, project}) for container_manager. service: the compose service of the sync server (default: the first).
    A skipped or failed read (no exists) is a deployment that does not exist.
    """
    if method not in METHODS:
        raise AnsibleFilterError(f"anki_sync_deployed: method must be one of {list(METHODS)}, not {method!r}")
    if not isinstance(read, dict):
        return _empty(method)
    if method == "docker":
        return _docker(read)
    if method == "portainer":
        return _portainer(read, service)
    return _container_manager(read, service)


def anki_sync_encode(env, method, variable="anki_sync_server_users"):
    """The rendered environment (anki_sync_env's SYNC_USERn and PASSWORDS_HASHED, plain values) in method's shape.

    docker: as it is (the container's environment). portainer: the stack's environment, Portainer's stack.env,
    which compose reads with single-quoted values literally; PASSWORDS_HASHED stays in the compose file.
    container_manager: values for the compose content, $ doubled (compose would interpolate it).
    """
    if method not in METHODS:
        raise AnsibleFilterError(f"anki_sync_encode: method must be one of {list(METHODS)}, not {method!r}")
    env = {str(key): str(value) for key, value in (env or {}).items()}
    if method == "docker":
        return env
    if method == "container_manager":
        return {key: value.replace("$", "$$") for key, value in env.items()}
    hashed = env.get("PASSWORDS_HASHED") == "1"
    encoded = {}
    for key, value in env.items():
        if not USER_VARIABLE.match(key):
            continue
        name, _colon, secret = value.partition(":")
        if not hashed and NOT_IN_ENV_FILE.search(secret):
            raise AnsibleFilterError(env_file_refusal(f"{variable}[{int(key[len('SYNC_USER') :]) - 1}]", name))
        encoded[key] = f"'{value}'"
    return encoded


class FilterModule:
    def filters(self):
        return {"anki_sync_deployed": anki_sync_deployed, "anki_sync_encode": anki_sync_encode}
