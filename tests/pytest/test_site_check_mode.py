"""The site playbook against the simulated NAS as the demo runs it (python -m simnas.supervisor, own home
and ports): check mode on a fresh and on a converged NAS, each tag alone, and a failure in the middle.
"""

import contextlib
import os
import subprocess
import sys
import uuid

import pytest
import requests
from harness.expected import DEMO_SECRETS  # none may appear in any output, diffs included
from harness.runner import ROOT, play_recap, run_playbook
from simnas import sshnas
from simnas.server import free_port

pytestmark = pytest.mark.docker

SITE = ROOT / "playbooks" / "site.yml"


@contextlib.contextmanager
def simulated_nas(home, method):
    services = ("dsm", "portainer", "proxy", "ssh")
    ports = {f"SIMNAS_{name.upper()}_PORT": free_port() for name in services}
    env = dict(os.environ, SIMNAS_HOME=str(home), ANKINAS_DEPLOY_METHOD=method)
    env.update({key: str(value) for key, value in ports.items()})
    supervisor = [sys.executable, "-m", "simnas.supervisor"]
    options = [f"--{name}-port={ports[f'SIMNAS_{name.upper()}_PORT']}" for name in services]
    subprocess.run([*supervisor, "start", *options], env=env, check=True, cwd=ROOT)
    try:
        # What an earlier version of the collection left in the NAS's /etc/crontab
        # (see extensions/molecule/shared/prepare.yml).
        assert sshnas.run_as_root(home, f"echo {OLD_CRONTAB_LINE!r} >> /etc/crontab", timeout=30).returncode == 0
        env["NAS_CRONTAB"] = nas_crontab(env)
        yield env
    finally:
        subprocess.run([*supervisor, "stop"], env=env, check=True, cwd=ROOT)


OLD_CRONTAB_LINE = "45 2 * * * root python3 /volume1/docker/ankinas-tools/anki_snapshot.py # ankinas-anki-snapshot:anki"


def nas_crontab(env):
    """The NAS's /etc/crontab, read as root in the NAS."""
    done = sshnas.run_as_root(env["SIMNAS_HOME"], "cat /etc/crontab", timeout=30)
    assert done.returncode == 0, done.stdout
    return done.stdout


@pytest.fixture(params=["docker", "portainer"])
def fresh_nas(request, tmp_path, docker_client, anki_server_images, ssh_nas_image):
    with simulated_nas(tmp_path / "simnas", request.param) as env:
        yield env


def control(env, service, path, method="GET"):
    port = env["SIMNAS_DSM_PORT"] if service == "dsm" else env["SIMNAS_PORTAINER_PORT"]
    ca = os.path.join(env["SIMNAS_HOME"], "ca", "ca.crt")
    answer = requests.request(method, f"https://127.0.0.1:{port}/_sim/{path}", verify=ca, timeout=30)
    return answer.json()


def unique_names():
    name = f"ankinas-site-{uuid.uuid4().hex[:8]}"
    return {
        "anki_sync_server_container_name": name,
        "anki_sync_server_network": name,
        "anki_sync_server_portainer_stack_name": name,
        "anki_sync_server_host_port": free_port(),
    }


def site(env, overrides, check=False, tags=None):
    extra = dict(overrides)
    process = run_playbook(
        SITE,
        extra,
        env=dict(env, ANSIBLE_RUN_TAGS=tags) if tags else env,
        check=check,
        diff=True,
        inventory=str(ROOT / "inventories" / "demo"),
    )
    output = process.stdout + process.stderr
    for secret in DEMO_SECRETS:
        assert secret not in output, f"a secret of the inventory is in the output of {tags or 'site.yml'}"
    return process


def assert_logged_out(env):
    """Every DSM login of the run was logged out: the session table is empty."""
    counters = control(env, "dsm", "counters")
    assert counters["logins_succeeded"] >= 1
    assert counters["logouts"] == counters["logins_succeeded"]
    assert control(env, "dsm", "state")["sessions"] == 0


def test_check_mode_on_a_fresh_nas_changes_nothing(fresh_nas, docker_client):
    overrides = unique_names()
    name = overrides["anki_sync_server_container_name"]
    process = site(fresh_nas, overrides, check=True)
    assert process.returncode == 0, process.stdout[-4000:]
    assert play_recap(process, "simnas")["changed"] > 0, "check mode must predict the changes a first run makes"
    # The docker and Portainer methods need no Container Manager from the run; the backup needs Hyper Backup.
    assert "changed: [simnas -> localhost] => (item=HyperBackup)" in process.stdout
    assert "(item=ContainerManager)" not in process.stdout

    state = control(fresh_nas, "dsm", "state")["state"]
    assert set(state["package_center"]["installed"]) == {"FileStation"}, "check mode installed a package"
    # The snapshot job is a root Task Scheduler task: none made, none run (the old crontab line, which the first real
    # run removes in the NAS with a one-shot root task, is still in the NAS's /etc/crontab).
    assert state.get("scheduled_tasks", {}) == {}, "the snapshot job was written"
    assert nas_crontab(fresh_nas) == fresh_nas["NAS_CRONTAB"], "the NAS's crontab was changed"
    counters = control(fresh_nas, "dsm", "counters")
    assert counters["writes"] == {}
    assert counters["logins_succeeded"] == 1
    assert_logged_out(fresh_nas)
    assert state.get("shares", {}) == {} and state.get("reverse_proxy", {}) == {}
    assert state.get("hyper_backup", {}).get("tasks", {}) == {}
    assert control(fresh_nas, "portainer", "state")["stacks"] == []
    volume = os.path.join(fresh_nas["SIMNAS_HOME"], "volumes", "volume1")
    assert not os.path.exists(volume) or os.listdir(volume) == []
    assert docker_client.containers.list(all=True, filters={"name": name}) == []
    assert docker_client.networks.list(names=[name]) == []


def test_each_tag_runs_its_role_then_check_mode_on_the_converged_nas_and_a_failure_logs_out(
    tmp_path, docker_client, anki_server_images, ssh_nas_image
):
    overrides = unique_names()
    name = overrides["anki_sync_server_container_name"]
    home = tmp_path / "simnas"
    with simulated_nas(home, "docker") as env:
        try:
            dsm_writes = {}

            def run_tag(tag):
                control(env, "dsm", "reset-counters", "POST")
                process = site(env, overrides, tags=tag)
                assert process.returncode == 0, process.stdout[-4000:]
                assert_logged_out(env)
                dsm_writes[tag] = set(control(env, "dsm", "counters")["writes"])
                return control(env, "dsm", "state")["state"]

            def container_id():
                found = docker_client.containers.list(all=True, filters={"name": name})
                return found[0].id if found else None

            state = run_tag("data_folder")
            assert dsm_writes["data_folder"] == {"SYNO.Core.Share.create"}
            assert set(state["shares"]) == {"docker"}
            assert (home / "volumes" / "volume1" / "docker" / "anki-server").is_dir()
            assert container_id() is None

            state = run_tag("anki_sync_server")
            assert dsm_writes["anki_sync_server"] == set()  # the docker method: no DSM change
            first_container = container_id()
            assert first_container is not None
            assert state.get("reverse_proxy", {}) == {} and set(state["shares"]) == {"docker"}

            state = run_tag("reverse_proxy")
            assert dsm_writes["reverse_proxy"] <= {
                "SYNO.Core.AppPortal.ReverseProxy.create",
                "SYNO.Core.Certificate.Service.set",
                "SYNO.Core.Web.DSM.set",  # DSM's global HTTP/2 switch
            }
            assert "SYNO.Core.AppPortal.ReverseProxy.create" in dsm_writes["reverse_proxy"]
            assert state.get("hyper_backup", {}).get("tasks", {}) == {} and not state.get("scheduled_tasks")
            assert container_id() == first_container

            state = run_tag("hyper_backup")
            # The fresh NAS has no Hyper Backup: the role installs it from Package Center first.
            assert "SYNO.Core.Package.Installation.install" in dsm_writes["hyper_backup"]
            assert "HyperBackup" in state["package_center"]["installed"]
            backup_apis = ("SYNO.Backup.", "SYNO.Core.Share.", "SYNO.Core.TaskScheduler.", "SYNO.Core.User.")
            backup_apis += ("SYNO.Core.Package.",)
            assert all(write.startswith(backup_apis) for write in dsm_writes["hyper_backup"])
            assert [task["name"] for task in state["hyper_backup"]["tasks"].values()] == ["anki"]
            assert set(state["shares"]) == {"docker", "backups"} and len(state["reverse_proxy"]) == 1
            assert container_id() == first_container
            (snapshot_job,) = state["scheduled_tasks"].values()  # the snapshot job, a root Task Scheduler task
            # ... whose creation removed the earlier versions' line from the NAS's crontab, in the NAS
            crontab = nas_crontab(env)
            assert "ankinas-anki-snapshot" not in crontab and "synoschedtask --run id=1" in crontab, crontab

            # Check mode with diff on the converged NAS: nothing to change, nothing changed, logged out.
            control(env, "dsm", "reset-counters", "POST")
            process = site(env, overrides, check=True)
            assert process.returncode == 0, process.stdout[-4000:]
            assert play_recap(process, "simnas")["changed"] == 0, process.stdout[-4000:]
            assert control(env, "dsm", "counters")["writes"] == {}
            assert_logged_out(env)
            assert list(control(env, "dsm", "state")["state"]["scheduled_tasks"].values()) == [snapshot_job]
            assert container_id() == first_container

            # A failure in the middle of the play (DSM answers the reverse proxy API with error pages): the
            # play fails there, after the earlier roles, and still logs out of DSM.
            control(env, "dsm", "reset-counters", "POST")
            fault = {"html_error_page": {"count": 50, "api": "SYNO.Core.AppPortal.ReverseProxy", "status": 502}}
            port, ca = env["SIMNAS_DSM_PORT"], home / "ca" / "ca.crt"
            requests.post(f"https://127.0.0.1:{port}/_sim/faults", json=fault, verify=ca, timeout=30).raise_for_status()
            process = site(env, overrides)
            assert process.returncode != 0
            assert play_recap(process, "simnas")["failed"] == 1
            assert (
                "SYNO.Core.AppPortal.ReverseProxy list failed: DSM answered HTTP 502 with an HTML page"
                in process.stdout
            )
            failed_task = [line for line in process.stdout.split("fatal:")[0].splitlines() if line.startswith("TASK [")]
            assert failed_task[-1].startswith("TASK [ankinas.synology.reverse_proxy : "), failed_task[-1]
            assert_logged_out(env)
        finally:
            for container in docker_client.containers.list(all=True, filters={"name": name}):
                container.remove(force=True, v=True)
            for network in docker_client.networks.list(names=[name]):
                network.remove()
