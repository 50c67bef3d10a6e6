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

import pytest

ROOT = Path(__file__).resolve().parents[3]
MODULE_PACKAGE = "ansible_collections.ankinas.synology.plugins.modules"


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
