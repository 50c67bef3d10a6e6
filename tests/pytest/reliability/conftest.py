"""One simulated NAS (python -m simnas.supervisor on free ports and a home of its own) with site.yml deployed
through the demo inventory and two users holding notes, shared by the reliability tests that need a running
server. Every test leaves it serving the same notes (most assert it), so the tests stay order-independent."""

import contextlib
import os
import subprocess
import sys

import docker
import pytest
from harness import anki_client
from harness.runner import ROOT
from reliability_nas import NOTES, USERS, DeployedNAS
from simnas.server import free_port


@pytest.fixture(scope="module")
def deployed_nas(tmp_path_factory, docker_client, anki_server_images, ssh_nas_image):
    home = tmp_path_factory.mktemp("reliability") / "simnas"
    ports = {
        "SIMNAS_DSM_PORT": free_port(),
        "SIMNAS_PORTAINER_PORT": free_port(),
        "SIMNAS_PROXY_PORT": free_port(),
        "SIMNAS_SSH_PORT": free_port(),
    }
    env = dict(os.environ, SIMNAS_HOME=str(home), ANKINAS_DEPLOY_METHOD="docker")
    env.update({key: str(value) for key, value in ports.items()})
    supervisor = [sys.executable, "-m", "simnas.supervisor"]
    subprocess.run([*supervisor, "start"], env=env, check=True, cwd=ROOT, capture_output=True)
    deployed = DeployedNAS(env, docker_client)
    try:
        first = deployed.site()
        assert first.returncode == 0, first.stdout[-4000:]
        deployed.first_run = first
        # What the first run's login check left, before any client synced: it opened every user's collection.
        deployed.collections_after_first_run = sorted(
            path.parent.name for path in deployed.data_dir.glob("*/collection.anki2")
        )
        for user in USERS:
            local = anki_client.make_collection(home.parent / user["name"], NOTES[user["name"]])
            assert anki_client.sync(local, user["name"], user["password"], deployed.endpoint) == "full upload"
        yield deployed
    finally:
        for container in docker_client.containers.list(all=True, filters={"name": deployed.name}):
            container.remove(force=True, v=True)
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.networks.get(deployed.name).remove()
        subprocess.run([*supervisor, "stop"], env=env, check=False, cwd=ROOT, capture_output=True)
