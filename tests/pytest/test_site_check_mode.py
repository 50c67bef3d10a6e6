"""The site playbook in check mode on a fresh simulated NAS: it predicts changes and makes none.

The simulated NAS runs as the demo runs it (python -m simnas.supervisor), on its own home and ports.
"""

import os
import uuid

import pytest
import requests
from simnas import supervisor
from simnas.runner import ROOT, play_recap, run_playbook
from simnas.server import free_port

pytestmark = pytest.mark.docker


@pytest.fixture(params=["docker", "portainer"])
def fresh_nas(request, tmp_path, docker_client, local_images):
    with supervisor.running(tmp_path / "simnas", ANKINAS_DEPLOY_METHOD=request.param) as env:
        yield env


def control(env, service, path):
    port = env["SIMNAS_DSM_PORT"] if service == "dsm" else env["SIMNAS_PORTAINER_PORT"]
    ca = os.path.join(env["SIMNAS_HOME"], "ca", "ca.crt")
    return requests.get(f"https://127.0.0.1:{port}/_sim/{path}", verify=ca, timeout=30).json()


def test_check_mode_on_a_fresh_nas_changes_nothing(fresh_nas, docker_client):
    name = f"ankinas-check-{uuid.uuid4().hex[:8]}"
    overrides = {
        "anki_sync_server_container_name": name,
        "anki_sync_server_network": name,
        "anki_sync_server_portainer_stack_name": name,
        "anki_sync_server_host_port": free_port(),
    }
    process = run_playbook(
        ROOT / "playbooks" / "site.yml",
        overrides,
        env=fresh_nas,
        check=True,
        diff=True,
        inventory=str(ROOT / "inventories" / "demo"),
    )
    assert process.returncode == 0, process.stdout[-4000:]
    assert play_recap(process, "simnas")["changed"] > 0, "check mode must predict the changes a first run makes"

    counters = control(fresh_nas, "dsm", "counters")
    assert counters["writes"] == {}
    assert counters["logins_succeeded"] == 1
    state = control(fresh_nas, "dsm", "state")["state"]
    assert state.get("shares", {}) == {} and state.get("reverse_proxy", {}) == {}
    assert control(fresh_nas, "portainer", "state")["stacks"] == []
    volume = os.path.join(fresh_nas["SIMNAS_HOME"], "volumes", "volume1")
    assert not os.path.exists(volume) or os.listdir(volume) == []
    assert docker_client.containers.list(all=True, filters={"name": name}) == []
    assert docker_client.networks.list(names=[name]) == []
