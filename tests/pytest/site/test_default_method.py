"""site.yml with the deploy method left at its default (`auto`) or asked for by name, on a whole simulated NAS
(python -m simnas.supervisor, own home and free ports, the real-DSM behaviours on), fresh: only the packages DSM
ships, no Container Manager, no Hyper Backup; what molecule's scenarios do not do. On a model whose Package Center
offers Container Manager, --check --diff (auto, then container_manager) predicts the installs and changes nothing.
On a model not offered it, the container_manager method asked for by name stops before any change, naming the
package, and so does auto with dsm_install_packages false, naming what is the user's to install.

The deploys themselves are molecule's (extensions/molecule: one scenario per method, the method left at auto on a
NAS set up for auto to pick it): converge, rerun with changed=0 and no DSM write, what auto said and why, the
installs, the project, stack or plain container, real HTTPS syncs and no secret in the log.
"""

import os
import re
import uuid

import pytest
import requests
from harness.expected import DEMO_SECRETS  # none may appear in any output
from harness.runner import ROOT, play_recap, run_playbook
from simnas import supervisor
from simnas.server import free_port

pytestmark = pytest.mark.docker

SITE = ROOT / "playbooks" / "site.yml"
DEMO = str(ROOT / "inventories" / "demo")


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
        # except where the run is to predict or refuse its package. tags: only these roles (ANSIBLE_RUN_TAGS).
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


def removed(nas, docker_client):
    """Whatever a failed test left of the sync server: its container and network."""
    for found in docker_client.containers.list(all=True, filters={"name": nas.name}):
        found.remove(force=True, v=True)
    for network in docker_client.networks.list(names=[nas.name, f"{nas.name}_default"]):
        network.remove()


def test_check_mode_on_a_fresh_nas_offered_container_manager_predicts_the_installs_and_changes_nothing(
    tmp_path, docker_client, ssh_nas_image
):
    with supervisor.running(tmp_path / "simnas") as env:
        nas = NAS(env)
        try:
            assert nas.installed_packages() == SHIPPED
            check_mode_changes_nothing(nas, DEMO, "auto", docker_client, backup=True)
            # The method asked for by name: its choice and install (tagged always) and the roles that deploy with it;
            # the reverse proxy's check mode, which no method changes, was the run above's.
            server = "data_folder,anki_sync_server"
            check_mode_changes_nothing(nas, DEMO, "container_manager", docker_client, tags=server)
        finally:
            removed(nas, docker_client)


def test_a_nas_not_offered_container_manager_refuses_it_and_missing_packages_before_any_change(
    tmp_path, docker_client, ssh_nas_image
):
    # A model whose Package Center does not offer Container Manager (ARM models: dsm-webapi.md §10.2).
    with supervisor.running(tmp_path / "simnas", SIMNAS_DSM_NOT_OFFERED="ContainerManager") as env:
        nas = NAS(env)
        try:
            assert nas.installed_packages() == SHIPPED
            # Asked for by name, Container Manager stops the run before any change, naming the package.
            nas.control("dsm", "reset-counters", "POST")
            refused = nas.site(DEMO, method="container_manager")
            assert refused.returncode != 0
            assert "ContainerManager is not installed and this NAS's Package Center does not offer it" in said(
                refused
            ), said(refused)[-3000:]
            assert "Nothing was changed" in said(refused)
            assert nas.control("dsm", "counters")["writes"] == {}
            assert nas.control("dsm", "state")["state"].get("shares", {}) == {}
            # Packages left to the user: auto says so, and the backup's missing package stops the run before any
            # change, naming it.
            yours = nas.site(DEMO, backup=True, dsm_install_packages=False)
            assert yours.returncode != 0
            assert "Container Manager is not installed, and dsm_install_packages is false" in said(yours)
            assert "HyperBackup is not installed on the NAS, and dsm_install_packages is false" in said(yours), said(
                yours
            )[-3000:]
            assert "Main Menu > Package Center" in said(yours) and "Nothing was changed" in said(yours)
            assert nas.control("dsm", "counters")["writes"] == {}
            assert nas.installed_packages() == SHIPPED
        finally:
            removed(nas, docker_client)
