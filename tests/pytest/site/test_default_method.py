"""site.yml with the deploy method left at its default (`auto`), on a whole simulated NAS (python -m simnas.supervisor,
own home and free ports, the real-DSM behaviours on), fresh: only the packages DSM ships, no Container Manager, no
Hyper Backup. Container Manager when this model's Package Center offers it (the run installs it, and Hyper Backup),
else Portainer when portainer_url is set, else Docker over SSH, saying why; each ends in real Anki clients syncing
through the NAS's nginx over HTTPS. With Container Manager, --check --diff first (auto, then container_manager)
predicts the installs and changes nothing on the fresh NAS, and a rerun after the deploy changes nothing either
(changed=0, not one DSM write). On a model not offered Container Manager, the container_manager method stops before
any change, naming the package.
"""

import os
import re
import shutil
import subprocess
import sys
import uuid

import pytest
import requests
from harness.runner import ROOT, play_recap, run_playbook
from simnas import supervisor
from simnas.server import free_port

pytestmark = pytest.mark.docker

SITE = ROOT / "playbooks" / "site.yml"
DEMO = ROOT / "inventories" / "demo"
#: every secret of inventories/demo: none may appear in any output
DEMO_SECRETS = (
    "ankinas-demo-dsm-password",
    "ptr_ankinasdemo0000000000000000000000000000",
    "alice-demo-password",
    "bob-demo-password",
)


def inventory_without_portainer(tmp_path):
    """inventories/demo without portainer_url (and its key and CA): a NAS the user reaches by DSM and SSH only."""
    copy = tmp_path / "inventory"
    shutil.copytree(DEMO, copy)
    group_vars = copy / "group_vars" / "synology" / "main.yml"
    lines = group_vars.read_text().splitlines(keepends=True)
    group_vars.write_text("".join(line for line in lines if not line.startswith("portainer_")))
    return str(copy)


class NAS:
    def __init__(self, env):
        self.env = env
        self.ca = os.path.join(env["SIMNAS_HOME"], "ca", "ca.crt")
        name = f"ankinas-default-{uuid.uuid4().hex[:8]}"
        self.name = name
        self.overrides = {
            "anki_sync_server_container_name": name,
            "anki_sync_server_network": name,
            "anki_sync_server_portainer_stack_name": name,
            "anki_sync_server_host_port": free_port(),
        }

    def control(self, service, path, method="GET"):
        port = self.env["SIMNAS_DSM_PORT"] if service == "dsm" else self.env["SIMNAS_PORTAINER_PORT"]
        answer = requests.request(method, f"https://127.0.0.1:{port}/_sim/{path}", verify=self.ca, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def site(self, inventory, check=False, method="auto", backup=False, tags="", **extra_vars):
        # The backup is not what this suite is about (molecule and the demo run it); skipping it keeps the runs short,
        # except where the run is to install both packages. tags: only these roles (ANSIBLE_RUN_TAGS).
        env = dict(self.env, ANKINAS_DEPLOY_METHOD=method)
        if not backup:
            env["ANSIBLE_SKIP_TAGS"] = "hyper_backup"
        if tags:
            env["ANSIBLE_RUN_TAGS"] = tags
        process = run_playbook(
            SITE, dict(self.overrides, **extra_vars), env=env, check=check, diff=check, inventory=inventory
        )
        output = process.stdout + process.stderr
        for secret in DEMO_SECRETS:
            assert secret not in output, "a secret of the inventory is in the output"
        return process

    def syncs_through_the_proxy(self):
        """Real Anki clients (each demo user) upload through https://anki.nas.test (nginx, the rule) and download."""
        url = f"https://anki.nas.test:{self.env['SIMNAS_PROXY_PORT']}/"
        synced = subprocess.run(
            [sys.executable, "-m", "harness.demo", url],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )
        assert synced.returncode == 0, synced.stdout + synced.stderr[-3000:]
        return synced.stdout

    def installed_packages(self):
        return set(self.control("dsm", "state")["state"]["package_center"]["installed"])


#: what DSM ships (simnas.dsm.apis.package_center DEFAULT_INSTALLED): a NAS fresh from its setup wizard
SHIPPED = {"FileStation"}


def predicted_installs(process):
    """The packages the run's dsm_package tasks installed, or would install in check mode."""
    return re.findall(r"changed: \[simnas -> localhost\] => \(item=(\w+)\)", process.stdout)


def check_mode_changes_nothing(nas, inventory, method, docker_client, backup=False, tags=""):
    """site.yml --check --diff on the fresh NAS: the changes predicted, not one DSM write, no container."""
    nas.control("dsm", "reset-counters", "POST")
    process = nas.site(inventory, check=True, method=method, backup=backup, tags=tags)
    assert process.returncode == 0, process.stdout[-5000:]
    assert play_recap(process, "simnas")["changed"] > 0, "check mode must predict the changes a first run makes"
    assert "The sync server is deployed through container_manager (" in said(process)
    if method == "auto":
        assert "Container Manager is not installed, and this NAS's Package Center offers it: the run installs it" in (
            said(process)
        )
    assert predicted_installs(process) == (["ContainerManager", "HyperBackup"] if backup else ["ContainerManager"])
    assert nas.installed_packages() == SHIPPED
    counters = nas.control("dsm", "counters")
    assert counters["writes"] == {}
    assert counters["logouts"] == counters["logins_succeeded"] >= 1
    state = nas.control("dsm", "state")
    assert state["sessions"] == 0
    assert state["state"].get("shares", {}) == {} and state["state"].get("docker_projects", {}) == {}
    assert state["state"].get("reverse_proxy", {}) == {}
    volume = os.path.join(nas.env["SIMNAS_HOME"], "volumes", "volume1")
    assert not os.path.exists(volume) or os.listdir(volume) == []
    assert docker_client.containers.list(all=True, filters={"name": nas.name}) == []


def said(process):
    return " ".join(process.stdout.split()).replace("''", "'")


@pytest.mark.parametrize(
    ("offers", "method"),
    [
        ("container_manager", "container_manager"),
        ("portainer_url", "portainer"),
        ("nothing", "docker"),
    ],
)
def test_the_default_method_ends_in_https_syncs_and_a_quiet_rerun(
    offers, method, tmp_path, docker_client, anki_server_images, ssh_nas_image
):
    # A model whose Package Center does not offer Container Manager (ARM models: dsm-webapi.md §10.2).
    extra_env = {} if offers == "container_manager" else {"SIMNAS_DSM_NOT_OFFERED": "ContainerManager"}
    inventory = inventory_without_portainer(tmp_path) if offers == "nothing" else str(DEMO)
    backup = method == "container_manager"  # the demo's path: both packages installed
    with supervisor.running(tmp_path / "simnas", **extra_env) as env:
        nas = NAS(env)
        try:
            assert nas.installed_packages() == SHIPPED
            if method == "container_manager":
                check_mode_changes_nothing(nas, inventory, "auto", docker_client, backup=True)
                # The method asked for by name: its choice and install (tagged always) and the roles that deploy with
                # it; the reverse proxy's check mode, which no method changes, was the run above's.
                server = "data_folder,anki_sync_server"
                check_mode_changes_nothing(nas, inventory, "container_manager", docker_client, tags=server)
            if offers == "portainer_url":
                # Asked for by name, Container Manager stops the run before any change, naming the package.
                nas.control("dsm", "reset-counters", "POST")
                refused = nas.site(inventory, method="container_manager")
                assert refused.returncode != 0
                assert "ContainerManager is not installed and this NAS's Package Center does not offer it" in said(
                    refused
                ), said(refused)[-3000:]
                assert "Nothing was changed" in said(refused)
                assert nas.control("dsm", "counters")["writes"] == {}
                assert nas.control("dsm", "state")["state"].get("shares", {}) == {}
                # Packages left to the user: auto says so, and the backup's missing package stops the run before any
                # change, naming it.
                yours = nas.site(inventory, backup=True, dsm_install_packages=False)
                assert yours.returncode != 0
                assert "Container Manager is not installed, and dsm_install_packages is false" in said(yours)
                assert "HyperBackup is not installed on the NAS, and dsm_install_packages is false" in said(yours), (
                    said(yours)[-3000:]
                )
                assert "Main Menu > Package Center" in said(yours) and "Nothing was changed" in said(yours)
                assert nas.control("dsm", "counters")["writes"] == {}
                assert nas.installed_packages() == SHIPPED

            process = nas.site(inventory, backup=backup)
            assert process.returncode == 0, process.stdout[-5000:]
            assert f"The sync server is deployed through {method} (" in said(process)
            if method == "container_manager":
                assert predicted_installs(process) == ["ContainerManager", "HyperBackup"]
                assert nas.installed_packages() == SHIPPED | {"ContainerManager", "HyperBackup"}
            else:
                assert "this NAS's Package Center does not offer it (Synology does not publish ContainerManager" in (
                    said(process)
                )
                assert "ContainerManager" not in nas.installed_packages()
            projects = nas.control("dsm", "state")["state"].get("docker_projects", {})
            stacks = [stack["Name"] for stack in nas.control("portainer", "state")["stacks"]]
            assert [project["name"] for project in projects.values()] == (
                [nas.name] if method == "container_manager" else []
            )
            assert stacks == ([nas.name] if method == "portainer" else [])
            (container,) = docker_client.containers.list(filters={"name": nas.name})
            labels = container.labels
            assert labels.get("com.docker.compose.project") == (None if method == "docker" else nas.name)

            print(nas.syncs_through_the_proxy())

            if method == "container_manager":  # the other methods' reruns are molecule's (scenarios default, portainer)
                nas.control("dsm", "reset-counters", "POST")
                again = nas.site(inventory, backup=True)
                assert again.returncode == 0, again.stdout[-5000:]
                assert play_recap(again, "simnas")["changed"] == 0, again.stdout[-5000:]
                assert nas.control("dsm", "counters")["writes"] == {}
                assert docker_client.containers.get(nas.name).id == container.id
        finally:
            for found in docker_client.containers.list(all=True, filters={"name": nas.name}):
                found.remove(force=True, v=True)
            for network in docker_client.networks.list(names=[nas.name, f"{nas.name}_default"]):
                network.remove()
