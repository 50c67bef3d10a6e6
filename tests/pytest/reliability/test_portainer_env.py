"""Case 9: through Portainer (real docker-compose interpolating stack.env) a plaintext password with $, $VAR,
$$ and trailing spaces reaches the server unchanged; one no compose version carries literally (${VAR}: compose
v1 expands it even in quotes) is refused before any change."""

import uuid
from pathlib import Path

import pytest
from harness import anki_client
from harness.runner import run_playbook
from simnas.server import free_port

PLAYBOOK = Path(__file__).parent / "playbooks" / "anki_sync_server.yml"
pytestmark = pytest.mark.docker


@pytest.fixture
def stack(portainer_sim, docker_client, anki_server_images, tmp_path):
    name = f"ankinas-rel-{uuid.uuid4().hex[:8]}"
    (tmp_path / "volume1" / "docker" / "anki-server").mkdir(parents=True)
    variables = {
        "anki_sync_server_deploy_method": "portainer",
        "anki_sync_server_hash_passwords": False,
        "anki_sync_server_container_name": name,
        "anki_sync_server_network": name,
        "anki_sync_server_portainer_stack_name": name,
        "anki_sync_server_host_port": free_port(),
        "anki_sync_server_volume_root": str(tmp_path),
        "anki_sync_server_check_timeout": 30,
        "portainer_url": portainer_sim.url,
        "portainer_api_key": portainer_sim.api_key,
        "portainer_ca_path": portainer_sim.ca_path,
    }
    yield variables
    if found := portainer_sim.stack_named(name):
        portainer_sim.api("DELETE", f"/api/stacks/{found['Id']}", params={"endpointId": found["EndpointId"]})
    for network in docker_client.networks.list(names=[name]):
        network.remove()


def test_dollars_and_spaces_reach_the_server_unchanged(stack, tmp_path):
    password = "pa$$ $USER $ end  "
    users = [{"name": "alice", "password": password}]
    process = run_playbook(PLAYBOOK, dict(stack, anki_sync_server_users=users))
    # the role's own login check logs in with the exact password, so a success proves the value
    assert process.returncode == 0, process.stdout[-3000:]
    endpoint = f"http://127.0.0.1:{stack['anki_sync_server_host_port']}/"
    notes = anki_client.generate_notes(2, "alice")
    local = anki_client.make_collection(tmp_path / "alice", notes)
    assert anki_client.sync(local, "alice", password, endpoint) == "full upload"
    assert anki_client.download_notes("alice", password, endpoint) == sorted(notes)


@pytest.mark.parametrize("password", ["it's", "a${HOME}b"])
def test_a_password_compose_cannot_carry_is_refused_before_any_change(stack, portainer_sim, password):
    users = [{"name": "alice", "password": password}]
    process = run_playbook(PLAYBOOK, dict(stack, anki_sync_server_users=users))
    assert process.returncode != 0
    assert "anki_sync_server_users[0].password of user 'alice' contains a quote" in process.stdout
    assert password not in process.stdout
    assert portainer_sim.stack_named(stack["anki_sync_server_portainer_stack_name"]) is None
