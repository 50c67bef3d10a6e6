"""A NAS set up by hand with the setup guide, taken over by site.yml, then moved from one deploy method to another.

The guide's NAS is built on a simulated NAS of its own (free ports, SIMNAS_HOME in the test's folder) as a user
builds it: the shared folder docker, the Portainer stack from the guide's compose (plain-text SYNC_USERn, restart
unless-stopped, its network), the reverse-proxy rule 'Anki Sync Server' with the WebSocket headers, HSTS and the
anki.nas.test certificate, and notes synced by a real Anki client. The share and the rule are what DSM's UI makes,
put in the simulated DSM's state as DSM lists them (POST /_sim/seed, simnas.dsm.seed; the rule's shape from
dsm-webapi.md §2.1), never made by the modules under test. Container, network and stack carry a unique
suffix (the Docker Engine is shared with other tests); everything else has the guide's values.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid

import docker
import pytest
import requests
from simnas import anki_client, supervisor
from simnas.connect_proxy import ConnectProxy
from simnas.runner import ROOT, play_recap, run_playbook
from simnas.server import free_port

pytestmark = pytest.mark.docker

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
from simnas import anki_client, supervisor
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

    def seed_dsm(self, payload):
        """What the user made by hand in DSM's UI, stored by the simulated DSM as DSM lists it (simnas.dsm.seed)."""
        port = self.env["SIMNAS_DSM_PORT"]
        answer = requests.post(f"https://127.0.0.1:{port}/_sim/seed", json=payload, verify=self.ca, timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()

    # --- what a user runs -------------------------------------------------------------------------
    def site(self, method, check=False, **overrides):
        # The backup is not what this suite is about, and skipping it keeps each site run short.
        env = dict(self.env, ANKINAS_DEPLOY_METHOD=method, ANSIBLE_SKIP_TAGS="hyper_backup")
        variables = dict(self.overrides, **overrides)
        return run_playbook(SITE, variables, env=env, check=check, diff=check, inventory=INVENTORY)

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


@pytest.fixture(scope="module")
def guide_nas(tmp_path_factory, docker_client, anki_server_images, ssh_nas_image):
    home = tmp_path_factory.mktemp("guide-nas")
    with supervisor.running(home / "simnas") as env:
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


def test_check_diff_on_the_guides_nas_lists_the_takeover_and_writes_nothing(guide_nas):
    containers = guide_nas.containers()
    dsm_before, portainer_before = guide_nas.dsm_writes(), guide_nas.portainer_writes()

    process = guide_nas.site("docker", check=True)
    assert process.returncode == 0, process.stdout[-4000:]
    output = said(process)
    assert f"taking over the container '{guide_nas.name}' (the Portainer stack '{guide_nas.stack}')" in output
    holds = f"holds the container name {guide_nas.name} and the host port {guide_nas.port} and the data directory"
    assert f"{holds} /volume1/docker/anki-server" in output
    assert "the passwords of alice, bob are stored in plain text" in output
    assert not [password for password in USERS.values() if password in process.stdout + process.stderr]
    assert (guide_nas.dsm_writes(), guide_nas.portainer_writes()) == (dsm_before, portainer_before)
    assert guide_nas.containers() == containers
    assert guide_nas.stacks() == [guide_nas.stack]


def sync_users(container):
    """{SYNC_USERn: "name:password or hash"} of a sync server container's environment."""
    env = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])
    return {key: value for key, value in env.items() if key.startswith("SYNC_USER")}


def is_hash_of(phc, password):
    """True when phc is a PBKDF2-SHA256 PHC string ($pbkdf2-sha256$i=N,l=L$salt$hash) of password."""
    _empty, scheme, params, salt, digest = phc.split("$")
    settings = dict(item.split("=") for item in params.split(","))

    def unb64(text):
        return base64.b64decode(text + "=" * (-len(text) % 4))

    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), unb64(salt), int(settings["i"]), int(settings["l"]))
    return scheme == "pbkdf2-sha256" and derived == unb64(digest)


@pytest.mark.parametrize("method", ["portainer", "container_manager", "docker"])
def test_each_method_takes_over_in_turn_keeping_notes_and_passwords(guide_nas, method):
    before = sync_users(guide_nas.docker.containers.get(guide_nas.name))
    process = guide_nas.site(method)
    assert process.returncode == 0, process.stdout[-4000:]

    containers = guide_nas.containers()
    assert list(containers.values()) == [guide_nas.name], containers
    container = guide_nas.docker.containers.get(guide_nas.name)
    env = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])
    assert env["PASSWORDS_HASHED"] == "1" and env["SYNC_USER1"].startswith("alice:$pbkdf2-sha256$")
    # The guide's plain-text passwords become hashes of those passwords; a switch from a hashed deployment keeps each
    # user's hash as it was (the server's session keys derive from it): no device logs in again.
    after = sync_users(container)
    assert sorted(after) == sorted(before)
    for key, value in before.items():
        name, secret = value.split(":", 1)
        if secret.startswith("$pbkdf2-sha256$"):
            assert after[key] == value, f"the {method} run re-hashed {name}'s password"
        else:
            assert after[key].split(":", 1)[0] == name and is_hash_of(after[key].split(":", 1)[1], secret), key
    assert guide_nas.stacks() == ([guide_nas.stack] if method == "portainer" else [])
    assert guide_nas.projects() == ([guide_nas.name] if method == "container_manager" else [])
    assert [rule["description"] for rule in guide_nas.rules()] == ["Anki Sync Server"]
    assert guide_nas.notes_through_the_proxy() == {user: "True" for user in USERS}, f"notes lost by the {method} run"

    writes = guide_nas.dsm_writes(), guide_nas.portainer_writes()
    rerun = guide_nas.site(method)
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert play_recap(rerun, "simnas")["changed"] == 0, rerun.stdout[-4000:]
    assert (guide_nas.dsm_writes(), guide_nas.portainer_writes()) == writes
    assert guide_nas.containers() == containers


def test_a_switch_whose_new_server_fails_its_login_check_puts_the_old_one_back(guide_nas):
    before = guide_nas.docker.containers.get(guide_nas.name)  # the docker method's, from the test before
    assert "com.docker.compose.project" not in before.labels

    # PGID 100 is a group the image already has: its entrypoint exits, so no user can log in.
    process = guide_nas.site("portainer", anki_sync_server_pgid=100, anki_sync_server_check_timeout=5)
    assert process.returncode != 0
    assert f"the previous deployment ({guide_nas.name}) was put back as it was" in said(process)

    assert guide_nas.stacks() == []
    after = guide_nas.docker.containers.get(guide_nas.name)
    assert after.id != before.id and after.status == "running"
    for key in ("Image", "Env", "Labels"):
        assert after.attrs["Config"][key] == before.attrs["Config"][key], key
    assert after.attrs["HostConfig"]["PortBindings"] == before.attrs["HostConfig"]["PortBindings"]
    assert after.attrs["HostConfig"]["Binds"] == before.attrs["HostConfig"]["Binds"]
    wait_ready(guide_nas)
    assert anki_client.download_notes("bob", USERS["bob"], guide_nas.endpoint) == sorted(
        anki_client.generate_notes(20, "bob")
    )


def test_a_foreign_container_on_the_port_fails_before_any_change(guide_nas, docker_client, tmp_path):
    port = free_port()
    foreign = docker_client.containers.run(
        "jeankhawand/anki-sync-server:25.07",
        name=f"foreign-{uuid.uuid4().hex[:8]}",
        detach=True,
        environment={"SYNC_USER1": "eve:eve"},
        ports={"8080/tcp": ("127.0.0.1", port)},
        volumes={str(tmp_path): {"bind": "/anki_data", "mode": "rw"}},
    )
    try:
        containers = guide_nas.containers()
        writes = guide_nas.dsm_writes(), guide_nas.portainer_writes()
        # A new sync server on the foreign container's port, with a data directory that does not exist yet.
        process = guide_nas.site(
            "docker",
            anki_sync_server_host_port=port,
            anki_sync_server_container_name=f"anki-new-{uuid.uuid4().hex[:8]}",
            data_folder_path="/volume1/docker/anki-new",
        )
        assert process.returncode != 0
        output = said(process)
        assert (
            f"the container '{foreign.name}' (jeankhawand/anki-sync-server:25.07, a container run with Docker) holds "
            f"the host port {port}, but keeps its data in {tmp_path}, not in anki_sync_server_data_dir "
            "(/volume1/docker/anki-new). Nothing was changed." in output
        ), output[-3000:]
        assert (guide_nas.dsm_writes(), guide_nas.portainer_writes()) == writes
        assert guide_nas.containers() == containers
        assert not os.path.exists(os.path.join(guide_nas.home, "volumes", "volume1", "docker", "anki-new"))
        foreign.reload()
        assert foreign.status == "running"
    finally:
        foreign.remove(force=True)
