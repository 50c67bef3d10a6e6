"""What the site playbook must have built on the simulated NAS, read back through other paths than the roles:
the Docker Engine, the file system, the simulators' own state, and real Anki clients."""

import os
import tempfile

import docker
import pytest
import requests
from simnas import anki_client

NAME = os.environ["MOLECULE_ANKI_NAME"]
PORT = int(os.environ["MOLECULE_ANKI_PORT"])
DATA_DIR = os.path.join(os.environ["SIMNAS_HOME"], "volumes", "volume1", "docker", "anki-server")
CA = os.path.join(os.environ["SIMNAS_HOME"], "ca", "ca.crt")
USERS = {"alice": "alice-demo-password", "bob": "bob-demo-password"}  # inventories/demo


@pytest.fixture(scope="module")
def container():
    client = docker.from_env()
    yield client.containers.get(NAME)
    client.close()


def test_container_runs_the_pinned_image_with_the_guide_settings(container):
    assert container.status == "running"
    assert container.attrs["Config"]["Image"] == "jeankhawand/anki-sync-server:25.07"
    assert container.attrs["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostPort"] == str(PORT)
    assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    mounts = {mount["Destination"]: mount["Source"] for mount in container.attrs["Mounts"]}
    assert mounts["/anki_data"] == DATA_DIR
    env_keys = {item.split("=", 1)[0] for item in container.attrs["Config"]["Env"]}
    assert {"SYNC_USER1", "SYNC_USER2", "PASSWORDS_HASHED", "MAX_SYNC_PAYLOAD_MEGS", "PUID", "PGID"} <= env_keys
    assert "SYNC_PORT" not in env_keys


def test_container_environment_holds_hashes_not_passwords(container):
    env = "\n".join(container.attrs["Config"]["Env"])
    for password in USERS.values():
        assert password not in env
    assert env.count("$pbkdf2-sha256$") == len(USERS)


def test_data_directory_belongs_to_the_container_user(host):
    data = host.file(DATA_DIR)
    assert data.is_directory
    assert (data.uid, data.gid) == (1000, 1000)
    assert data.mode == 0o750


def test_every_user_syncs_and_sees_only_their_notes():
    endpoint = f"http://127.0.0.1:{PORT}/"
    for user, password in USERS.items():
        with tempfile.TemporaryDirectory() as directory:
            notes = anki_client.generate_notes(2, f"molecule {user}")
            collection = anki_client.make_collection(directory, notes)
            anki_client.sync(collection, user, password, endpoint)
        assert anki_client.download_notes(user, password, endpoint) == sorted(notes)


@pytest.mark.skipif(os.environ.get("ANKINAS_DEPLOY_METHOD") != "portainer", reason="the portainer scenario's stack")
def test_portainer_manages_the_stack_with_the_users_in_its_environment(container):
    url = f"https://127.0.0.1:{os.environ['SIMNAS_PORTAINER_PORT']}/_sim/state"
    stacks = requests.get(url, verify=CA, timeout=30).json()["stacks"]
    stack = next(stack for stack in stacks if stack["Name"] == NAME)
    assert sorted(pair["name"] for pair in stack["Env"]) == ["SYNC_USER1", "SYNC_USER2"]
    assert container.labels["com.docker.compose.project"] == NAME
