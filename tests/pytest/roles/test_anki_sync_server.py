"""Role anki_sync_server on the real Docker Engine with the locally built image, by every deploy method.

For each method (docker on the simulated NAS's SSH host, whose python3 is DSM's 3.8 without any package, driving
its Docker CLI as root; portainer through the simulated Portainer; container_manager through the simulated DSM's
Container Manager) one test converges one deployment through a sequence of changes: deploy, rerun, password change
and new user, upgrade. Each step asserts what a user of the role would see (real Anki syncs, the container); the
sequence lives in one test, so no test depends on another having run before it.
"""

import json
import pathlib
import uuid

import pytest
from harness import anki_client
from harness.expected import DEFAULT_CONTAINER_ENV, container_env
from harness.runner import play_recap, run_module, run_playbook
from simnas.server import free_port

PLAYBOOK = pathlib.Path(__file__).parent / "playbooks" / "anki_sync_server.yml"
pytestmark = pytest.mark.docker


class Deployment:
    """The role's variables for one test deployment, and how to converge it."""

    def __init__(self, root, method="docker", portainer=None, dsm=None, nas=None):
        suffix = uuid.uuid4().hex[:8]
        self.method = method
        self.name = f"ankinas-test-{suffix}"
        self.port = free_port()
        self.volume_root = root
        (root / "volume1" / "docker" / "anki-server").mkdir(parents=True)
        self.users = [{"name": "alice", "password": "alice-secret-1"}, {"name": "bob", "password": "bob-secret-1"}]
        self.overrides = {"anki_sync_server_deploy_method": method}
        if portainer:
            self.overrides.update(
                portainer_url=portainer.url,
                portainer_api_key=portainer.api_key,
                portainer_ca_path=portainer.ca_path,
                anki_sync_server_portainer_stack_name=self.name,
            )
        if dsm:
            # The NAS's own paths: the simulated DSM maps /volumeN to its volumes folder.
            self.overrides.update(
                dsm_url=dsm.url, dsm_username="admin", dsm_password=dsm.password, dsm_ca_path=dsm.ca_path
            )
        self.dsm = dsm
        self.endpoint = f"http://127.0.0.1:{self.port}/"
        # The docker method runs on the NAS (over SSH, become); the others from the controller.
        self.inventory, self.host = "localhost,", "localhost"
        if nas:
            self.inventory, self.host = str(root.parent / "hosts.yml"), "nas"
            variables = {**nas.connection(), "ansible_become_password": nas.password}
            pathlib.Path(self.inventory).write_text(json.dumps({"all": {"hosts": {"nas": variables}}}))

    def variables(self, **overrides):
        variables = {
            "anki_sync_server_users": self.users,
            "anki_sync_server_container_name": self.name,
            "anki_sync_server_network": self.name,
            "anki_sync_server_host_port": self.port,
            "anki_sync_server_check_host": "127.0.0.1",
            # Where this machine's Docker Engine sees the NAS's /volumeN (the simulated DSM maps /volumeN itself for
            # its projects; the role maps the Engine's paths back when it reads what runs).
            "anki_sync_server_volume_root": str(self.volume_root),
        }
        variables.update(self.overrides)
        variables.update(overrides)
        return variables

    def converge(self, verbosity=0, **overrides):
        return run_playbook(PLAYBOOK, self.variables(**overrides), verbosity=verbosity, inventory=self.inventory)


@pytest.fixture(scope="module")
def container_manager(module_dsm):
    """The simulated DSM with Container Manager and the shared folder docker."""
    assert not run_module("dsm_shared_folder", module_dsm.connection(name="docker")).failed
    return module_dsm


@pytest.fixture(params=["docker", "portainer", "container_manager"])
def deployment(request, tmp_path_factory, docker_client, anki_server_images):
    portainer = request.getfixturevalue("portainer_sim") if request.param == "portainer" else None
    dsm = request.getfixturevalue("container_manager") if request.param == "container_manager" else None
    nas = None
    if request.param == "docker":
        home = tmp_path_factory.mktemp("nas")
        nas = request.getfixturevalue("make_ssh_nas")(home, "admin", "pw-" + uuid.uuid4().hex[:12])
        root = home / "volumes"
    else:
        root = dsm.home / "volumes" if dsm else tmp_path_factory.mktemp("nas")
    deployment = Deployment(root, request.param, portainer, dsm, nas)
    yield deployment
    if portainer and (stack := portainer.stack_named(deployment.name)):
        portainer.api("DELETE", f"/api/stacks/{stack['Id']}", params={"endpointId": stack["EndpointId"]})
    for container in docker_client.containers.list(all=True, filters={"name": deployment.name}):
        container.remove(force=True, v=True)
    for network in docker_client.networks.list(names=[deployment.name]):
        network.remove()


def container_of(docker_client, deployment):
    return docker_client.containers.get(deployment.name)


def step_deploy_serves_every_user_and_keeps_them_apart(deployment, docker_client, tmp_path):
    process = deployment.converge(verbosity=3)
    assert process.returncode == 0, process.stdout[-3000:]
    # The secrets never show, even at -vvv.
    for secret in [user["password"] for user in deployment.users] + [deployment.overrides.get("portainer_api_key")]:
        assert secret is None or secret not in process.stdout + process.stderr

    container = container_of(docker_client, deployment)
    assert container.attrs["Config"]["Image"] == "jeankhawand/anki-sync-server:25.07"
    assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert container.attrs["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostPort"] == str(deployment.port)
    assert deployment.name in container.attrs["NetworkSettings"]["Networks"]
    env = container_env(container)
    assert {key: env.get(key) for key in DEFAULT_CONTAINER_ENV} == DEFAULT_CONTAINER_ENV
    assert "SYNC_PORT" not in env
    assert env["SYNC_USER1"].startswith("alice:$pbkdf2-sha256$")
    assert env["SYNC_USER2"].startswith("bob:$pbkdf2-sha256$")

    collection = anki_client.make_collection(tmp_path / "alice", anki_client.generate_notes(3, "alice"))
    assert anki_client.sync(collection, "alice", "alice-secret-1", deployment.endpoint) == "full upload"
    bob = anki_client.make_collection(tmp_path / "bob", anki_client.generate_notes(2, "bob"))
    assert anki_client.sync(bob, "bob", "bob-secret-1", deployment.endpoint) == "full upload"

    assert anki_client.download_notes("alice", "alice-secret-1", deployment.endpoint) == sorted(
        anki_client.generate_notes(3, "alice")
    )
    assert anki_client.download_notes("bob", "bob-secret-1", deployment.endpoint) == sorted(
        anki_client.generate_notes(2, "bob")
    )


def step_rerun_changes_nothing_and_keeps_the_container(deployment, docker_client):
    before = container_of(docker_client, deployment).id
    if deployment.dsm:
        deployment.dsm.reset_counters()
    process = deployment.converge()
    assert process.returncode == 0, process.stdout[-3000:]
    assert play_recap(process, deployment.host)["changed"] == 0
    assert container_of(docker_client, deployment).id == before
    if deployment.dsm:
        assert deployment.dsm.counters()["writes"] == {}


def step_password_change_and_new_user(deployment):
    deployment.users = [
        {"name": "alice", "password": "alice-secret-2"},
        {"name": "bob", "password": "bob-secret-1"},
        {"name": "carol", "password": "carol-secret-1"},
    ]
    process = deployment.converge()
    assert process.returncode == 0, process.stdout[-3000:]
    assert play_recap(process, deployment.host)["changed"] >= 1

    assert anki_client.host_key_login(deployment.endpoint, "alice", "alice-secret-2")
    assert not anki_client.host_key_login(deployment.endpoint, "alice", "alice-secret-1")
    assert anki_client.host_key_login(deployment.endpoint, "bob", "bob-secret-1")
    assert anki_client.host_key_login(deployment.endpoint, "carol", "carol-secret-1")
    # alice's data survived the recreation of the container
    assert anki_client.download_notes("alice", "alice-secret-2", deployment.endpoint) == sorted(
        anki_client.generate_notes(3, "alice")
    )


def step_upgrade_to_another_tag_keeps_the_notes(deployment, docker_client):
    process = deployment.converge(anki_sync_server_image_tag="25.09")
    assert process.returncode == 0, process.stdout[-3000:]
    assert container_of(docker_client, deployment).attrs["Config"]["Image"] == "jeankhawand/anki-sync-server:25.09"
    assert anki_client.download_notes("alice", "alice-secret-2", deployment.endpoint) == sorted(
        anki_client.generate_notes(3, "alice")
    )
    deployment.overrides["anki_sync_server_image_tag"] = "25.09"


def step_no_plaintext_password_on_disk_or_in_the_container(deployment, docker_client):
    container = container_of(docker_client, deployment)
    inspected = json.dumps(container.attrs)
    files = [path for path in deployment.volume_root.rglob("*") if path.is_file()]
    assert files, "the server wrote no data"
    for user in deployment.users:
        secret = user["password"].encode()
        assert user["password"] not in inspected
        assert [path for path in files if secret in path.read_bytes()] == []


def test_deploy_rerun_change_passwords_and_upgrade(deployment, docker_client, tmp_path):
    step_deploy_serves_every_user_and_keeps_them_apart(deployment, docker_client, tmp_path)
    step_rerun_changes_nothing_and_keeps_the_container(deployment, docker_client)
    step_password_change_and_new_user(deployment)
    step_upgrade_to_another_tag_keeps_the_notes(deployment, docker_client)
    step_no_plaintext_password_on_disk_or_in_the_container(deployment, docker_client)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"anki_sync_server_users": [{"name": "a", "password": "x"}, {"name": "a", "password": "y"}]}, "listed twice"),
        ({"anki_sync_server_users": [{"name": "a:b", "password": "x"}]}, "anki_sync_server_users[0].name"),
        ({"anki_sync_server_users": [{"name": "a", "password": ""}]}, "anki_sync_server_users[0].password"),
        ({"anki_sync_server_image_tag": "latest"}, "anki_sync_server_image_tag"),
        ({"anki_sync_server_host_port": 70000}, "anki_sync_server_host_port"),
        ({"data_folder_path": "/srv/anki"}, "data_folder_path"),
        # a variable of an earlier release names the one that replaced it
        ({"anki_sync_server_data_dir": "/volume1/docker/anki-server"}, "set data_folder_path instead"),
    ],
)
def test_bad_input_fails_before_any_change(tmp_path, docker_client, overrides, message):
    deployment = Deployment(tmp_path)
    process = deployment.converge(**overrides)
    assert process.returncode != 0
    assert message in process.stdout
    assert docker_client.containers.list(all=True, filters={"name": deployment.name}) == []
    assert docker_client.networks.list(names=[deployment.name]) == []


def test_bad_input_fails_before_any_dsm_call(container_manager, tmp_path):
    deployment = Deployment(tmp_path, "container_manager", dsm=container_manager)
    container_manager.reset_counters()
    process = deployment.converge(anki_sync_server_image_tag="latest")
    assert process.returncode != 0 and "anki_sync_server_image_tag" in process.stdout
    process = deployment.converge(anki_sync_server_deploy_method="compose")
    assert process.returncode != 0 and "anki_sync_server_deploy_method" in process.stdout
    assert container_manager.counters()["logins_attempted"] == 0
