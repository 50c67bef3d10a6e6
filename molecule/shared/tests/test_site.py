"""What the site playbook must have built on the simulated NAS, read back through other paths than the roles:
the Docker Engine, the file system, the simulators' own state, and real Anki clients."""

import os
import tempfile

import docker
import pytest
import requests
from simnas import anki_client
from simnas.connect_proxy import ConnectProxy

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


def dsm_state():
    url = f"https://127.0.0.1:{os.environ['SIMNAS_DSM_PORT']}/_sim/state"
    return requests.get(url, verify=CA, timeout=30).json()["state"]


def test_reverse_proxy_rule_follows_the_guide():
    stored = dsm_state()["reverse_proxy"].values()
    rules = [item["entry"] for item in stored if item["entry"]["description"] == "Anki Sync Server"]
    assert len(rules) == 1
    rule = rules[0]
    assert (rule["frontend"]["fqdn"], rule["frontend"]["port"], rule["frontend"]["protocol"]) == (
        "anki.nas.test",
        443,
        1,
    )
    assert rule["frontend"]["https"]["hsts"] is True
    assert (rule["backend"]["fqdn"], rule["backend"]["port"], rule["backend"]["protocol"]) == ("localhost", PORT, 0)
    headers = {(header["name"], header["value"]) for header in rule["customize_headers"]}
    assert {("Upgrade", "$http_upgrade"), ("Connection", "$connection_upgrade")} <= headers


@pytest.fixture
def through_the_proxy(monkeypatch):
    """The Anki client reaches anki.nas.test through the HTTPS reverse proxy, TLS verified by the test CA."""
    with ConnectProxy() as tunnel:
        monkeypatch.setenv("HTTPS_PROXY", tunnel.url)
        monkeypatch.setenv("SSL_CERT_FILE", CA)
        yield f"https://anki.nas.test:{os.environ['SIMNAS_PROXY_PORT']}/"
        assert tunnel.tunnels, "the client did not go through the proxy"


def test_every_user_syncs_through_the_https_proxy_and_sees_only_their_notes(through_the_proxy):
    endpoint = through_the_proxy
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


def test_backup_task_runs_nightly_at_three_keeping_thirty_versions():
    tasks = [task for task in dsm_state()["hyper_backup"]["tasks"].values() if task["name"] == "anki"]
    assert len(tasks) == 1
    task = tasks[0]
    assert task["source"] == ["/docker/anki-server"]
    assert task["repo"]["share"] == "backups"
    schedule = task["schedule"]
    assert schedule["schedule_enable"] is True
    assert (schedule["schedule"]["hour"], schedule["schedule"]["min"]) == (3, 0)
    assert schedule["schedule"]["week_name"] == "0,1,2,3,4,5,6"
    assert task["rotate_params"]["rotate_condition"][1] == 30
