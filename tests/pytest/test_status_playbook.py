"""playbooks/status.yml on a deployed simulated NAS: green when healthy, one clear line when not.

One site run deploys (with a backup run now); the report then runs on the healthy NAS,
after a backup failed, and after the container was stopped as well.
"""

import json
import os
import pathlib
import uuid

import pytest
import requests
from simnas.runner import ROOT, run_playbook
from simnas.server import free_port

pytestmark = pytest.mark.docker
DEMO = str(ROOT / "inventories" / "demo")


def dsm_control(env, method, path):
    ca = os.path.join(env["SIMNAS_HOME"], "ca", "ca.crt")
    url = f"https://127.0.0.1:{env['SIMNAS_DSM_PORT']}/_sim/{path}"
    return requests.request(method, url, verify=ca, timeout=30).json()


@pytest.fixture
def deployed_nas(make_supervised_nas, docker_client, local_images):
    env = make_supervised_nas("docker")
    name = f"ankinas-status-{uuid.uuid4().hex[:8]}"
    overrides = {
        "anki_sync_server_container_name": name,
        "anki_sync_server_network": name,
        "anki_sync_server_host_port": free_port(),
    }
    try:
        site = run_playbook(
            ROOT / "playbooks" / "site.yml",
            dict(overrides, hyper_backup_run_now=True),
            env=env,
            inventory=DEMO,
        )
        assert site.returncode == 0, site.stdout[-4000:]
        yield env, name, overrides
    finally:
        for container in docker_client.containers.list(all=True, filters={"name": name}):
            container.remove(force=True, v=True)
        for network in docker_client.networks.list(names=[name]):
            network.remove()


def status(env, overrides):
    """Runs the status playbook: (exit code, the report's lines, the number of changed tasks)."""
    json_output = dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    process = run_playbook(ROOT / "playbooks" / "status.yml", overrides, env=json_output, inventory=DEMO)
    run = json.loads(process.stdout)
    (report,) = [task for play in run["plays"] for task in play["tasks"] if task["task"]["name"] == "Report"]
    lines = report["hosts"]["simnas"]["msg"]
    assert isinstance(lines, list), report
    return process.returncode, lines, run["stats"]["simnas"]["changed"]


def test_status_is_green_when_healthy_and_names_a_failed_backup_and_a_stopped_container(deployed_nas, docker_client):
    env, name, overrides = deployed_nas
    dsm_control(env, "POST", "reset-counters")

    returncode, lines, changed = status(env, overrides)
    assert returncode == 0, lines
    port = overrides["anki_sync_server_host_port"]
    assert f"container {name} (docker): running, image jeankhawand/anki-sync-server:25.07" in lines
    assert "logins: 2 of 2 users can log in" in lines
    assert f"reverse proxy: https://anki.nas.test:443 -> localhost:{port} (as in the inventory)" in lines
    assert any(line.startswith("certificate: anki.nas.test, valid till ") for line in lines), lines
    assert any(line.startswith("last backup: ") and ", done (" in line for line in lines), lines
    assert lines[-1] == "HEALTHY" and not any(line.startswith("PROBLEM") for line in lines)
    assert changed == 0
    assert dsm_control(env, "GET", "counters")["writes"] == {}

    # A backup that fails: its destination directory turned into a file, then the role's backup run now.
    (target,) = (pathlib.Path(env["SIMNAS_HOME"]) / "volumes" / "volume1" / "backups").iterdir()
    target.rename(target.with_name(target.name + ".moved"))
    target.write_text("not a directory")
    backup = run_playbook(
        ROOT / "playbooks" / "site.yml",
        dict(overrides, hyper_backup_run_now=True),
        env=dict(env, ANSIBLE_RUN_TAGS="hyper_backup"),
        inventory=DEMO,
    )
    assert backup.returncode != 0, "the backup was meant to fail"
    returncode, lines, _changed = status(env, overrides)
    assert returncode != 0
    assert [line for line in lines if line.startswith("PROBLEM")] == ["PROBLEM: the last backup ended with fail"]

    docker_client.containers.get(name).stop()
    returncode, lines, _changed = status(env, overrides)
    assert returncode != 0
    assert "logins: not checked (the container is not running)" in lines, lines
    assert [line for line in lines if line.startswith("PROBLEM")] == [
        f"PROBLEM: the container {name} is exited (expected running)",
        "PROBLEM: the last backup ended with fail",
    ]
