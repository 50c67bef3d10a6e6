"""dsm_container_project_info against the simulated Container Manager: a project read as DSM lists it (status, its
containers, its compose with the named secrets masked), a missing one reported absent, nothing ever written."""

import uuid

import pytest
from harness.runner import run_module
from modules_helpers import compose as shared_compose
from simnas.server import free_port

pytestmark = pytest.mark.docker
SECRET = "alice:not-a-real-hash-" + uuid.uuid4().hex[:6]


def compose(name, port):
    return shared_compose(name, port, SECRET, extra_env='      SYNC_HOST: "0.0.0.0"\n')


@pytest.fixture
def project(dsm, docker_client, anki_server_images):
    """A running project of its own (deployed through the write module, which is not under test here)."""
    name = f"ankinas-info-{uuid.uuid4().hex[:8]}"
    assert not run_module("dsm_shared_folder", dsm.connection(name="docker")).failed
    content = compose(name, free_port())
    made = run_module("dsm_container_project", dsm.connection(name=name, share_path=f"/docker/{name}", content=content))
    assert not made.failed, made.get("msg")
    dsm.reset_counters()
    yield name, content
    for container in docker_client.containers.list(all=True, filters={"label": f"com.docker.compose.project={name}"}):
        container.remove(force=True, v=True)
    for network in docker_client.networks.list(names=[f"{name}_default"]):
        network.remove()


def info(dsm, **args):
    return run_module("dsm_container_project_info", dsm.connection(**args))


def test_reads_the_project_with_the_named_secrets_masked(dsm, project, docker_client):
    name, content = project
    result = info(dsm, name=name, secret_env=["SYNC_USER1"])
    assert not result.failed, result.get("msg")
    assert result["changed"] is False and result["exists"] is True
    found = result["project"]
    assert (found["name"], found["share_path"], found["status"]) == (name, f"/docker/{name}", "RUNNING")
    assert found["containers"] == [docker_client.containers.get(name).id]
    assert "SYNC_USER1: ********" in found["content"] and 'SYNC_HOST: "0.0.0.0"' in found["content"]
    assert SECRET not in result.stdout + result.stderr

    # Without secret_env the content comes as DSM stores it (for a no_log task that reuses the values).
    assert info(dsm, name=name)["project"]["content"] == content

    stopped = run_module(
        "dsm_container_project",
        dsm.connection(name=name, share_path=f"/docker/{name}", content=content, state="stopped"),
    )
    assert not stopped.failed, stopped.get("msg")
    dsm.reset_counters()
    assert info(dsm, name=name, secret_env=["SYNC_USER1"])["project"]["status"] == "STOPPED"
    assert dsm.counters()["writes"] == {}


def test_a_missing_project_is_reported_absent_without_a_write(dsm):
    result = info(dsm, name="no-such-project")
    assert not result.failed, result.get("msg")
    assert (result["changed"], result["exists"], result["project"]) == (False, False, {})
    assert dsm.counters()["writes"] == {}
    assert dsm.counters()["logins_succeeded"] == 1 and dsm.counters()["logouts"] == 1
