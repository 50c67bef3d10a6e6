"""Issue 29 case 13: the setup guide's NAS (harness.guide: a Portainer stack with plain-text passwords) under the
default method (auto, which picks Container Manager) with no SSH host: detection reads the NAS's containers through
the DSM Web API (SYNO.Docker.Container), takes the guide's stack over as it does over SSH, and keeps every note."""

import json

import pytest
from harness.guide import USERS, running_guide_nas, said
from harness.runner import play_recap

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def guide_nas(tmp_path_factory, docker_client, anki_server_images, ssh_nas_image):
    with running_guide_nas(tmp_path_factory.mktemp("guide-nas-no-ssh"), docker_client) as nas:
        yield nas


@pytest.fixture
def no_ssh(tmp_path):
    """An inventory source over the demo one: the NAS's SSH port refuses, so only DSM (and Portainer) can be reached."""
    path = tmp_path / "no-ssh.yml"
    path.write_text(json.dumps({"all": {"children": {"synology": {"hosts": {"simnas": {"ansible_port": 9}}}}}}))
    return path


def test_the_guides_nas_is_taken_over_without_ssh_keeping_every_note(guide_nas, no_ssh):
    containers, writes = guide_nas.containers(), (guide_nas.dsm_writes(), guide_nas.portainer_writes())
    check = guide_nas.site("auto", check=True, inventory=[no_ssh])
    assert check.returncode == 0, check.stdout[-4000:]
    output = said(check)
    assert f"taking over the container '{guide_nas.name}' (the Portainer stack '{guide_nas.stack}')" in output, output
    assert "the passwords of alice, bob are stored in plain text" in output
    assert (guide_nas.dsm_writes(), guide_nas.portainer_writes()) == writes
    assert guide_nas.containers() == containers

    process = guide_nas.site("auto", inventory=[no_ssh])
    assert process.returncode == 0, process.stdout[-4000:]
    assert not [password for password in USERS.values() if password in process.stdout + process.stderr]
    assert guide_nas.stacks() == []
    assert guide_nas.projects() == [guide_nas.name]
    assert list(guide_nas.containers().values()) == [guide_nas.name]
    container = guide_nas.docker.containers.get(guide_nas.name)
    assert container.labels["com.docker.compose.project"] == guide_nas.name
    env = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])
    assert env["PASSWORDS_HASHED"] == "1" and env["SYNC_USER1"].startswith("alice:$pbkdf2-sha256$")
    assert guide_nas.notes_through_the_proxy() == {user: "True" for user in USERS}

    writes = guide_nas.dsm_writes(), guide_nas.portainer_writes()
    rerun = guide_nas.site("auto", inventory=[no_ssh])
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert play_recap(rerun, "simnas")["changed"] == 0, rerun.stdout[-4000:]
    assert (guide_nas.dsm_writes(), guide_nas.portainer_writes()) == writes
