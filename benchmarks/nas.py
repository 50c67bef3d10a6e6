"""Simulated NAS for the benchmarks: each its own SIMNAS_HOME, DSM, Portainer, SSH host, ports and
counting Docker proxy, started and stopped with simnas.supervisor; a fleet of them in one inventory."""

import concurrent.futures
import contextlib
import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import docker
import yaml
from simnas import sshnas
from simnas.server import free_port

from benchmarks.dockerproxy import CountingDockerProxy

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "inventories" / "demo"
#: the counting proxy's socket, as the NAS sees it (it lies in the NAS's /volume1)
PROXY_SOCKET = "/volume1/docker-proxy.sock"


def engine_socket():
    host = os.environ.get("DOCKER_HOST", "")
    return host[len("unix://") :] if host.startswith("unix://") else "/var/run/docker.sock"


class SimNas:
    """One simulated NAS; name is its inventory hostname and the prefix of what the playbook creates on it."""

    def __init__(self, home, name, method="docker"):
        self.home = Path(home)
        self.name = name
        self.method = method
        self.dsm_port = free_port()
        self.portainer_port = free_port()
        self.https_port = free_port()  # nginx's listener for the rules' port 443
        self.ssh_port = free_port()
        self.host_port = free_port()  # the sync server's published port
        self.proxy = None

    def _supervisor(self, *args):
        command = [sys.executable, "-m", "simnas.supervisor", *args, "--home", str(self.home)]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)

    def start(self):
        if self.home.exists():
            shutil.rmtree(self.home)
        ports = ["--dsm-port", self.dsm_port, "--portainer-port", self.portainer_port]
        ports += ["--proxy-port", self.https_port, "--ssh-port", self.ssh_port]
        self._supervisor("start", *map(str, ports))
        # The Docker tasks run on the NAS (become) against a unix socket: the counting proxy listens in the
        # NAS's /volume1, which is a folder of this machine.
        volume1 = self.home / "volumes" / "volume1"
        self.proxy = CountingDockerProxy(volume1 / Path(PROXY_SOCKET).name, engine_socket())
        self.proxy.start()
        return self

    def stop(self, remove=True):
        with contextlib.suppress(Exception):
            client = docker.APIClient(base_url=f"unix://{engine_socket()}")
            with contextlib.suppress(docker.errors.NotFound):
                client.remove_container(self.name, force=True)
            with contextlib.suppress(docker.errors.NotFound):
                client.remove_network(self.name)
            client.close()
        with contextlib.suppress(Exception):
            self._supervisor("stop")
        if self.proxy is not None:
            self.proxy.stop()
        if remove and self.home.exists():
            shutil.rmtree(self.home, ignore_errors=True)

    def host_vars(self):
        """The inventory's variables of this NAS: the demo inventory's, with this NAS's ports and names."""
        host = {
            "ansible_host": "127.0.0.1",
            "ansible_connection": "ssh",
            "ansible_python_interpreter": "/usr/bin/python3",
            "simnas_home": str(self.home),
            "dsm_url": f"https://127.0.0.1:{self.dsm_port}",
            "portainer_url": f"https://127.0.0.1:{self.portainer_port}",
            "simnas_proxy_port": self.https_port,
            "anki_sync_server_deploy_method": self.method,
            "anki_sync_server_container_name": self.name,
            "anki_sync_server_network": self.name,
            "anki_sync_server_portainer_stack_name": self.name,
            "anki_sync_server_host_port": self.host_port,
        }
        if self.method == "container_manager":
            # DSM credentials alone, as molecule's container_manager scenario: SSH to the NAS is refused.
            host.update(ansible_port=9, ansible_user="ankinas-no-ssh")
            return host
        host.update(
            ansible_port=self.ssh_port,
            ansible_user="admin",
            ansible_password="{{ dsm_password }}",
            ansible_become_password="{{ dsm_password }}",
            ansible_ssh_common_args=f"-o HostKeyAlias={sshnas.HOST_ALIAS} -o StrictHostKeyChecking=yes"
            f" -o UserKnownHostsFile={sshnas.known_hosts(self.home)}",
            ansible_remote_tmp="/tmp/.ansible-admin",
            anki_sync_server_docker_host=f"unix://{PROXY_SOCKET}",
        )
        return host

    @property
    def ca(self):
        return str(self.home / "ca" / "ca.crt")

    def _control(self, port, path, method="GET"):
        context = ssl.create_default_context(cafile=self.ca)
        request = urllib.request.Request(
            f"https://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request, context=context, timeout=30) as response:  # noqa: S310 - our simulator
            body = response.read()
        return json.loads(body) if body else {}

    def reset_counters(self):
        self._control(self.dsm_port, "/_sim/reset-counters", "POST")
        self._control(self.portainer_port, "/_sim/reset", "POST")
        self.proxy.reset()

    def counters(self):
        """{"dsm": {...}, "portainer": {...}, "docker": {...}} as the simulators and the proxy count them."""
        return {
            "dsm": self._control(self.dsm_port, "/_sim/counters"),
            "portainer": self._control(self.portainer_port, "/_sim/counters"),
            "docker": self.proxy.snapshot(),
        }


class Fleet:
    """count simulated NAS (hosts nas01, nas02, ...) deploying with method, in one inventory under work."""

    def __init__(self, work, count, method="docker", prefix="ankinas-bench"):
        self.work = Path(work)
        self.nas = [
            SimNas(self.work / f"nas{number:02d}", f"{prefix}-{os.getpid()}-{number:02d}", method)
            for number in range(1, count + 1)
        ]
        self.inventory = self.work / "inventory"

    def __len__(self):
        return len(self.nas)

    def start(self):
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(SimNas.start, self.nas))
        except Exception:
            self.stop()
            raise
        self._write_inventory()
        return self

    def stop(self, remove=True):
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda nas: nas.stop(remove), self.nas))

    def _write_inventory(self):
        # The demo inventory's group_vars (credentials, users, rule, backup); the host vars of each NAS win.
        self.inventory.mkdir(parents=True, exist_ok=True)
        hosts = {f"nas{number:02d}": nas.host_vars() for number, nas in enumerate(self.nas, start=1)}
        inventory = {"all": {"children": {"synology": {"hosts": hosts}}}}
        (self.inventory / "hosts.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
        group_vars = self.inventory / "group_vars"
        if not group_vars.exists():
            group_vars.symlink_to(DEMO / "group_vars")

    def reset_counters(self):
        for nas in self.nas:
            nas.reset_counters()

    def counters(self):
        return [nas.counters() for nas in self.nas]


def dsm_split(counters):
    """(logins, reads, writes, {api.method: n}) of the DSM simulator's counters; logins and logouts are
    counted as logins/reads as the simulator does (SYNO.API.Auth is a read API)."""
    reads, writes = counters.get("reads", {}), counters.get("writes", {})
    calls = {**{f"{k} (r)": v for k, v in reads.items()}, **{f"{k} (w)": v for k, v in writes.items()}}
    return counters.get("logins_succeeded", 0), sum(reads.values()), sum(writes.values()), calls


def portainer_split(counters):
    """(auth attempts, reads, writes, {route: n}) of the Portainer simulator's counters."""
    return (
        counters.get("auth_attempts", 0),
        counters.get("reads", 0),
        counters.get("writes", 0),
        counters.get("calls", {}),
    )
