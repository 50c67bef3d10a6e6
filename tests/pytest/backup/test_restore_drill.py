"""The restore drill on the real sync server container, with a real Anki client: sync notes, back up (snapshot
and Hyper Backup on the simulated NAS), wipe the data and the container, restore, redeploy, download."""

import contextlib
import json
import secrets
import shutil
import sys
import uuid
from pathlib import Path

import docker
import pytest
from anki.collection import Collection
from harness import anki_client
from harness.runner import ROOT, run_playbook
from hyper_backup_helpers import share
from simnas.server import free_port

pytestmark = pytest.mark.docker

PLAYBOOKS = Path(__file__).parent / "playbooks"
DATA_DIR = "/volume1/docker/anki-server"
PYTHON = sys.executable


@pytest.fixture(params=["docker", "container_manager"])
def drill(request, dsm, anki_server_images, tmp_path):
    """Variables of a NAS with a sync server container of its own, by each deploy method; removes what it started."""
    share(dsm, "docker")
    share(dsm, "backups")
    nas = dsm
    suffix = uuid.uuid4().hex[:10]
    port = free_port()
    password = "alice-" + secrets.token_hex(6)
    variables = {
        "dsm_url": nas.url,
        "dsm_username": "admin",
        "dsm_password": nas.password,
        "dsm_ca_path": nas.ca_path,
        "anki_sync_server_users": [{"name": "alice", "password": password}],
        "anki_sync_server_hash_iterations": 1000,
        "anki_sync_server_container_name": f"ankinas-test-drill-{suffix}",
        "anki_sync_server_network": f"ankinas-test-drill-{suffix}",
        "anki_sync_server_host_port": port,
        "data_folder_path": DATA_DIR,
        "anki_sync_server_volume_root": str(nas.home / "volumes"),
        "anki_sync_server_check_host": "127.0.0.1",
        "hyper_backup_volume_root": str(nas.home / "volumes"),
        "hyper_backup_become": False,
        "hyper_backup_snapshot_container": f"ankinas-test-drill-{suffix}",
        # The docker method's file steps run on "localhost", this machine (in the NAS's folders, the test's own):
        # with its Python and its docker CLI. Root tasks run in the NAS (its python3, its /usr/local/bin/docker).
        "hyper_backup_python": PYTHON,
        "hyper_backup_docker_command": shutil.which("docker"),
        "restore_drill_hosts": "localhost",
        "anki_sync_server_deploy_method": request.param,
    }
    inventory = "localhost,"
    if request.param == "container_manager":
        # DSM credentials alone: the NAS host refuses SSH (port 9), so any task that tried to reach it would fail;
        # the project uses the NAS's own paths and the drill's file steps run as root in Task Scheduler tasks.
        del variables["anki_sync_server_volume_root"]
        variables.update(hyper_backup_python="python3", hyper_backup_docker_command="/usr/local/bin/docker")
        inventory = str(tmp_path / "hosts.ini")
        Path(inventory).write_text(f"nas ansible_host=127.0.0.1 ansible_port=9 ansible_python_interpreter={PYTHON}\n")
        variables["restore_drill_hosts"] = "nas"
    yield {
        "vars": variables,
        "password": password,
        "endpoint": f"http://127.0.0.1:{port}/",
        "nas": nas,
        "inventory": inventory,
        "method": request.param,
    }
    client = docker.from_env()
    name = f"ankinas-test-drill-{suffix}"
    with contextlib.suppress(docker.errors.NotFound):
        client.containers.get(name).remove(force=True, v=True)
    for network in client.networks.list(names=[name]):
        network.remove()
    client.close()


def play(path, drill, tags="", **extra):
    env = {"ANSIBLE_ROLES_PATH": str(Path(ROOT) / "roles")}
    if tags:
        env["ANSIBLE_RUN_TAGS"] = tags
    result = run_playbook(path, dict(drill["vars"], **extra), env=env, inventory=drill["inventory"])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


def test_restore_drill_brings_back_the_backed_up_notes(drill, tmp_path):
    variables, endpoint, nas = drill["vars"], drill["endpoint"], drill["nas"]
    play(PLAYBOOKS / "deploy.yml", drill)
    (snapshot_task,) = nas.state()["state"]["scheduled_tasks"].values()
    assert (snapshot_task["schedule"]["hour"], snapshot_task["schedule"]["minute"]) == (2, 45)
    assert "snapshot" in snapshot_task["extra"]["script"]

    # alice syncs notes; they are backed up (snapshot with the server stopped for a moment, then Hyper Backup)
    notes = anki_client.generate_notes(20, prefix="kept")
    local = anki_client.make_collection(tmp_path / "alice", notes)
    assert anki_client.sync(local, "alice", drill["password"], endpoint) == "full upload"
    # without SSH the snapshot is the Task Scheduler task, run and waited for (the backup role alone: the server is
    # deployed)
    play(
        PLAYBOOKS / "deploy.yml", drill, tags="hyper_backup", hyper_backup_snapshot_now=True, hyper_backup_run_now=True
    )

    # later notes are not in that backup
    later = anki_client.generate_notes(5, prefix="after the backup")
    col_notes = anki_client.make_collection(tmp_path / "later", [])  # a second client adds them
    assert anki_client.sync(col_notes, "alice", drill["password"], endpoint) == "full download"
    col = Collection(col_notes)
    for front, back in later:
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = front, back
        col.add_note(note, col.decks.id("Default"))
    col.close()
    anki_client.sync(col_notes, "alice", drill["password"], endpoint)  # an incremental sync
    assert len(anki_client.download_notes("alice", drill["password"], endpoint)) == 25

    # without the confirmation the drill changes nothing
    refused = run_playbook(
        PLAYBOOKS.parents[3] / "playbooks" / "restore_drill.yml", variables, inventory=drill["inventory"]
    )
    assert refused.returncode != 0 and "restore_drill_confirm=true" in refused.stdout

    if drill["method"] == "container_manager":  # a version that is not there: told by the script's exit code
        missing = run_playbook(
            PLAYBOOKS.parents[3] / "playbooks" / "restore_drill.yml",
            dict(variables, restore_drill_confirm=True, restore_drill_backup_first=False, restore_drill_version="v0"),
            env={"ANSIBLE_ROLES_PATH": str(Path(ROOT) / "roles")},
            inventory=drill["inventory"],
        )
        assert missing.returncode != 0 and "Nothing to restore: no version v0" in missing.stdout, missing.stdout[-5000:]
        assert "The sync server runs again on the data as it was" in missing.stdout
        assert len(anki_client.download_notes("alice", drill["password"], endpoint)) == 25

    # two earlier drills' copies of the data (full copies each): only the newest two copies stay after this drill
    volume = nas.home / "volumes" / "volume1" / "docker"
    for stamp in ("20250101T000000Z", "20250201T000000Z"):
        (volume / f"anki-server.before-restore-{stamp}").mkdir()

    # the drill: no new backup, the latest version, the container and the data wiped, restore, redeploy
    result = play(
        PLAYBOOKS.parents[3] / "playbooks" / "restore_drill.yml",
        drill,
        restore_drill_confirm=True,
        restore_drill_backup_first=False,
    )
    if drill["method"] == "docker":
        assert "from: snapshot" in result.stdout  # each user's snapshot replaced the live database's copy
    else:  # the one-shot root tasks are gone; the snapshot task stays
        assert [task["name"] for task in nas.state()["state"]["scheduled_tasks"].values()] == [snapshot_task["name"]]
    moved = sorted(path for path in volume.iterdir() if path.name.startswith("anki-server.before-restore-"))
    assert [path.name for path in moved][:1] == ["anki-server.before-restore-20250201T000000Z"], moved
    assert len(moved) == 2 and (moved[1] / "alice" / "collection.anki2").exists()
    restored = volume / "anki-server" / "alice"
    assert (restored / "collection.snapshot.anki2").stat().st_uid == 1000

    # a fresh client downloads exactly the backed-up notes
    assert anki_client.download_notes("alice", drill["password"], endpoint) == sorted(notes)
    assert drill["password"] not in json.dumps(nas.state())
