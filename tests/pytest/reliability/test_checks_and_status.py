"""Issue 29, cases 5, 7, 8, 10 and 11 against one simulated NAS deployed by site.yml (the suite's deployed_nas):
what needs a DSM read is checked before the first change, messages name the variable that is wrong, status.yml
tells the truth, renamed tasks leave nothing behind, and an interrupted run leaves no secret on the NAS. Every
test leaves the NAS serving every user's notes."""

import os
import re
import shutil

import pytest
from reliability_nas import backup_now, status_of_hosts
from simnas.runner import ROOT, play_recap

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
    backed_up = backup_now(deployed_nas)
    assert backed_up.returncode == 0, backed_up.stdout[-3000:]
    deployed_nas.wait_healthy()  # the snapshot job restarted the server

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
        assert backup_now(deployed_nas, snapshot=False).returncode == 0
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
        backed_up = backup_now(deployed_nas)
        assert backed_up.returncode == 0, backed_up.stdout[-3000:]
        deployed_nas.wait_healthy()
    _returncode, lines = status(deployed_nas, method="container_manager")
    assert line(lines, "snapshots: ").startswith("snapshots: 2 of 2 collections, oldest "), lines
    assert not [text for text in problems(lines) if "snapshot" in text], lines
    deployed_nas.assert_serves_every_users_notes()
