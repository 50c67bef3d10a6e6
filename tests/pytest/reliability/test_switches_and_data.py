"""Issue 29, cases 1, 2, 3, 4 and 6 on one simulated NAS deployed by site.yml (docker method, two users with notes):
a switch to a method that cannot deploy, a symlinked data path, a moved data path, an interrupted switch and a
restore drill under another method (also case 14: the demo's inventory runs the drill, and repeated drills keep a
bounded number of old copies), ownership drift under Container Manager without SSH. Each run ends converged
or stops before any change, and a fresh client downloads every note afterwards; every test leaves the NAS as the
suite found it (the docker method's container serving both users' notes)."""

import contextlib
import json
import shutil
import signal
import subprocess

import docker
import pytest
from harness import anki_client
from harness.runner import ROOT, play_recap, run_module, run_playbook, start_playbook
from reliability_nas import NOTES, USERS
from simnas.server import free_port
from simnas.supervisor import DEMO_ADMIN, DEMO_DSM_PASSWORD
from simnas.waiting import wait_until

pytestmark = pytest.mark.docker
DEMO = str(ROOT / "inventories" / "demo")
COMPOSE_PROJECT = "com.docker.compose.project"
#: the roles these cases are about (the reverse proxy and the backup stay as the suite's first run made them)
SERVER = "data_folder,anki_sync_server"


def said(process):
    """The play's output as one line (the YAML callback wraps long messages and doubles single quotes)."""
    return " ".join(process.stdout.split()).replace("''", "'")


def tree(folder):
    """(path, mode, uid, gid) of folder and everything in it, links not followed."""
    entries = []
    for path in sorted([folder, *folder.rglob("*")]):
        stat = path.lstat()
        entries.append((str(path), stat.st_mode, stat.st_uid, stat.st_gid))
    return entries


def dsm_connection(deployed_nas):
    return {
        "dsm_url": f"https://127.0.0.1:{deployed_nas.env['SIMNAS_DSM_PORT']}",
        "dsm_username": DEMO_ADMIN,
        "dsm_password": DEMO_DSM_PASSWORD,
        "dsm_ca_path": str(deployed_nas.home / "ca" / "ca.crt"),
    }


def back_to_docker(deployed_nas):
    """The suite's state again, when a test left another: the docker method's container, every note served."""
    with contextlib.suppress(docker.errors.NotFound):
        container = deployed_nas.container()
        if container.status == "running" and COMPOSE_PROJECT not in container.labels:
            return
    process = deployed_nas.site(tags=SERVER)
    assert process.returncode == 0, process.stdout[-4000:]
    assert COMPOSE_PROJECT not in deployed_nas.container().labels
    deployed_nas.assert_serves_every_users_notes()


# --- case 1: a switch checks the new method before it removes the old deployment ----------------------------------
@pytest.mark.parametrize("portainer", ["wrong api key", "down"])
def test_case1_a_switch_to_a_portainer_that_cannot_deploy_stops_before_any_change(deployed_nas, portainer):
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    stacks, portainer_writes = deployed_nas.stacks(), deployed_nas.portainer_writes()
    deployed_nas.reset_dsm_counters()
    unusable = (
        {"portainer_api_key": "ptr_wrong0000000000000000000000000000000000"}
        if portainer == "wrong api key"
        else {"portainer_url": f"https://127.0.0.1:{free_port()}"}
    )
    process = deployed_nas.site(method="portainer", tags=SERVER, **unusable)
    assert process.returncode != 0
    output = said(process)
    assert "The portainer method cannot deploy" in output, output[-3000:]
    assert "portainer_url" in output
    kept = f"Nothing was changed: the running server {deployed_nas.name} (a container run with Docker) keeps serving"
    assert kept in output
    assert deployed_nas.container().id == container_id
    assert deployed_nas.data_snapshot() == data
    assert deployed_nas.dsm_writes() == {}
    assert (deployed_nas.stacks(), deployed_nas.portainer_writes()) == (stacks, portainer_writes)
    deployed_nas.assert_serves_every_users_notes()


def test_case1_portainer_going_down_mid_switch_puts_the_old_container_back_without_portainer(deployed_nas):
    before = deployed_nas.container().attrs
    # Portainer answers the stack's create with 502 and then nothing else: the roll-back cannot use it.
    deployed_nas.portainer_fault(
        method="POST", path="/api/stacks/create/standalone/string", status=502, down=1000, message="Bad gateway"
    )
    try:
        process = deployed_nas.site(method="portainer", tags=SERVER, anki_sync_server_check_timeout=10)
    finally:
        deployed_nas.portainer_reset()
    assert process.returncode != 0
    output = said(process)
    assert (
        f"the previous deployment ({deployed_nas.name}, a container run with Docker) was put back as it was "
        "and serves again" in output
    ), output[-3000:]
    after = deployed_nas.container().attrs
    assert after["State"]["Running"]
    for key in ("Image", "Env", "Labels"):
        assert after["Config"][key] == before["Config"][key], key
    assert after["HostConfig"]["PortBindings"] == before["HostConfig"]["PortBindings"]
    assert after["HostConfig"]["Binds"] == before["HostConfig"]["Binds"]
    deployed_nas.assert_serves_every_users_notes()
    # Portainer is back: the next run finds its server as it was and changes nothing
    rerun = deployed_nas.site(tags=SERVER)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert deployed_nas.stacks() == []


# --- case 2: a data path through a symbolic link -----------------------------------------------------------------
@pytest.mark.parametrize(("target", "resolved"), [("../backups", "/volume1/backups"), ("anki-server", None)])
def test_case2_a_symlinked_data_path_is_refused_before_any_change(deployed_nas, target, resolved):
    volume1 = deployed_nas.home / "volumes" / "volume1"
    link = volume1 / "docker" / "anki-link"
    resolved = resolved or "/volume1/docker/anki-server"
    container_id, data, backups = deployed_nas.container().id, deployed_nas.data_snapshot(), tree(volume1 / "backups")
    link.symlink_to(target)
    try:
        deployed_nas.reset_dsm_counters()
        process = deployed_nas.site(tags=SERVER, data_folder_path="/volume1/docker/anki-link")
    finally:
        link.unlink()
    assert process.returncode != 0
    output = said(process)
    assert (
        f"data_folder_path (/volume1/docker/anki-link) goes through the symbolic link /volume1/docker/anki-link -> "
        f"{resolved}" in output
    ), output[-3000:]
    assert "Nothing was changed" in output
    assert deployed_nas.dsm_writes() == {}
    assert deployed_nas.container().id == container_id
    assert deployed_nas.data_snapshot() == data
    assert tree(volume1 / "backups") == backups
    deployed_nas.assert_serves_every_users_notes()


# --- case 3: a moved data path ------------------------------------------------------------------------------------
def test_case3_a_new_data_path_without_collections_is_refused_then_moved_on_request(deployed_nas):
    old, new = "/volume1/docker/anki-server", "/volume1/docker/anki-moved"
    container_id = deployed_nas.container().id
    deployed_nas.reset_dsm_counters()
    refused = deployed_nas.site(tags=SERVER, data_folder_path=new)
    assert refused.returncode != 0
    output = said(refused)
    assert (
        f"data_folder_path changes from {old} to {new}, but the 2 collections of the running server "
        f"(alice, bob) are in {old} and {new} has none" in output
    ), output[-3000:]
    assert "Nothing was changed" in output and "anki_sync_server_data_dir_change: move" in output
    assert deployed_nas.dsm_writes() == {}
    assert deployed_nas.container().id == container_id
    assert not (deployed_nas.home / "volumes" / new.lstrip("/")).exists()
    deployed_nas.assert_serves_every_users_notes()

    try:
        moved = deployed_nas.site(tags=SERVER, data_folder_path=new, anki_sync_server_data_dir_change="move")
        assert moved.returncode == 0, moved.stdout[-4000:]
        assert f"Moved 2 collections (alice, bob) from {old} to {new}" in said(moved)
        assert deployed_nas.collections(new) == ["alice", "bob"]
        assert deployed_nas.collections(old) == []
        binds = deployed_nas.container().attrs["HostConfig"]["Binds"]
        assert [bind.split(":")[0] for bind in binds] == [str(deployed_nas.home / "volumes" / new.lstrip("/"))]
        deployed_nas.assert_serves_every_users_notes()
        again = deployed_nas.site(tags=SERVER, data_folder_path=new, anki_sync_server_data_dir_change="move")
        assert again.returncode == 0, again.stdout[-4000:]
        assert play_recap(again, "simnas")["changed"] == 0, again.stdout[-4000:]
    finally:
        back = deployed_nas.site(tags=SERVER, anki_sync_server_data_dir_change="move")
        assert back.returncode == 0, back.stdout[-4000:]
    assert deployed_nas.collections(old) == ["alice", "bob"]
    deployed_nas.assert_serves_every_users_notes()


# --- case 4: an interrupted switch, a restore drill under another method ----------------------------------------
def test_case4_a_switch_interrupted_at_the_project_removal_is_finished_by_the_next_run(deployed_nas):
    switched = deployed_nas.site(method="container_manager", tags=SERVER)
    assert switched.returncode == 0, switched.stdout[-4000:]
    assert deployed_nas.container().labels[COMPOSE_PROJECT] == deployed_nas.name
    # The project is stopped and cleaned (its containers removed), then its delete takes long: Ctrl-C lands there.
    # The play's session is logged out on the interrupt (the dsm_logout callback), so the delete never happens.
    deployed_nas.dsm_faults(slow_seconds={"seconds": 8, "api": "SYNO.Docker.Project", "method": "delete"})
    run = start_playbook(
        ROOT / "playbooks" / "site.yml",
        deployed_nas.overrides,
        env=dict(deployed_nas.env, ANKINAS_DEPLOY_METHOD="docker", ANSIBLE_RUN_TAGS=SERVER),
        inventory=DEMO,
    )
    lines = []
    try:
        for line in run.stdout:
            lines.append(line)
            if "Remove the Container Manager project" in line:
                break
        # The slow fault is taken when DSM receives the delete, which then waits 8 s: interrupt now.
        wait_until(lambda: "slow_seconds" not in deployed_nas.dsm_state()["faults"], 120, "the project's delete")
        deployed_nas.reset_dsm_counters()
        run.send_signal(signal.SIGINT)
        lines += run.communicate(timeout=120)[0].splitlines(keepends=True)
    finally:
        if run.poll() is None:
            run.kill()
    assert "User interrupted execution" in "".join(lines), "".join(lines)[-3000:]
    # the delete's wait is over: DSM found the session logged out (119) and deleted nothing
    wait_until(lambda: "119" in deployed_nas.dsm_counters().get("errors", {}), 30, "the delete refused")
    assert not deployed_nas.docker.containers.list(all=True, filters={"name": f"^/{deployed_nas.name}$"})
    assert deployed_nas.name in deployed_nas.projects()  # the orphan: a project without a container

    rerun = deployed_nas.site(tags=SERVER)
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert (
        f"An interrupted switch left the Container Manager project {deployed_nas.name} without a container: "
        "it is removed, finishing the switch to docker" in said(rerun)
    ), said(rerun)[-3000:]
    assert deployed_nas.name not in deployed_nas.projects()
    assert COMPOSE_PROJECT not in deployed_nas.container().labels
    deployed_nas.assert_serves_every_users_notes()


def test_case4_a_restore_drill_under_another_method_stops_the_deployed_project_and_leaves_none(deployed_nas):
    """Also case 14 (the inventory that runs site.yml, the demo's, runs the drill, serving every user's notes) and
    repeated drills keeping a bounded number of old copies of the data folder (the drill's SSH path, as root)."""
    switched = deployed_nas.site(method="container_manager", tags=SERVER)
    assert switched.returncode == 0, switched.stdout[-4000:]
    # Two earlier drills' copies of the data beside the data folder, as each drill leaves one.
    parent = deployed_nas.data_dir.parent
    older = [
        parent / "anki-server.before-restore-20250101T000000Z",
        parent / "anki-server.before-restore-20250201T000000Z",
    ]
    for copy in older:
        shutil.copytree(deployed_nas.data_dir, copy, symlinks=True)
    try:
        drill = deployed_nas.site("restore_drill.yml", method="docker", restore_drill_confirm=True)
        assert drill.returncode == 0, drill.stdout[-4000:]
        stopped = f"Stop the deployed server before restoring under it, stopping its project: {deployed_nas.name} (the"
        assert stopped in said(drill), said(drill)[-3000:]
        assert deployed_nas.name not in deployed_nas.projects()
        assert COMPOSE_PROJECT not in deployed_nas.container().labels
        copies = sorted(path.name for path in parent.iterdir() if path.name.startswith("anki-server.before-restore-"))
        # The two newest are kept (this drill's and the one before), the oldest is removed, and the run says so.
        assert len(copies) == 2 and copies[0] == older[1].name, copies
        assert "the 2 newest copies of the data folder from before a restore are kept" in drill.stdout
        assert f"removed {older[0].name}" in drill.stdout, drill.stdout[-3000:]
        deployed_nas.assert_serves_every_users_notes()
    finally:
        for path in parent.iterdir():
            if path.name.startswith("anki-server.before-restore-"):
                shutil.rmtree(path)
        back_to_docker(deployed_nas)


# --- Container Manager without SSH (DSM credentials alone): cases 6 and 3 ----------------------------------------
class ContainerManagerServer:
    """A second sync server on the same NAS, deployed through Container Manager by an inventory whose SSH port
    refuses: every file step goes through File Station and one-shot root tasks of Task Scheduler."""

    def __init__(self, deployed_nas, folder):
        self.nas = deployed_nas
        self.name, self.port = f"{deployed_nas.name}-cm", free_port()
        self.data_dir = f"/volume1/docker/{self.name}"
        self.endpoint = f"http://127.0.0.1:{self.port}/"
        self.hosts = folder / "hosts.yml"

    def folder(self):
        return self.nas.home / "volumes" / self.data_dir.lstrip("/")

    def site(self, **extra):
        host = {
            "ansible_host": "127.0.0.1",
            "ansible_port": 9,  # closed: any task that tried to reach the NAS over SSH would fail
            "anki_sync_server_container_name": self.name,
            "anki_sync_server_network": self.name,
            "anki_sync_server_host_port": self.port,
            "data_folder_path": self.data_dir,
        }
        self.hosts.write_text(json.dumps({"all": {"children": {"synology": {"hosts": {"simnas": host}}}}}))
        overrides = {key: value for key, value in self.nas.overrides.items() if key not in host}
        env = dict(self.nas.env, ANKINAS_DEPLOY_METHOD="container_manager", ANSIBLE_RUN_TAGS=SERVER)
        return run_playbook(
            ROOT / "playbooks" / "site.yml", dict(overrides, **extra), env=env, inventory=[DEMO, str(self.hosts)]
        )


@pytest.fixture(scope="module")
def container_manager_server(deployed_nas, tmp_path_factory):
    folder = tmp_path_factory.mktemp("container-manager")
    server = ContainerManagerServer(deployed_nas, folder)
    try:
        first = server.site()
        assert first.returncode == 0, first.stdout[-4000:]
        for user in USERS:
            local = anki_client.make_collection(folder / user["name"], NOTES[user["name"]])
            assert anki_client.sync(local, user["name"], user["password"], server.endpoint) == "full upload"
        yield server
    finally:
        removed = run_module(
            "dsm_container_project", dict(dsm_connection(deployed_nas), name=server.name, state="absent"), timeout=300
        )
        assert not removed.failed, removed.get("msg")
        for network in deployed_nas.docker.networks.list(names=[server.name]):
            network.remove()


def test_case6_container_manager_without_ssh_repairs_ownership_drift_before_the_server_needs_it(
    deployed_nas, container_manager_server
):
    server = container_manager_server
    folder = server.folder()
    # A copy as root (a restore by hand, a migration): alice's files are root's now; then the NAS restarts.
    subprocess.run(["chown", "-R", "0:0", str(folder / "alice")], check=True)
    deployed_nas.docker.containers.get(server.name).restart()

    repaired = server.site()
    assert repaired.returncode == 0, repaired.stdout[-4000:]
    output = said(repaired)
    assert f"not owned by 1000:1000 in {server.data_dir}" in output, output[-3000:]
    assert f"{server.data_dir}/alice/collection.anki2 (0:0)" in output
    owners = {(path.stat().st_uid, path.stat().st_gid) for path in [folder, *folder.rglob("*")]}
    assert owners == {(1000, 1000)}
    deployed_nas.assert_serves_every_users_notes(server.endpoint)
    deployed_nas.assert_serves_every_users_notes()


def test_case3_container_manager_without_ssh_counts_and_moves_through_file_station_and_root_tasks(
    deployed_nas, container_manager_server
):
    server = container_manager_server
    old, new = server.data_dir, f"{server.data_dir}-moved"
    deployed_nas.reset_dsm_counters()
    refused = server.site(data_folder_path=new)
    assert refused.returncode != 0
    assert f"but the 2 collections of the running server (alice, bob) are in {old} and {new} has none" in said(refused)
    assert deployed_nas.dsm_writes() == {}

    moved = server.site(data_folder_path=new, anki_sync_server_data_dir_change="move")
    assert moved.returncode == 0, moved.stdout[-4000:]
    assert f"Moved 2 collections (alice, bob) from {old} to {new}" in said(moved)
    server.data_dir = new
    assert deployed_nas.collections(new) == ["alice", "bob"]
    assert not (deployed_nas.home / "volumes" / old.lstrip("/")).exists()
    deployed_nas.assert_serves_every_users_notes(server.endpoint)
    deployed_nas.assert_serves_every_users_notes()
