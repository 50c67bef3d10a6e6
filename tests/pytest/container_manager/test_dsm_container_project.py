"""dsm_container_project against the simulated Container Manager, deploying for real on the Docker Engine."""

import uuid

import pytest
from simnas.runner import run_module
from simnas.server import free_port

pytestmark = pytest.mark.docker
SECRET = "alice:not-a-real-hash-" + uuid.uuid4().hex[:6]


def compose(name, port, secret=SECRET, image="jeankhawand/anki-sync-server:25.07"):
    return f"""services:
  {name}:
    image: {image}
    container_name: {name}
    stop_signal: SIGINT
    ports:
      - "127.0.0.1:{port}:8080"
    volumes:
      - /volume1/docker/{name}-data:/anki_data
    environment:
      SYNC_USER1: "{secret}"
"""


@pytest.fixture
def project(dsm, docker_client, anki_server_images):
    name = f"ankinas-test-{uuid.uuid4().hex[:8]}"
    assert not run_module("dsm_shared_folder", dsm.connection(name="docker")).failed
    dsm.reset_counters()
    yield name
    for container in docker_client.containers.list(all=True, filters={"label": f"com.docker.compose.project={name}"}):
        container.remove(force=True, v=True)
    for network in docker_client.networks.list(names=[f"{name}_default"]):
        network.remove()


def converge(dsm, name, check=False, **args):
    args = dict({"name": name, "share_path": f"/docker/{name}", "secret_env": ["SYNC_USER1"]}, **args)
    return run_module("dsm_container_project", dsm.connection(**args), check=check, diff=True)


def test_project_lifecycle(dsm, project, docker_client):
    name, port = project, free_port()
    content = compose(name, port)
    checked = converge(dsm, name, check=True, content=content)
    assert checked["changed"] and checked["operation"] == "create" and dsm.counters()["writes"] == {}

    created = converge(dsm, name, content=content)
    assert not created.failed, created.get("msg")
    assert created["project"]["status"] == "RUNNING" and len(created["project"]["containers"]) == 1
    assert SECRET not in created.stdout + created.stderr
    assert "SYNC_USER1: ********" in created["diff"]["after"]["content"]
    container = docker_client.containers.get(name)
    assert container.status == "running"
    mounts = {mount["Destination"]: mount["Source"] for mount in container.attrs["Mounts"]}
    assert mounts["/anki_data"] == str(dsm.home / "volumes" / "volume1" / "docker" / f"{name}-data")
    assert (dsm.home / "volumes" / "volume1" / "docker" / name / "compose.yaml").read_text() == content

    dsm.reset_counters()
    again = converge(dsm, name, content=content)
    assert again["changed"] is False and dsm.counters()["writes"] == {}

    changed = compose(name, port, secret="alice:another")
    updated = converge(dsm, name, content=changed)
    assert updated["operation"] == "update" and updated["changed_keys"] == ["content"]
    assert "SYNC_USER1=alice:another" in docker_client.containers.get(name).attrs["Config"]["Env"]

    # An older Container Manager without the direct actions: the *_stream variants answer plain text.
    dsm.sim.project_direct_actions = False
    stopped = converge(dsm, name, content=changed, state="stopped")
    assert not stopped.failed, stopped.get("msg")
    assert stopped["project"]["status"] == "STOPPED"
    assert "SYNO.Docker.Project.stop_stream" in dsm.counters()["writes"]

    deleted = converge(dsm, name, state="absent")
    assert deleted["changed"] and deleted["project"] == {}
    assert docker_client.containers.list(all=True, filters={"name": name}) == []
    assert (dsm.home / "volumes" / "volume1" / "docker" / name / "compose.yaml").exists()  # the folder is kept


def test_failed_build_names_the_code(dsm, project):
    result = converge(dsm, project, content=compose(project, free_port(), image="ankinas/no-such-image:0"))
    assert result.failed
    assert "SYNO.Docker.Project build failed: DSM error 2202 (The project failed to build" in result["msg"]


def test_a_project_with_an_exited_container_is_warning_not_running(dsm, project):
    # compose starts the one-shot container first; it has exited by the time the server has started.
    waits = f"    depends_on:\n      - {project}-once\n"
    content = (compose(project, free_port()) + waits) + (
        f'  {project}-once:\n    image: jeankhawand/anki-sync-server:25.07\n    entrypoint: ["true"]\n'
    )
    result = converge(dsm, project, content=content, wait_timeout=2)
    assert result.failed
    assert f"project {project} is WARNING, not RUNNING, after 2s (wait_timeout)" in result["msg"]
