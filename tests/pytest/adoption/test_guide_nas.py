"""A NAS set up by hand with the setup guide (harness.guide), taken over by site.yml, then moved from one deploy method
to another."""

import base64
import hashlib
import os
import uuid

import pytest
from harness import anki_client
from harness.containers import run_container
from harness.guide import USERS, running_guide_nas, said, wait_ready
from harness.runner import play_recap
from simnas.server import free_port

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def guide_nas(tmp_path_factory, docker_client, anki_server_images, ssh_nas_image):
    with running_guide_nas(tmp_path_factory.mktemp("guide-nas"), docker_client) as nas:
        yield nas


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
    assert f"the previous deployment ({guide_nas.name}, a container run with Docker) was put back as it was" in (
        said(process)
    )

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
    foreign = run_container(
        docker_client,
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
            f"the host port {port}, but keeps its data in {tmp_path}, not in data_folder_path "
            "(/volume1/docker/anki-new). Nothing was changed." in output
        ), output[-3000:]
        assert (guide_nas.dsm_writes(), guide_nas.portainer_writes()) == writes
        assert guide_nas.containers() == containers
        assert not os.path.exists(os.path.join(guide_nas.home, "volumes", "volume1", "docker", "anki-new"))
        foreign.reload()
        assert foreign.status == "running"
    finally:
        foreign.remove(force=True)
