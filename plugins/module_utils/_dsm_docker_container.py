# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NAS's containers through the DSM Web API (SYNO.Docker.Container, Container Manager or the Docker package),
for a NAS reached with DSM credentials alone. Only reads.

PRIVATE to the collection: it can change at any time.

Wire shapes (the public clients that ran against DSM; tests/simnas/dsm/apis/docker_container.py cites them):
- list{offset, limit, type} (all three, else 114; type "all" includes stopped containers) answers
  {containers: [{id, name, image, status, State, ...}], total}: no ports, mounts, labels or environment;
- get{name} (JSON-quoted) answers {profile, details}: details is the Engine's inspect (Name, Config{Image, Env,
  Labels}, HostConfig, Mounts, NetworkSettings); profile is Container Manager's view of the settings
  (port_bindings [{host_port, container_port, type}], volume_bindings [{host_volume_file, mount_point}], ...).
  An unknown name answers 117.
The reader prefers details (the Engine's own words) and falls back to profile where details lacks a field.
UNVERIFIED on a real NAS: HostConfig.PortBindings inside details (profile's port_bindings have no host address).
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError

CONTAINER_API = "SYNO.Docker.Container"
NO_SUCH_CONTAINER = 117

#: DSM error codes of the container API (a module passes them to its client)
ERRORS = {
    CONTAINER_API: {
        114: "A required parameter is missing",
        NO_SUCH_CONTAINER: "No such container",
    },
}


def _ports(details, profile):
    """The published ports in the Engine list's shape: [{IP, PrivatePort, PublicPort, Type}]."""
    bindings = (details.get("HostConfig") or {}).get("PortBindings")
    if isinstance(bindings, dict):
        ports = []
        for container_port, published in sorted(bindings.items()):
            number, _slash, protocol = str(container_port).partition("/")
            for binding in published or []:
                if binding.get("HostPort"):
                    ports.append(
                        {
                            "IP": binding.get("HostIp") or "",
                            "PrivatePort": int(number),
                            "PublicPort": int(binding["HostPort"]),
                            "Type": protocol or "tcp",
                        }
                    )
        return ports
    return [
        {
            "IP": "",
            "PrivatePort": int(binding.get("container_port") or 0),
            "PublicPort": int(binding["host_port"]),
            "Type": binding.get("type") or "tcp",
        }
        for binding in profile.get("port_bindings") or []
        if binding.get("host_port")
    ]


def _mounts(details, profile):
    """The mounts in the Engine list's shape: [{Type, Source, Destination, RW}]."""
    mounts = details.get("Mounts")
    if isinstance(mounts, list):
        return [
            {
                "Type": mount.get("Type", ""),
                "Source": mount.get("Source", ""),
                "Destination": mount.get("Destination", ""),
                "RW": mount.get("RW", True),
            }
            for mount in mounts
        ]
    return [
        {
            "Type": "bind",
            "Source": binding.get("host_absolute_path") or binding.get("host_volume_file") or "",
            "Destination": binding.get("mount_point", ""),
            "RW": binding.get("type") != "ro",
        }
        for binding in profile.get("volume_bindings") or []
    ]


def listed(entry, got):
    """A container as the Docker Engine's list shows it (what community.docker.docker_host_info returns with
    verbose_output), from its DSM list entry and its DSM get answer. No environment: that is in inspect()."""
    details, profile = got.get("details") or {}, got.get("profile") or {}
    config = details.get("Config") or {}
    state = details.get("State") or entry.get("State") or {}
    return {
        "Id": entry.get("id") or details.get("Id", ""),
        "Names": ["/" + (entry.get("name") or details.get("Name", "")).lstrip("/")],
        "Image": entry.get("image") or config.get("Image") or profile.get("image", ""),
        "State": state.get("Status") or ("running" if entry.get("status") == "running" else "exited"),
        "Status": entry.get("up_status", ""),
        "Labels": dict(config.get("Labels") or {}),
        "Ports": _ports(details, profile),
        "Mounts": _mounts(details, profile),
    }


def inspect(got):
    """The container as the Engine's inspect shows it (community.docker.docker_container_info's container)."""
    details = dict(got.get("details") or {})
    if "Env" not in (details.get("Config") or {}):
        profile = got.get("profile") or {}
        env = [f"{item.get('key')}={item.get('value', '')}" for item in profile.get("env_variables") or []]
        details["Config"] = dict(details.get("Config") or {}, Env=env)
    return details


class ContainerClient:
    """The reads of SYNO.Docker.Container on one DSM client."""

    def __init__(self, client):
        self.client = client

    def entries(self):
        """Every container DSM lists, stopped ones too."""
        data = self.client.call(CONTAINER_API, "list", {"offset": 0, "limit": -1, "type": "all"}, version=1)
        return [entry for entry in (data or {}).get("containers") or [] if isinstance(entry, dict)]

    def get(self, name):
        """DSM's get of the container named name ({profile, details}), or None when there is none."""
        try:
            return self.client.call(CONTAINER_API, "get", {"name": name.lstrip("/")}, version=1) or {}
        except DSMAPIError as exc:
            if exc.code == NO_SUCH_CONTAINER:
                return None
            raise

    def containers(self):
        """Every container in the Engine list's shape (one get per container: list shows no ports or mounts), and
        each one's DSM get answer by name."""
        found, got_by_name = [], {}
        for entry in self.entries():
            got = self.get(entry.get("name") or "")
            if got is not None:  # removed between the list and the get
                found.append(listed(entry, got))
                got_by_name[found[-1]["Names"][0].lstrip("/")] = got
        return found, got_by_name


def gather(client, name, details=False):
    """The facts of the module dsm_container_info: every container (with details, each one's inspect too, from
    the same reads), or the one called name."""
    containers = ContainerClient(client)
    if name is None:
        found, got_by_name = containers.containers()
        facts = {"containers": found}
        if details:
            facts["details"] = {key: inspect(got) for key, got in got_by_name.items()}
        return facts
    got = containers.get(name)
    return {"exists": got is not None, "container": inspect(got) if got is not None else {}}
