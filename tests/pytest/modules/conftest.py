"""Fixtures of the module tests (one file per module, test_<module>.py) beyond those of tests/pytest/conftest.py.

portainer_stack and portainer_stack_info: the simulated Portainer over HTTPS, a module runner, Docker. The simulator
deploys stacks for real on the local Docker Engine; every test uses its own stack name and removes what it created.
dsm_hyper_backup: a simulated DSM with the shared folders a backup needs.
"""

import uuid

import pytest
from harness import runner
from hyper_backup_helpers import share


# --- portainer_stack, portainer_stack_info -----------------------------------------------------------------------
@pytest.fixture
def portainer_sim(portainer_sim):
    """The session's simulated Portainer (tests/pytest/conftest.py), here with fresh counters, no faults and its
    default personality."""
    portainer_sim.configure(version="2.21.4", missing_route_status=404, auth_limit=10, auth_window=1.0)
    portainer_sim.reset()
    return portainer_sim


@pytest.fixture
def stack_name(portainer_sim, docker_client):
    """A unique stack name; its stack and any container of its compose project are removed afterwards."""
    name = "pttest" + uuid.uuid4().hex[:8]
    yield name
    stack = portainer_sim.stack_named(name)
    if stack:
        portainer_sim.api("DELETE", f"/api/stacks/{stack['Id']}", params={"endpointId": stack["EndpointId"]})
    for container in docker_client.containers.list(all=True, filters={"label": f"com.docker.compose.project={name}"}):
        container.remove(force=True)


@pytest.fixture
def connection(portainer_sim):
    """Module options that reach the simulator with the admin's API key."""
    return {
        "portainer_url": portainer_sim.url,
        "portainer_api_key": portainer_sim.api_key,
        "portainer_ca_path": portainer_sim.ca_path,
    }


@pytest.fixture
def run_module():
    """harness.runner.run_module with environ as extra environment; a module that printed no JSON fails the test."""

    def run(name, args, check=False, diff=False, environ=None):
        result = runner.run_module(name, args, check=check, diff=diff, env=environ, timeout=300)
        if result.get("msg") == runner.NO_JSON:
            pytest.fail(f"{name} printed no JSON (rc {result.rc}):\n{result.stdout}\n{result.stderr}")
        return result

    return run


# --- dsm_hyper_backup ---------------------------------------------------------------------------------------
@pytest.fixture
def dsm_with_shares(dsm):
    """The simulated DSM with the shares docker (holding anki-server/ with a file) and backups."""
    data = share(dsm, "docker") / "anki-server"
    (data / "alice").mkdir(parents=True)
    (data / "alice" / "collection.anki2").write_bytes(b"collection of alice")
    share(dsm, "backups")
    dsm.reset_counters()
    return dsm
