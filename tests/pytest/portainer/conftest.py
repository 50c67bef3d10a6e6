"""Fixtures of the Portainer suite: the simulated Portainer over HTTPS, a module runner, Docker.

The simulator deploys stacks for real on the local Docker Engine; every test uses its own stack
name and removes what it created.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import docker
import pytest
import requests
from simnas.ca import TestCA
from simnas.portainer import SimConfig, create_app
from simnas.server import RunningServer

ROOT = Path(__file__).resolve().parents[3]
MODULE_PACKAGE = "ansible_collections.ankinas.synology.plugins.modules"
IMAGE = "ankinas/debian:bookworm"
API_KEY = "ptr_" + uuid.uuid4().hex
ADMIN_PASSWORD = "simulated-admin-" + uuid.uuid4().hex[:8]


class PortainerSim:
    """The running simulator and its /_sim control API."""

    def __init__(self, server, ca_path, simulator):
        self.url = server.url
        self.ca_path = str(ca_path)
        self.api_key = API_KEY
        self.admin_password = ADMIN_PASSWORD
        self.simulator = simulator
        self.http = requests.Session()

    def control(self, method, path, body=None):
        response = self.http.request(method, self.url + "/_sim/" + path, json=body, verify=self.ca_path, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def counters(self):
        return self.control("GET", "counters")

    def reset(self):
        self.control("POST", "reset")

    def configure(self, **settings):
        return self.control("POST", "config", settings)

    def fault(self, method, path, status, times=1):
        self.control("POST", "faults", {"method": method, "path": path, "status": status, "times": times})

    def stacks(self):
        return self.control("GET", "state")["stacks"]

    def stack_named(self, name):
        return next((s for s in self.stacks() if s["Name"] == name), None)

    def api(self, method, path, **kwargs):
        """A call to the simulated Portainer API with the admin's API key (independent of the module)."""
        headers = {"X-API-Key": self.api_key}
        # verify= per call: a session's verify loses to REQUESTS_CA_BUNDLE from the environment.
        return self.http.request(method, self.url + path, headers=headers, verify=self.ca_path, timeout=120, **kwargs)


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env()
    client.images.get(IMAGE)  # built by scripts/setup.sh (scripts/build-images.sh)
    return client


@pytest.fixture(scope="session")
def portainer(tmp_path_factory, docker_client):
    home = tmp_path_factory.mktemp("portainer")
    ca = TestCA(home / "ca")
    certfile, keyfile = ca.leaf("portainer", "localhost", "127.0.0.1")
    config = SimConfig(
        state_path=str(home / "state.json"),
        data_dir=str(home / "data"),
        admin_password=ADMIN_PASSWORD,
        api_key=API_KEY,
        docker_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"),
    )
    app = create_app(config)
    server = RunningServer(app, certfile=certfile, keyfile=keyfile).start()
    sim = PortainerSim(server, ca.cert_path, app.config["SIM"])
    yield sim
    for stack in sim.stacks():
        sim.api("DELETE", f"/api/stacks/{stack['Id']}", params={"endpointId": stack["EndpointId"]})
    server.stop()


@pytest.fixture
def sim(portainer):
    """The simulator with fresh counters, no faults and its default personality."""
    portainer.configure(version="2.21.4", missing_route_status=404, auth_limit=10, auth_window=1.0)
    portainer.reset()
    return portainer


@pytest.fixture
def stack_name(sim, docker_client):
    """A unique stack name; its stack and any container of its compose project are removed afterwards."""
    name = "pttest" + uuid.uuid4().hex[:8]
    yield name
    stack = sim.stack_named(name)
    if stack:
        sim.api("DELETE", f"/api/stacks/{stack['Id']}", params={"endpointId": stack["EndpointId"]})
    for container in docker_client.containers.list(all=True, filters={"label": f"com.docker.compose.project={name}"}):
        container.remove(force=True)


@pytest.fixture
def connection(sim):
    """Module options that reach the simulator with the admin's API key."""
    return {"portainer_url": sim.url, "portainer_api_key": sim.api_key, "portainer_ca_path": sim.ca_path}


class ModuleResult(dict):
    """A module's parsed JSON result; .stdout is what it printed (to look for leaked secrets)."""

    def __init__(self, result, stdout):
        super().__init__(result)
        self.stdout = stdout


@pytest.fixture
def run_module(tmp_path):
    """Run a module as Ansible does (python -m ... args.json); returns a ModuleResult."""

    def run(name, args, check=False, diff=False, environ=None):
        module_args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
        args_file = tmp_path / f"args-{uuid.uuid4().hex}.json"
        args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}))
        env = dict(os.environ, **(environ or {}))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / ".collections"), env.get("PYTHONPATH")]))
        done = subprocess.run(
            [sys.executable, "-m", f"{MODULE_PACKAGE}.{name}", str(args_file)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        args_file.unlink()
        try:
            result = json.loads(done.stdout[done.stdout.index("{") :])
        except ValueError:
            pytest.fail(f"{name} printed no JSON (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
        return ModuleResult(result, done.stdout)

    return run
