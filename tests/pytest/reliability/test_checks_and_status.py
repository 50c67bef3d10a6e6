"""Issue 29, cases 5, 7, 8, 10 and 11 against one simulated NAS deployed by site.yml (the suite's deployed_nas):
what needs a DSM read is checked before the first change, messages name the variable that is wrong, status.yml
tells the truth, renamed tasks leave nothing behind, and an interrupted run leaves no secret on the NAS. Every
test leaves the NAS serving every user's notes."""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from harness.runner import ROOT, _env, play_recap, run_module, run_playbook
from reliability_nas import backup_through_dsm, snapshot_through_dsm, status_of_hosts
from simnas import sshnas
from simnas.server import free_port
from simnas.waiting import wait_until

pytestmark = pytest.mark.docker
DEMO = str(ROOT / "inventories" / "demo")
#: a controller on US time (the NAS simulated in Tokyo, its default zone): the two wall clocks are 17 h apart
CONTROLLER_ON_US_TIME = {"TZ": "America/Los_Angeles"}


def assert_stopped_before_any_change(deployed_nas, process, container_id, data):
    assert process.returncode != 0, process.stdout[-3000:]
    assert deployed_nas.dsm_writes() == {}
    assert deployed_nas.container().id == container_id
    assert deployed_nas.data_snapshot() == data
    assert play_recap(process, "simnas")["changed"] == 0, process.stdout[-3000:]


# --- case 10: messages that name what is wrong -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "named", "not_said"),
    [
        (
            {"hyper_backup_schedule_frequency": "weekly", "hyper_backup_schedule_weekdays": []},
            "hyper_backup_schedule_weekdays is empty",
            "must be HH:MM",
        ),
        ({"hyper_backup_schedule_time": "25:00"}, "hyper_backup_schedule_time must be a time of day HH:MM", "weekdays"),
        (
            {"hyper_backup_schedule_frequency": "weekly", "hyper_backup_schedule_weekdays": ["monday"]},
            "hyper_backup_schedule_weekdays: 'monday' is not a day",
            "must be HH:MM",
        ),
    ],
    ids=["weekly-without-days", "daily-at-25:00", "weekly-monday"],
)
def test_a_wrong_schedule_is_named(deployed_nas, overrides, named, not_said):
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    deployed_nas.reset_dsm_counters()
    process = deployed_nas.site(**overrides)
    assert named in process.stdout, process.stdout[-3000:]
    failure = process.stdout[process.stdout.index(named) - 300 :]
    assert not_said not in failure.split("PLAY RECAP")[0], failure
    assert_stopped_before_any_change(deployed_nas, process, container_id, data)


def test_a_password_ansible_reads_as_a_template_is_named_with_the_way_to_write_it(deployed_nas):
    # Ansible templates every string of the inventory: a password with {{ }} is an expression to it.
    users = [dict(user) for user in deployed_nas.overrides["anki_sync_server_users"]]
    users[1]["password"] = "bob{{ secretpart }}tail"
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    deployed_nas.reset_dsm_counters()
    process = deployed_nas.site(anki_sync_server_users=users)
    assert "anki_sync_server_users[1].password (user 'bob')" in process.stdout, process.stdout[-3000:]
    assert "!unsafe" in process.stdout and "{% raw %}" in process.stdout
    for part in ("secretpart", "}}tail", "bob{{"):
        assert part not in process.stdout, process.stdout[-3000:]
    assert_stopped_before_any_change(deployed_nas, process, container_id, data)


# --- case 5: what only DSM can check is checked before the first change -------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"reverse_proxy_certificate": "anki.example.org"}, "reverse_proxy_certificate: no DSM certificate"),
        ({"hyper_backup_destination_share": "elsewhere"}, "hyper_backup_destination_share"),
    ],
    ids=["unknown-certificate", "backup-task-bound-elsewhere"],
)
def test_values_that_need_a_dsm_read_stop_the_run_before_the_first_change(deployed_nas, overrides, named):
    # A new user in the same run: the container would be replaced first if nothing checked DSM before.
    users = [*deployed_nas.overrides["anki_sync_server_users"], {"name": "carol", "password": "carol-checked-1"}]
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    deployed_nas.reset_dsm_counters()
    process = deployed_nas.site(anki_sync_server_users=users, **overrides)
    assert named in process.stdout, process.stdout[-3000:]
    assert "Nothing was changed" in process.stdout, process.stdout[-3000:]
    assert_stopped_before_any_change(deployed_nas, process, container_id, data)
    deployed_nas.assert_serves_every_users_notes()


# --- case 7: status.yml tells the truth ---------------------------------------------------------------------------
def status(deployed_nas, method="docker", **extra):
    """The status playbook from a controller on US time: (exit code, the report's lines)."""
    env = dict(deployed_nas.env, ANKINAS_DEPLOY_METHOD=method, **CONTROLLER_ON_US_TIME)
    returncode, lines, _changed = status_of_hosts(dict(deployed_nas.overrides, **extra), DEMO, env)
    return returncode, lines["simnas"]


def line(lines, start):
    (found,) = [text for text in lines if text.startswith(start)]
    return found


def problems(lines):
    return [text for text in lines if text.startswith("PROBLEM")]


def test_status_counts_on_the_nas_clock_and_names_each_collection_without_a_snapshot(deployed_nas):
    # The night's jobs, run through DSM: every user's snapshot (the job restarts the server), then a backup.
    snapshot_through_dsm(deployed_nas)
    assert backup_through_dsm(deployed_nas) == "done"

    # The NAS writes its times in Tokyo, the controller reads them on US time: the age is counted on the NAS.
    returncode, lines = status(deployed_nas)
    assert returncode == 0, lines
    backup = line(lines, "last backup: ")
    assert " NAS time (Tokyo, UTC+9), done (" in backup, backup
    hours = float(re.search(r"done \((-?[0-9.]+) h ago\)", backup).group(1))
    assert 0 <= hours < 1, backup
    assert line(lines, "snapshots: ").startswith("snapshots: 2 of 2 collections, oldest "), lines

    # A third collection without a snapshot (7 of 8 were reported healthy), and an old snapshot: one line each.
    carol = deployed_nas.data_dir / "carol"
    carol.mkdir()
    shutil.copy(deployed_nas.data_dir / "alice" / "collection.anki2", carol / "collection.anki2")
    alice_snapshot = deployed_nas.data_dir / "alice" / "collection.snapshot.anki2"
    fresh = alice_snapshot.stat().st_mtime
    os.utime(alice_snapshot, (fresh - 50 * 3600, fresh - 50 * 3600))
    try:
        returncode, lines = status(deployed_nas)
        assert returncode != 0
        assert line(lines, "snapshots: ").startswith("snapshots: 2 of 3 collections, oldest 50."), lines
        data = "/volume1/docker/anki-server"  # as the NAS names it
        assert sorted(problems(lines)) == [
            f"PROBLEM: no snapshot of the collection of carol ({data}/carol/collection.anki2)",
            f"PROBLEM: the snapshot of the collection of alice is 50.0 h old ({data}/alice/collection.snapshot.anki2)",
        ], lines
    finally:
        shutil.rmtree(carol)
        os.utime(alice_snapshot, (fresh, fresh))

    # The NAS's clock moves 17 h on (its zone goes from Pacific to Tokyo after a backup): the backup it recorded is
    # 17 h old on its clock, whatever the controller's clock says.
    deployed_nas.behaviours(time_zone="Pacific")
    try:
        assert backup_through_dsm(deployed_nas) == "done"
        deployed_nas.behaviours(time_zone="Tokyo")
        returncode, lines = status(deployed_nas, status_backup_max_age_hours=12)
        assert returncode != 0
        assert problems(lines) == ["PROBLEM: the last backup is 17.0 h old"], lines
    finally:
        deployed_nas.behaviours(time_zone="Tokyo")
    deployed_nas.assert_serves_every_users_notes()


def test_status_reads_the_snapshots_over_ssh_also_with_container_manager(deployed_nas):
    # Container Manager needs no SSH host, but this inventory has one: the snapshots are read over it.
    if not list(deployed_nas.data_dir.glob("*/collection.snapshot.anki2")):
        snapshot_through_dsm(deployed_nas)
    _returncode, lines = status(deployed_nas, method="container_manager")
    assert line(lines, "snapshots: ").startswith("snapshots: 2 of 2 collections, oldest "), lines
    assert not [text for text in problems(lines) if "snapshot" in text], lines
    deployed_nas.assert_serves_every_users_notes()


# --- case 8: a renamed task leaves nothing behind -----------------------------------------------------------------
def dsm_state(deployed_nas):
    return deployed_nas._control("state")["state"]


def backup_tasks(deployed_nas):
    return sorted(task["name"] for task in dsm_state(deployed_nas).get("hyper_backup", {}).get("tasks", {}).values())


def snapshot_jobs(deployed_nas):
    jobs = dsm_state(deployed_nas).get("scheduled_tasks", {}).values()
    return sorted(job["name"] for job in jobs if job["name"].startswith("ankinas-anki-snapshot-"))


def site_backup_only(deployed_nas, **extra):
    return run_playbook(
        ROOT / "playbooks" / "site.yml",
        dict(deployed_nas.overrides, **extra),
        env=dict(deployed_nas.env, ANSIBLE_RUN_TAGS="hyper_backup"),
        inventory=DEMO,
    )


def test_a_renamed_backup_task_leaves_no_old_task_or_snapshot_job(deployed_nas):
    assert backup_tasks(deployed_nas) == ["anki"] and snapshot_jobs(deployed_nas) == ["ankinas-anki-snapshot-anki"]
    destination = deployed_nas.home / "volumes" / "volume1" / "backups"
    kept = sorted(path.name for path in destination.iterdir())
    # Two renames: from the default name, then back from a name of the user's (the role finds what it made by the
    # prefix and the script's marker, whatever the earlier name was).
    try:
        renamed = site_backup_only(deployed_nas, hyper_backup_task_name="anki-renamed")
        assert renamed.returncode == 0, renamed.stdout[-3000:]
        assert backup_tasks(deployed_nas) == ["anki-renamed"]
        assert snapshot_jobs(deployed_nas) == ["ankinas-anki-snapshot-anki-renamed"]
        assert "made under an earlier hyper_backup_task_name" in renamed.stdout, renamed.stdout[-3000:]

        # A job an earlier name left (as an earlier version of this role would have): status.yml names it, and the
        # next site.yml (the rename back, below) removes it with the renamed task's job.
        options = deployed_nas.dsm_client_options()
        connection = {"dsm_url": options["url"], "dsm_username": options["username"]}
        connection.update(dsm_password=options["password"], dsm_ca_path=options["ca_path"])
        script = (
            "python3 - snapshot /volume1/docker/anki-server <<'ANKINAS_SNAPSHOT_PY'\nprint()\nANKINAS_SNAPSHOT_PY\n"
        )
        old_job = "ankinas-anki-snapshot-anki-old"
        made = run_module("dsm_scheduled_task", dict(connection, name=old_job, script=script))
        assert not made.failed, made.get("msg")
        assert snapshot_jobs(deployed_nas) == ["ankinas-anki-snapshot-anki-old", "ankinas-anki-snapshot-anki-renamed"]
        _returncode, lines = status(deployed_nas, hyper_backup_task_name="anki-renamed")
        assert (
            "PROBLEM: the snapshot jobs of an earlier hyper_backup_task_name still run, with their Hyper Backup tasks: "
            "ankinas-anki-snapshot-anki-old (site.yml removes them)"
        ) in lines, lines
    finally:
        back = site_backup_only(deployed_nas)
        assert back.returncode == 0, back.stdout[-3000:]
    assert backup_tasks(deployed_nas) == ["anki"] and snapshot_jobs(deployed_nas) == ["ankinas-anki-snapshot-anki"]
    assert "made under an earlier hyper_backup_task_name" in back.stdout, back.stdout[-3000:]
    # The old tasks' backups stay at the destination (Hyper Backup can relink them).
    assert set(kept) <= {path.name for path in destination.iterdir()}
    deployed_nas.assert_serves_every_users_notes()


# --- case 11: leftovers -------------------------------------------------------------------------------------------
def test_a_lost_answer_to_the_snapshot_jobs_create_still_removes_the_old_crontab_line(deployed_nas):
    # The job of earlier versions, a line in the NAS's /etc/crontab; the snapshot task about to be made again.
    nas_crontab = nas_shell(deployed_nas, "cat /etc/crontab").stdout
    assert "synoschedtask --run id=1" in nas_crontab  # DSM's own line
    legacy = "45 2 * * * root python3 /volume1/docker/ankinas-tools/anki_snapshot.py # ankinas-anki-snapshot:anki"
    assert nas_shell(deployed_nas, f"echo {shlex.quote(legacy)} >> /etc/crontab").returncode == 0
    client = DSMClient(**deployed_nas.dsm_client_options())
    try:
        (job,) = [
            job
            for job in dsm_state(deployed_nas)["scheduled_tasks"].values()
            if job["name"] == "ankinas-anki-snapshot-anki"
        ]
        client.call(
            "SYNO.Core.TaskScheduler",
            "delete",
            {"tasks": [{"id": job["id"], "real_owner": "root"}]},
            version=2,
            write=True,
        )
    finally:
        client.close()
    assert snapshot_jobs(deployed_nas) == []
    # DSM makes the task and its answer is lost on the way back (a proxy's 504).
    deployed_nas._control(
        "faults", "POST", {"next_create_504_html": {"count": 1, "api": "SYNO.Core.TaskScheduler.Root"}}
    )
    first = site_backup_only(deployed_nas)
    rerun = site_backup_only(deployed_nas)
    left = nas_shell(deployed_nas, "cat /etc/crontab").stdout
    assert left == nas_crontab, (left, first.stdout[-2000:], rerun.stdout[-2000:])
    assert first.returncode == 0, first.stdout[-3000:]
    assert snapshot_jobs(deployed_nas) == ["ankinas-anki-snapshot-anki"]
    assert rerun.returncode == 0 and play_recap(rerun, "simnas")["changed"] == 0, rerun.stdout[-3000:]


def nas_shell(deployed_nas, command):
    """Runs command as root in the simulated NAS's SSH host (its own file system, not this machine's)."""
    name = sshnas.container_name(deployed_nas.home)
    return subprocess.run(["docker", "exec", name, "sh", "-c", command], capture_output=True, text=True, check=False)


def test_ctrl_c_leaves_no_password_or_hash_on_the_nas(deployed_nas):
    """The users' passwords reach the NAS in the login check's arguments, their hashes in the container's; Ansible
    wrote a module's arguments into a file of the account's remote tmp, which an interrupted run never removes."""
    secrets = [user["password"] for user in deployed_nas.overrides["anki_sync_server_users"]]
    secrets += [
        item.split(":", 1)[1]
        for item in deployed_nas.container().attrs["Config"]["Env"]
        if item.startswith("SYNC_USER")
    ]
    # The login check waits for a server on a port where none answers, so it is still running when Ctrl-C comes.
    extra = dict(deployed_nas.overrides, anki_sync_server_host_port=free_port(), status_login_timeout=40)
    env = _env(dict(deployed_nas.env, ANKINAS_DEPLOY_METHOD="docker"))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = ["ansible-playbook", str(ROOT / "playbooks" / "status.yml"), "-i", DEMO, "-e", json.dumps(extra)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # The module runs on the NAS once its payload is unpacked there (a directory of code, no arguments).
        wait_until(
            lambda: nas_shell(deployed_nas, "ls -d /tmp/ansible_*anki_sync_login_payload_*").returncode == 0,
            120,
            "the login check running on the NAS",
        )
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert "User interrupted execution" in output, output[-3000:]
    for secret in secrets:
        found = nas_shell(
            deployed_nas, f"grep -rlF -- {shlex.quote(secret)} /tmp /var/tmp /root /home /var/services 2>/dev/null"
        )
        assert found.stdout == "", f"a secret is left on the NAS in {found.stdout}"
