"""The setup guide's NAS, built by hand as a user builds it, for the tests that take it over (tests/pytest/adoption,
tests/pytest/reliability): the shared folder docker, the Portainer stack from the guide's compose (plain-text
SYNC_USERn, restart unless-stopped, its network), the reverse-proxy rule 'Anki Sync Server' with the WebSocket
headers, HSTS and the anki.nas.test certificate, and notes synced by a real Anki client. The share and the rule are
what DSM's UI makes, put in the simulated DSM's state as DSM lists them (POST /_sim/seed, simnas.dsm.seed; the rule's
shape from dsm-webapi.md §2.1), never made by the modules under test. Container, network and stack carry a unique
suffix (the Docker Engine is shared with other tests); everything else has the guide's values.
"""

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid

import docker
import requests
from simnas import supervisor
from simnas.server import free_port

from harness import anki_client
from harness.connect_proxy import ConnectProxy
from harness.runner import ROOT, run_playbook

SITE = ROOT / "playbooks" / "site.yml"
INVENTORY = str(ROOT / "inventories" / "demo")
DSM_PASSWORD = supervisor.DEMO_DSM_PASSWORD  # also in inventories/demo
PORTAINER_API_KEY = supervisor.DEMO_PORTAINER_API_KEY
USERS = {"alice": "alice-demo-password", "bob": "bob-demo-password"}  # inventories/demo's users
FQDN = "anki.nas.test"
GUIDE_COMPOSE = """\
services:
  {name}:
    image: jeankhawand/anki-sync-server:25.07
    container_name: {name}
    restart: unless-stopped
    ports:
      - "{port}:8080"
    volumes:
      - {data}:/anki_data
    environment:
      - SYNC_USER1=alice:{alice}
      - SYNC_USER2=bob:{bob}
    networks:
      - {network}
networks:
  {network}:
    name: {network}
"""
FRESH_CLIENT = """
import json, sys
from harness import anki_client
from simnas import supervisor
endpoint, users = sys.argv[1], json.loads(sys.argv[2])
for user, password in users.items():
    print(user, anki_client.download_notes(user, password, endpoint) == sorted(anki_client.generate_notes(20, user)))
"""


class GuideNAS:
    """The simulated NAS, the guide's names on it, and what the tests read back."""

    def __init__(self, env, docker_client):
        self.env = env
        self.docker = docker_client
        self.home = env["SIMNAS_HOME"]
        self.ca = os.path.join(self.home, "ca", "ca.crt")
        suffix = uuid.uuid4().hex[:8]
        self.name = f"anki-sync-server-{suffix}"
        self.network = f"anki-network-{suffix}"
        self.stack = f"anki-{suffix}"
        self.port = free_port()
        self.data = os.path.join(self.home, "volumes", "volume1", "docker", "anki-server")
        self.endpoint = f"http://127.0.0.1:{self.port}/"
        self.overrides = {
            "anki_sync_server_container_name": self.name,
            "anki_sync_server_network": self.network,
            "anki_sync_server_portainer_stack_name": self.stack,
            "anki_sync_server_host_port": self.port,
        }

    # --- the simulated NAS's control APIs ---------------------------------------------------------
    def _get(self, service, path):
        port = self.env["SIMNAS_DSM_PORT"] if service == "dsm" else self.env["SIMNAS_PORTAINER_PORT"]
        return requests.get(f"https://127.0.0.1:{port}/_sim/{path}", verify=self.ca, timeout=30).json()

    def dsm_writes(self):
        return self._get("dsm", "counters")["writes"]

    def portainer_writes(self):
        return self._get("portainer", "counters")["writes"]

    def rules(self):
        return [record["entry"] for record in self._get("dsm", "state")["state"].get("reverse_proxy", {}).values()]

    def projects(self):
        return [project["name"] for project in self._get("dsm", "state")["state"].get("docker_projects", {}).values()]

    def stacks(self):
        return [stack["Name"] for stack in self._get("portainer", "state")["stacks"]]

    def containers(self):
        """{id: name} of every container holding the guide's name, host port or data directory. The Docker Engine is
        shared: a container of another test may go between the listing and its inspection (skipped, not an error)."""
        found = {}
        for listed in self.docker.api.containers(all=True, quiet=True):
            try:
                container = self.docker.containers.get(listed["Id"])
            except docker.errors.NotFound:
                continue
            ports = container.attrs["HostConfig"].get("PortBindings") or {}
            host_ports = {binding["HostPort"] for bindings in ports.values() for binding in bindings or []}
            mounts = {mount.get("Source") for mount in container.attrs.get("Mounts") or []}
            if container.name == self.name or str(self.port) in host_ports or self.data in mounts:
                found[container.id] = container.name
        return found

    def dsm_connection(self):
        return {
            "dsm_url": f"https://127.0.0.1:{self.env['SIMNAS_DSM_PORT']}",
            "dsm_username": "admin",
            "dsm_password": DSM_PASSWORD,
            "dsm_ca_path": self.ca,
        }

    def seed_dsm(self, payload):
        """What the user made by hand in DSM's UI, stored by the simulated DSM as DSM lists it (simnas.dsm.seed)."""
        port = self.env["SIMNAS_DSM_PORT"]
        answer = requests.post(f"https://127.0.0.1:{port}/_sim/seed", json=payload, verify=self.ca, timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()

    # --- what a user runs -------------------------------------------------------------------------
    def site(self, method, check=False, inventory=(), **overrides):
        """site.yml with the demo inventory (and the sources in inventory over it), the backup skipped."""
        # The backup is not what this suite is about, and skipping it keeps each site run short.
        env = dict(self.env, ANKINAS_DEPLOY_METHOD=method, ANSIBLE_SKIP_TAGS="hyper_backup")
        variables = dict(self.overrides, **overrides)
        sources = [INVENTORY, *inventory]
        return run_playbook(SITE, variables, env=env, check=check, diff=check, inventory=sources)

    def notes_through_the_proxy(self):
        """{user: whether a fresh client downloads the user's notes through https://anki.nas.test (nginx, the rule)}."""
        endpoint = f"https://{FQDN}:{self.env['SIMNAS_PROXY_PORT']}/"
        with ConnectProxy() as tunnel:
            env = tunnel.client_env(self.ca)
            fresh = subprocess.run(
                [sys.executable, "-c", FRESH_CLIENT, endpoint, json.dumps(USERS)],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )
        assert fresh.returncode == 0, fresh.stderr[-3000:]
        return dict(line.split() for line in fresh.stdout.splitlines())


def said(process):
    """The play's output as one line (the YAML callback wraps long messages and doubles single quotes)."""
    return " ".join(process.stdout.split()).replace("''", "'")


#: the guide's rule as DSM lists a rule made in its UI (dsm-webapi.md §2.1: the pmilano1 DSM 7 capture; the WebSocket
#: preset of the UI, phoeluga's DefaultWebSocketHeaders; HSTS ticked), before DSM gives it its UUID and _key
GUIDE_RULE = {
    "description": "Anki Sync Server",
    "frontend": {"fqdn": FQDN, "port": 443, "protocol": 1, "https": {"hsts": True}, "acl": None},
    "backend": {"fqdn": "localhost", "port": None, "protocol": 0},
    "customize_headers": [
        {"name": "Upgrade", "value": "$http_upgrade"},
        {"name": "Connection", "value": "$connection_upgrade"},
    ],
    "proxy_connect_timeout": 60,
    "proxy_read_timeout": 60,
    "proxy_send_timeout": 60,
    "proxy_http_version": 1,
    "proxy_intercept_errors": False,
}


def build_the_guides_nas(nas, tmp_path):
    """Everything the guide has the user click: in DSM's UI (seeded as DSM stores it), then Portainer's API."""
    rule = dict(GUIDE_RULE, backend=dict(GUIDE_RULE["backend"], port=nas.port))
    seeded = nas.seed_dsm(
        {
            "shares": [{"name": "docker", "vol_path": "/volume1", "desc": "Docker"}],
            "reverse_proxy": [{"entry": rule, "certificate": FQDN}],
        }
    )
    assert seeded["shares"] == ["docker"] and [entry["description"] for entry in seeded["reverse_proxy"]] == [
        "Anki Sync Server"
    ]
    assert nas.dsm_writes() == {}  # nothing went through the Web API, let alone our modules
    os.makedirs(nas.data, exist_ok=True)
    compose = GUIDE_COMPOSE.format(
        name=nas.name, port=nas.port, data=nas.data, network=nas.network, alice=USERS["alice"], bob=USERS["bob"]
    )
    created = requests.post(
        f"https://127.0.0.1:{nas.env['SIMNAS_PORTAINER_PORT']}/api/stacks/create/standalone/string",
        params={"endpointId": 1},
        json={"Name": nas.stack, "StackFileContent": compose, "Env": []},
        headers={"X-API-Key": PORTAINER_API_KEY},
        verify=nas.ca,
        timeout=300,
    )
    assert created.status_code == 200, created.text
    for user in USERS:
        collection = anki_client.make_collection(tmp_path / user, anki_client.generate_notes(20, user))
        assert anki_client.sync(collection, user, USERS[user], wait_ready(nas)) == "full upload"


def wait_ready(nas, timeout=60):
    """The guide's server endpoint once /health answers (the stack was just deployed)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(nas.endpoint + "health", timeout=2, proxies={"http": None}).status_code == 200:
                return nas.endpoint
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, f"the guide's server did not answer within {timeout}s"
        time.sleep(0.3)


@contextlib.contextmanager
def running_guide_nas(home, docker_client):
    """The guide's NAS on a simulated NAS of its own in home (free ports), removed on exit."""
    # The guide's first clicks: Container Manager (Portainer runs on its Docker Engine) and Hyper Backup, installed in
    # Package Center.
    installed = {"SIMNAS_DSM_INSTALLED_PACKAGES": "FileStation,ContainerManager,HyperBackup"}
    with supervisor.running(home / "simnas", **installed) as env:
        nas = GuideNAS(env, docker_client)
        try:
            build_the_guides_nas(nas, home)
            yield nas
        finally:
            for stack in nas._get("portainer", "state")["stacks"]:
                requests.delete(
                    f"https://127.0.0.1:{env['SIMNAS_PORTAINER_PORT']}/api/stacks/{stack['Id']}",
                    params={"endpointId": stack["EndpointId"]},
                    headers={"X-API-Key": PORTAINER_API_KEY},
                    verify=nas.ca,
                    timeout=120,
                )
            for container in docker_client.containers.list(all=True, filters={"name": nas.name}):
                container.remove(force=True)
            for network in docker_client.networks.list(names=[nas.network]):
                network.remove()
