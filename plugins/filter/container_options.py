# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter container_options: the nas_container options that recreate an inspected container."""


def _port(host_ip, host_port, container_port):
    if not host_ip:
        return f"{host_port}:{container_port}"
    return f"[{host_ip}]:{host_port}:{container_port}" if ":" in host_ip else f"{host_ip}:{host_port}:{container_port}"


def container_options(inspected):
    """image, env, published_ports, volumes, networks, labels, restart_policy and stop_signal of a container
    as docker inspect (ankinas.synology.nas_container_info) shows it, to put it back after a failed
    replacement."""
    config, host = inspected.get("Config") or {}, inspected.get("HostConfig") or {}
    ports = [
        _port(binding.get("HostIp"), binding.get("HostPort"), container_port)
        for container_port, bindings in sorted((host.get("PortBindings") or {}).items())
        for binding in bindings or []
    ]
    networks = sorted(((inspected.get("NetworkSettings") or {}).get("Networks") or {}).keys())
    options = {
        "image": config.get("Image"),
        "env": dict(item.split("=", 1) for item in config.get("Env") or [] if "=" in item),
        "published_ports": ports,
        "volumes": list(host.get("Binds") or []),
        "networks": [{"name": name} for name in networks],
        "labels": dict(config.get("Labels") or {}),
        "restart_policy": (host.get("RestartPolicy") or {}).get("Name") or "no",
    }
    if config.get("StopSignal"):
        options["stop_signal"] = config["StopSignal"]
    return options


class FilterModule:
    def filters(self):
        return {"container_options": container_options}
