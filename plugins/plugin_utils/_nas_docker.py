# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NAS's Docker Engine through its own Docker CLI, driven from the controller (nas_container, nas_container_info).

DSM gives the Docker CLI (Container Manager on DSM 7.2+, the Docker package on 7.0/7.1) and a Python 3.8 without
third-party packages: no `requests`, so no Docker SDK and none of community.docker's API modules, and Compose v2.9
(Container Manager 20.10.23) or docker-compose 1.28 (Docker 20.10.3), older than the v2.18 that
community.docker.docker_compose_v2 needs. So the action plugins run nothing on the NAS but a POSIX shell and that CLI,
by its absolute path (sudo's secure_path lacks /usr/local/bin), and do everything else here: read
(`docker container inspect`), compare, predict (check mode, a diff with the environment's values masked), then
write. The environment (the users' password hashes) goes to `docker create --env-file /dev/stdin` on the command's
standard input, never on a command line (which every user of the NAS can read in the process list).

Everything in this file is pure: the shell scripts it writes, the parsing of their output, the comparison.
"""

import json
import re
import shlex

#: where DSM keeps the Docker CLI, newest first: Container Manager (DSM 7.2+), the Docker package (DSM 7.0/7.1),
#: and the link both make in /usr/local/bin; then whatever PATH has (a controller driving a remote engine)
DOCKER_CLI_PATHS = (
    "/var/packages/ContainerManager/target/usr/bin/docker",
    "/var/packages/Docker/target/usr/bin/docker",
    "/usr/local/bin/docker",
)
MARK = "@@ankinas"
NO_DOCKER_EXIT = 127
MASK = "********"
RESTART_POLICIES = ("no", "always", "on-failure", "unless-stopped")
ENV_NAME = re.compile(r"^[^=\s]+$")


class NasDockerError(Exception):
    """A problem to report as the task's failure message (never carries an environment value)."""


# --- the shell side ----------------------------------------------------------------------------------------------
def probe(docker_cli=""):
    """Shell lines that set $docker to the Docker CLI (docker_cli, else the first of DOCKER_CLI_PATHS, else PATH's)."""
    if docker_cli:
        return (
            f"docker={shlex.quote(docker_cli)}\n"
            f'[ -x "$docker" ] || {{ echo "no executable Docker CLI at $docker" >&2; exit {NO_DOCKER_EXIT}; }}\n'
        )
    candidates = " ".join(shlex.quote(path) for path in DOCKER_CLI_PATHS)
    return (
        "docker=\n"
        f'for candidate in {candidates}; do if [ -x "$candidate" ]; then docker=$candidate; break; fi; done\n'
        '[ -n "$docker" ] || docker=$(command -v docker) || '
        f'{{ echo "no Docker CLI found" >&2; exit {NO_DOCKER_EXIT}; }}\n'
    )


def _docker(docker_host, *args):
    """One docker invocation, quoted for the shell."""
    host = ["--host", docker_host] if docker_host else []
    return " ".join(['"$docker"', *(shlex.quote(str(arg)) for arg in [*host, *args])])


#: read_script's helper: runs a command, prints its exit code, stdout and stderr as a section
_SECTION = (
    "section() {\n"
    '  name=$1; shift; err=$(mktemp) || exit 1; out=$("$@" 2>"$err"); rc=$?\n'
    f'  printf \'%s\\n%s\\n\' "{MARK} $name $rc" "$out"; printf \'%s\\n\' "{MARK}-stderr $name"; cat "$err"; '
    'rm -f "$err"\n'
    "}\n"
)


def read_script(docker_cli, docker_host, sections):
    """A script printing one section per (name, docker args...) of sections: its exit code, output and errors."""
    lines = [probe(docker_cli), _SECTION, f'echo {MARK}-cli "$docker"\n']
    for name, *args in sections:
        lines.append(f"section {shlex.quote(name)} {_docker(docker_host, *args)}\n")
    return "".join(lines)


def list_script(docker_cli, docker_host):
    """A script printing every container's `docker container inspect` (section containers)."""
    host = " ".join(shlex.quote(arg) for arg in (["--host", docker_host] if docker_host else []))
    return "".join(
        [
            probe(docker_cli),
            _SECTION,
            f'echo {MARK}-cli "$docker"\n',
            f'inspect_all() {{ ids=$("$docker" {host} ps --all --quiet --no-trunc) || return $?; '
            f'if [ -z "$ids" ]; then echo "[]"; else "$docker" {host} container inspect $ids; fi; }}\n',
            "section containers inspect_all\n",
        ]
    )


def parse_sections(stdout):
    """{name: {"rc": int, "out": str, "err": str}} and the CLI's path, from a read script's output."""
    sections, cli, current, part = {}, "", None, "out"
    for line in stdout.splitlines():
        if line.startswith(MARK + "-cli "):
            cli = line[len(MARK) + 5 :]
        elif line.startswith(MARK + "-stderr "):
            part = "err"
        elif line.startswith(MARK + " "):
            name, _space, rc = line[len(MARK) + 1 :].rpartition(" ")
            current = sections[name] = {"rc": int(rc), "out": "", "err": ""}
            part = "out"
        elif current is not None:
            current[part] += line + "\n"
    return sections, cli


def write_script(docker_cli, docker_host, steps):
    """A script running steps ((description, docker args...)) in order; it stops at the first failure and says which.

    A step whose args contain "--env-file" "/dev/stdin" reads the environment from the script's standard input.
    """
    lines = [
        probe(docker_cli),
        "step() {\n"
        '  what=$1; shift; out=$("$@" 2>&1) || { rc=$?; '
        f'printf \'%s\\n%s\\n\' "{MARK}-failed $rc $what" "$out"; exit 1; }}\n'
        f"  printf '%s\\n' \"{MARK}-done $what\"\n"
        "}\n",
    ]
    for what, *args in steps:
        lines.append(f"step {shlex.quote(what)} {_docker(docker_host, *args)}\n")
    return "".join(lines)


def parse_write(stdout):
    """(done steps, (failed step, its exit code, its output) or None) from a write script's output."""
    done, failed, output = [], None, []
    for line in stdout.splitlines():
        if line.startswith(MARK + "-done "):
            done.append(line[len(MARK) + 6 :])
        elif line.startswith(MARK + "-failed "):
            rc, _space, what = line[len(MARK) + 8 :].partition(" ")
            failed = [what, int(rc)]
        elif failed is not None:
            output.append(line)
    return done, (failed[0], failed[1], "\n".join(output).strip()) if failed else None


def engine_error(text, cli, user):
    """A message for a Docker CLI that could not reach the engine, with what to do (None when it is another error)."""
    if "permission denied" in text and "docker" in text and ".sock" in text:
        return (
            f"the Docker CLI ({cli}) ran as '{user}', who may not use DSM's Docker socket (root only): run the task "
            "with become: true (the role does for a unix:// docker host)"
        )
    if "Cannot connect to the Docker daemon" in text or "Is the docker daemon running" in text:
        return (
            f"the Docker CLI ({cli}) found no running Docker Engine: install and start Container Manager (DSM 7.2+) or "
            f"Docker (DSM 7.0/7.1) in Package Center ({text.strip().splitlines()[-1]})"
        )
    return None


def no_cli_message(docker_cli):
    where = docker_cli or ", ".join(DOCKER_CLI_PATHS) + " or PATH"
    return (
        f"no Docker CLI on the NAS ({where}): install Container Manager (DSM 7.2+) or Docker (DSM 7.0/7.1) from "
        "Package Center, or name the CLI's path in docker_cli (anki_sync_server_docker_cli)"
    )


# --- the desired container ----------------------------------------------------------------------------------------
def _port_binding(spec):
    """(container port/proto, host ip, host port) of '[ip:][host_port:]container_port[/proto]' (ip may be [v6])."""
    text = str(spec).strip()
    head, _colon, container_part = text.rpartition(":")
    container, _slash, proto = container_part.partition("/")
    if head.startswith("["):
        host_ip, _bracket, tail = head[1:].partition("]")
        host_port = tail[1:] if tail.startswith(":") else tail
    elif ":" in head:
        host_ip, host_port = head.rsplit(":", 1)
    else:
        host_ip, host_port = "", head
    if not container.isdigit() or (host_port and not host_port.isdigit()):
        raise NasDockerError(f"published_ports: '{spec}' is not [ip:][host_port:]container_port[/protocol]")
    return f"{container}/{proto or 'tcp'}", _any_address(host_ip), host_port


def _any_address(host_ip):
    """Docker lists a port published on every interface with the address "" or 0.0.0.0: one value for both."""
    return "" if host_ip in (None, "", "0.0.0.0") else host_ip  # noqa: S104 - compared, never bound


def _volume(spec):
    """(source, destination, mode) of 'source:destination[:mode]'."""
    parts = str(spec).split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise NasDockerError(f"volumes: '{spec}' is not source:destination[:mode]")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else "rw"


def desired_container(args):
    """The options as nas_container takes them, checked and normalised; raises NasDockerError naming the option."""
    networks = []
    for network in args.get("networks") or []:
        name = network.get("name") if isinstance(network, dict) else network
        if not name:
            raise NasDockerError("networks: every entry needs a name")
        networks.append(str(name))
    env = {}
    for key, value in (args.get("env") or {}).items():
        key, value = str(key), "" if value is None else str(value)
        if not ENV_NAME.match(key):
            raise NasDockerError(f"env: '{key}' is not a variable name")
        if any(char in value for char in "\r\n\0"):
            raise NasDockerError(f"env: the value of {key} has a line break, which the Docker CLI cannot pass")
        env[key] = value
    restart = args.get("restart_policy") or "no"
    if restart not in RESTART_POLICIES:
        raise NasDockerError(f"restart_policy must be one of {', '.join(RESTART_POLICIES)} (got '{restart}')")
    if not args.get("image"):
        raise NasDockerError("image is required to run a container")
    return {
        "name": args["name"],
        "image": str(args["image"]),
        "env": env,
        "ports": sorted(_port_binding(port) for port in args.get("published_ports") or []),
        "port_specs": [str(port) for port in args.get("published_ports") or []],
        "volumes": sorted(_volume(volume) for volume in args.get("volumes") or []),
        "volume_specs": [str(volume) for volume in args.get("volumes") or []],
        "networks": networks,
        "labels": {str(key): str(value) for key, value in (args.get("labels") or {}).items()},
        "restart_policy": restart,
        "stop_signal": args.get("stop_signal") or "",
    }


# --- the container as docker inspect shows it ---------------------------------------------------------------------
def env_dict(items):
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in items or [])


def current_container(inspected):
    """The fields nas_container manages, from `docker container inspect` (and whether it runs)."""
    config, host = inspected.get("Config") or {}, inspected.get("HostConfig") or {}
    ports = sorted(
        (port, _any_address(binding.get("HostIp")), binding.get("HostPort") or "")
        for port, bindings in (host.get("PortBindings") or {}).items()
        for binding in bindings or []
    )
    return {
        "image": config.get("Image") or "",
        "image_id": inspected.get("Image") or "",
        "env": env_dict(config.get("Env")),
        "ports": ports,
        "volumes": sorted(_volume(bind) for bind in host.get("Binds") or []),
        "networks": sorted(((inspected.get("NetworkSettings") or {}).get("Networks") or {}).keys()),
        "labels": dict(config.get("Labels") or {}),
        "restart_policy": (host.get("RestartPolicy") or {}).get("Name") or "no",
        "stop_signal": config.get("StopSignal") or "",
        "running": bool((inspected.get("State") or {}).get("Running")),
    }


def differences(desired, current, image=None):
    """The names of the fields in which the container differs from desired (empty: it is as desired).

    image is the desired image's `docker image inspect` when the NAS has it: its ID must be the container's (a tag
    moved to a new build is an update) and its environment is part of the container's (the comparison is strict:
    a variable nobody asks for any more, a removed user, is a difference).
    """
    changed = []
    if current["image"] != desired["image"] or (image and image.get("Id") and image["Id"] != current["image_id"]):
        changed.append("image")
    expected_env = env_dict(((image or {}).get("Config") or {}).get("Env")) if image else {}
    expected_env.update(desired["env"])
    if image is None:
        # Without the image's own variables, only the asked ones can be compared: any other difference then shows
        # as the image (the container's image is not on the NAS any more), which recreates the container anyway.
        env_differs = any(current["env"].get(key) != value for key, value in desired["env"].items())
    else:
        env_differs = current["env"] != expected_env
    if env_differs:
        changed.append("env")
    if current["ports"] != desired["ports"]:
        changed.append("published_ports")
    if current["volumes"] != desired["volumes"]:
        changed.append("volumes")
    if current["networks"] != sorted(desired["networks"]):
        changed.append("networks")
    if any(current["labels"].get(key) != value for key, value in desired["labels"].items()):
        changed.append("labels")
    if current["restart_policy"] != desired["restart_policy"]:
        changed.append("restart_policy")
    if desired["stop_signal"] and current["stop_signal"] != desired["stop_signal"]:
        changed.append("stop_signal")
    return changed


def masked_view(fields, desired, env_before=None):
    """The managed fields for a diff, alike for before and after: labels and stop signal as far as desired asks for
    them, the environment's names only, each value masked (marked when it differs from env_before)."""
    env = fields.get("env") or {}
    return {
        "name": desired["name"],
        "image": fields["image"],
        "env": {
            key: MASK + (" (changed)" if env_before is not None and env_before.get(key) != value else "")
            for key, value in sorted(env.items())
        },
        "published_ports": [f"{ip + ':' if ip else ''}{host}:{port}" for port, ip, host in fields["ports"]],
        "volumes": [":".join(volume) for volume in fields["volumes"]],
        "networks": sorted(fields["networks"]),
        "labels": {key: fields["labels"].get(key) for key in sorted(desired["labels"])},
        "restart_policy": fields["restart_policy"],
        "stop_signal": fields["stop_signal"] if desired["stop_signal"] else "(as it is)",
        "running": fields.get("running", True),
    }


def run_steps(desired, exists, running_differs_only, missing_networks):
    """The docker commands that bring the container to desired: (description, docker args...), in order."""
    steps = [(f"create the network {network}", "network", "create", network) for network in missing_networks]
    if exists and running_differs_only:
        return [*steps, ("start the container", "start", desired["name"])]
    if exists:
        steps += [("stop the container", "stop", desired["name"]), ("remove the container", "rm", desired["name"])]
    create = ["create", "--name", desired["name"], "--restart", desired["restart_policy"]]
    if desired["stop_signal"]:
        create += ["--stop-signal", desired["stop_signal"]]
    for port in desired["port_specs"]:
        create += ["--publish", port]
    for volume in desired["volume_specs"]:
        create += ["--volume", volume]
    if desired["networks"]:
        create += ["--network", desired["networks"][0]]
    for key, value in sorted(desired["labels"].items()):
        create += ["--label", f"{key}={value}"]
    create += ["--env-file", "/dev/stdin", desired["image"]]
    steps.append(("create the container", *create))
    steps += [
        (f"connect the container to the network {network}", "network", "connect", network, desired["name"])
        for network in desired["networks"][1:]
    ]
    steps.append(("start the container", "start", desired["name"]))
    return steps


def env_file(env):
    """The environment as `docker --env-file` reads it (one NAME=value per line, in env's order, which the container
    keeps: a container put back from its inspect gets its variables in their old order)."""
    return "".join(f"{key}={value}\n" for key, value in env.items())


# --- the container list, as the Engine's /containers/json (community.docker.docker_host_info) shows it -----------
def summary(inspected):
    """One entry of the Engine's container list (Id, Names, Image, State, Labels, Mounts, Ports) from an inspect.

    The list is what the filter anki_sync_adoption reads; the Engine lists the published ports of running
    containers only, and so does this.
    """
    config = inspected.get("Config") or {}
    ports = []
    for port, bindings in sorted(((inspected.get("NetworkSettings") or {}).get("Ports") or {}).items()):
        number, _slash, proto = port.partition("/")
        for binding in bindings or [{}]:
            entry = {"PrivatePort": int(number), "Type": proto or "tcp"}
            if binding.get("HostPort"):
                entry.update(IP=binding.get("HostIp") or "", PublicPort=int(binding["HostPort"]))
            ports.append(entry)
    state = inspected.get("State") or {}
    return {
        "Id": inspected.get("Id", ""),
        "Names": [inspected.get("Name", "")],
        "Image": config.get("Image", ""),
        "ImageID": inspected.get("Image", ""),
        "State": state.get("Status", ""),
        "Labels": dict(config.get("Labels") or {}),
        "Mounts": [
            {key: mount.get(key) for key in ("Type", "Name", "Source", "Destination", "Mode", "RW") if key in mount}
            for mount in inspected.get("Mounts") or []
        ],
        "Ports": ports,
    }


def only_gone(section):
    """True when a listing's inspect failed only for containers removed since `docker ps` listed them (the Engine is
    busy with others' containers meanwhile): it printed the others, and every error is a "No such" one."""
    errors = [line for line in section["err"].splitlines() if line.strip()]
    return section["out"].lstrip().startswith("[") and bool(errors) and all("No such" in line for line in errors)


def parse_json(section, what):
    try:
        return json.loads(section["out"] or "null")
    except ValueError:
        raise NasDockerError(f"{what}: the Docker CLI's answer is not JSON") from None
