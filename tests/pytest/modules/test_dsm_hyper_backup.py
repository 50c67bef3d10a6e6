"""dsm_hyper_backup, run as Ansible runs it, against the simulated DSM (real folders, real copies)."""

import pytest
from harness.runner import run_module
from hyper_backup_helpers import share

SOURCE = "/volume1/docker/anki-server"
LOCAL = {"type": "image_local", "share": "backups"}
NIGHTLY = {"frequency": "daily", "time": "03:00"}
KEEP_30 = {"policy": "versions", "max_versions": 30}


def hyper_backup(dsm, check=False, diff=True, **args):
    args.setdefault("name", "anki")
    return run_module("dsm_hyper_backup", dsm.connection(**args), check=check, diff=diff)


def writes(dsm):
    return dsm.counters()["writes"]


def tasks(dsm):
    return dsm.state()["state"].get("hyper_backup", {}).get("tasks", {})


def versions_dir(dsm, task):
    return dsm.home / "volumes" / "volume1" / "backups" / task["target_id"]


@pytest.mark.unverified_contract(
    reason="Hyper Backup Task.set schedule and rotate_params payloads: no public capture (dsm-webapi.md §4.4)"
)
def test_create_check_mode_apply_and_rerun_without_writes(dsm_with_shares):
    args = dict(sources=[SOURCE], destination=LOCAL, schedule=NIGHTLY, retention=KEEP_30)

    checked = hyper_backup(dsm_with_shares, check=True, **args)
    assert not checked.failed, checked.get("msg")
    assert checked["changed"] and checked["operation"] == "create"
    assert checked["backup_task"]["sources"] == ["/docker/anki-server"]
    assert writes(dsm_with_shares) == {} and tasks(dsm_with_shares) == {}

    created = hyper_backup(dsm_with_shares, **args)
    assert not created.failed, created.get("msg")
    assert created["changed"] and created["operation"] == "create"
    task = created["backup_task"]
    assert task["sources"] == ["/docker/anki-server"]
    assert task["destination"] == {"type": "image_local", "share": "backups", "share_path": "/volume1/backups"}
    assert task["schedule"] == {
        "enabled": True,
        "frequency": "daily",
        "time": "03:00",
        "weekdays": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    }
    assert task["retention"] == {"enabled": True, "policy": "versions", "max_versions": 30}
    assert created["diff"]["before"] == {} and created["diff"]["after"] == task
    # the verified three calls, then one Task.set for the (unverified) schedule and retention
    assert writes(dsm_with_shares) == {
        "SYNO.Backup.Repository.create": 1,
        "SYNO.Backup.Task.create": 1,
        "SYNO.Backup.Task.set": 1,
    }
    assert dsm_with_shares.counters()["reads"]["SYNO.Backup.Target.get_candidate_dir"] == 1
    stored = tasks(dsm_with_shares)[str(task["task_id"])]
    assert stored["source"] == ["/docker/anki-server"]
    assert stored["schedule"]["schedule_enable"] is True and stored["schedule"]["schedule"]["hour"] == 3
    assert stored["rotate_params"] == {"enable_rotate": True, "rotate_condition": [0, 30]}
    assert versions_dir(dsm_with_shares, task).is_dir()

    dsm_with_shares.reset_counters()
    again = hyper_backup(dsm_with_shares, **args)
    assert again["changed"] is False and "operation" not in again
    assert again["diff"]["before"] == again["diff"]["after"]
    assert writes(dsm_with_shares) == {}


def test_create_when_task_create_answers_an_empty_body(dsm_with_shares):
    dsm_with_shares.faults(backup_task_create_empty_body=True)
    created = hyper_backup(dsm_with_shares, sources=["/docker/anki-server"], destination=LOCAL)
    assert not created.failed, created.get("msg")
    assert created["changed"] and created["backup_task"]["task_id"] == 1
    assert writes(dsm_with_shares)["SYNO.Backup.Task.create"] == 1  # found by listing, not created twice


@pytest.mark.unverified_contract(
    reason="Hyper Backup Task.set schedule and rotate_params payloads: no public capture (dsm-webapi.md §4.4)"
)
def test_change_sources_schedule_and_retention(dsm_with_shares):
    share(dsm_with_shares, "media")
    hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL, schedule=NIGHTLY, retention=KEEP_30)
    dsm_with_shares.reset_counters()

    changed = hyper_backup(
        dsm_with_shares,
        sources=[SOURCE, "/media"],
        destination=LOCAL,
        schedule={"frequency": "weekly", "weekdays": ["thu", "mon"], "time": "4:30"},
        retention={"policy": "smart_recycle", "max_versions": 10},
    )
    assert not changed.failed, changed.get("msg")
    assert changed["operation"] == "update"
    assert changed["changed_keys"] == ["sources", "schedule", "retention"]
    task = changed["backup_task"]
    assert task["sources"] == ["/docker/anki-server", "/media"]
    assert task["schedule"] == {"enabled": True, "frequency": "weekly", "time": "04:30", "weekdays": ["mon", "thu"]}
    assert task["retention"] == {"enabled": True, "policy": "smart_recycle", "max_versions": 10}
    assert changed["diff"]["before"]["schedule"]["frequency"] == "daily"
    assert writes(dsm_with_shares) == {"SYNO.Backup.Task.set": 1}
    stored = tasks(dsm_with_shares)[str(task["task_id"])]
    assert stored["schedule"]["schedule"]["week_name"] == "1,4"
    assert stored["rotate_params"]["rotate_condition"] == [1, 10]

    # schedule and retention left out: the module leaves them alone; turning the schedule off keeps its time
    off = hyper_backup(dsm_with_shares, sources=[SOURCE, "/media"], destination=LOCAL, schedule={"enabled": False})
    assert off["changed_keys"] == ["schedule"]
    assert off["backup_task"]["schedule"] == dict(task["schedule"], enabled=False)
    assert off["backup_task"]["retention"] == task["retention"]
    dsm_with_shares.reset_counters()
    assert (
        hyper_backup(dsm_with_shares, sources=["/media", SOURCE], destination=LOCAL, schedule={"enabled": False})[
            "changed"
        ]
        is False
    )
    assert writes(dsm_with_shares) == {}


def test_check_mode_update_changes_nothing(dsm_with_shares):
    hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL, retention=KEEP_30)
    dsm_with_shares.reset_counters()
    checked = hyper_backup(
        dsm_with_shares, check=True, sources=[SOURCE], destination=LOCAL, retention={"max_versions": 5}
    )
    assert checked["changed"] and checked["changed_keys"] == ["retention"]
    assert checked["backup_task"]["retention"]["max_versions"] == 5
    assert writes(dsm_with_shares) == {}
    assert (
        hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL)["backup_task"]["retention"]["max_versions"]
        == 30
    )


def test_absent_twice_keeps_the_backup_data(dsm_with_shares):
    task = hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL)["backup_task"]
    checked = hyper_backup(dsm_with_shares, check=True, state="absent")
    assert checked["changed"] and checked["operation"] == "delete" and len(tasks(dsm_with_shares)) == 1

    deleted = hyper_backup(dsm_with_shares, state="absent")
    assert deleted["changed"] and deleted["operation"] == "delete" and deleted["backup_task"] == {}
    assert deleted["diff"]["before"]["task_id"] == task["task_id"]
    assert tasks(dsm_with_shares) == {}
    assert versions_dir(dsm_with_shares, task).is_dir()  # remove_data defaults to false

    dsm_with_shares.reset_counters()
    again = hyper_backup(dsm_with_shares, state="absent")
    assert not again.failed and again["changed"] is False
    assert writes(dsm_with_shares) == {}


def test_run_now_waits_for_a_real_backup_and_applies_the_retention(dsm_with_shares):
    args = dict(sources=[SOURCE], destination=LOCAL, retention={"max_versions": 2}, run_now=True)
    dsm_with_shares.faults(slow_backup={"seconds": 1.5})
    first = hyper_backup(dsm_with_shares, **args)
    assert not first.failed, first.get("msg")
    run = first["backup_run"]
    assert run["started"] and run["waited"] and run["result"] == "done" and run["status"] == "none"
    assert first["backup_task"]["last_backup"]["result"] == "done"
    root = versions_dir(dsm_with_shares, first["backup_task"])
    (version,) = sorted(root.iterdir())
    assert (version / "docker" / "anki-server" / "alice" / "collection.anki2").read_bytes() == b"collection of alice"

    # a rerun with run_now reports a change (it starts a backup) but writes nothing to the task
    dsm_with_shares.reset_counters()
    for _attempt in range(2):
        again = hyper_backup(dsm_with_shares, **args)
        assert again["changed"] and "operation" not in again and again["backup_run"]["result"] == "done"
    assert writes(dsm_with_shares) == {"SYNO.Backup.Task.backup": 2}
    kept = sorted(path.name for path in root.iterdir())
    assert len(kept) == 2 and version.name not in kept  # max_versions 2: the oldest is gone


def test_run_now_fails_naming_a_backup_that_did_not_succeed(dsm_with_shares):
    # The backup ends with "fail" (its destination directory is a file): the module, and so the role's run_now, fails.
    created = hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL)
    assert not created.failed, created.get("msg")
    target = versions_dir(dsm_with_shares, created["backup_task"])
    if target.exists():
        target.rmdir()
    target.write_text("not a directory")
    failed = hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL, run_now=True)
    assert failed.failed
    assert "the backup of 'anki' ended with result 'fail'" in failed["msg"], failed.get("msg")


def test_run_now_in_check_mode_starts_nothing(dsm_with_shares):
    hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL)
    dsm_with_shares.reset_counters()
    checked = hyper_backup(dsm_with_shares, check=True, sources=[SOURCE], destination=LOCAL, run_now=True)
    assert checked["changed"] and checked["backup_run"]["started"] is False
    assert writes(dsm_with_shares) == {}


def test_missing_destination_share_fails_clearly_before_any_write(dsm_with_shares):
    result = hyper_backup(dsm_with_shares, sources=[SOURCE], destination={"share": "nowhere"})
    assert result.failed
    assert "destination.share 'nowhere' does not exist on the NAS" in result["msg"]
    assert "dsm_shared_folder" in result["msg"]
    assert writes(dsm_with_shares) == {}


def test_sources_are_resolved_by_listing_shares(dsm_with_shares):
    wrong_volume = hyper_backup(dsm_with_shares, sources=["/volume2/docker/anki-server"], destination=LOCAL)
    assert wrong_volume.failed
    assert "'docker' on /volume2, but that shared folder is on /volume1" in wrong_volume["msg"]
    unknown = hyper_backup(dsm_with_shares, sources=["/nope/dir", "/volume1"], destination=LOCAL)
    assert "names the shared folder 'nope', which does not exist" in unknown["msg"]
    assert "/volume1 is a whole volume" in unknown["msg"]
    assert writes(dsm_with_shares) == {}


def test_destination_cannot_move(dsm_with_shares):
    share(dsm_with_shares, "other")
    hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL)
    moved = hyper_backup(dsm_with_shares, sources=[SOURCE], destination={"share": "other"})
    assert moved.failed and "destination.share differ" in moved["msg"] and "state=absent" in moved["msg"]


def test_remote_destination_masks_the_password(dsm_with_shares):
    remote = {
        "type": "image_remote",
        "host": "127.0.0.1",
        "share": "backups",
        "account": "admin",
        "password": dsm_with_shares.password,
    }
    created = hyper_backup(dsm_with_shares, name="offsite", sources=[SOURCE], destination=remote, run_now=True)
    assert not created.failed, created.get("msg")
    destination = created["backup_task"]["destination"]
    assert destination["type"] == "image_remote" and destination["host"] == "127.0.0.1"
    assert destination["password"] == "********"
    assert dsm_with_shares.password not in created.stdout + created.stderr
    assert created["backup_run"]["result"] == "done"
    assert hyper_backup(dsm_with_shares, name="offsite", sources=[SOURCE], destination=remote)["changed"] is False

    wrong = dict(remote, password="not-the-password")
    refused = hyper_backup(dsm_with_shares, name="offsite2", sources=[SOURCE], destination=wrong)
    assert refused.failed and "Hyper Backup cannot use the destination" in refused["msg"]
    assert "destination.password" in refused["msg"] and "not-the-password" not in refused.stdout


def test_unreachable_remote_fails_clearly(dsm_with_shares):
    remote = {
        "type": "image_remote",
        "host": "192.0.2.1",
        "port": 6281,
        "share": "vault",
        "account": "hb",
        "password": "vault-secret-pw",
    }
    result = hyper_backup(dsm_with_shares, sources=[SOURCE], destination=remote)
    assert result.failed
    assert "Hyper Backup cannot use the destination" in result["msg"] and "destination.host" in result["msg"]
    assert writes(dsm_with_shares) == {}


def test_input_is_checked_before_any_call(dsm_with_shares):
    dsm_with_shares.reset_counters()
    bad = hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL, schedule={"frequency": "weekly"})
    assert bad.failed and "schedule.weekdays" in bad["msg"]
    bad = hyper_backup(dsm_with_shares, sources=[SOURCE], destination=LOCAL, schedule={"time": "25:00"})
    assert bad.failed and "schedule.time must be a time of day HH:MM" in bad["msg"]
    bad = hyper_backup(dsm_with_shares, sources=[SOURCE], destination={"type": "image_remote", "share": "x"})
    assert bad.failed and "destination.host" in bad["msg"]
    bad = hyper_backup(dsm_with_shares, state="absent", run_now=True)
    assert bad.failed and "run_now" in bad["msg"]
    assert dsm_with_shares.counters()["reads"] == {} and writes(dsm_with_shares) == {}


def test_a_rejected_schedule_fails_only_that_step_and_the_next_run_retries_only_it(dsm_with_shares):
    dsm_with_shares.faults(backup_task_set_reject={"count": 1, "code": 4400})
    args = dict(sources=[SOURCE], destination=LOCAL, schedule=NIGHTLY, retention=KEEP_30)
    failed = hyper_backup(dsm_with_shares, **args)
    assert failed.failed
    assert (
        "the Hyper Backup task 'anki' was created (task_id 1); only setting its schedule and retention failed"
        in (failed["msg"])
    )
    assert "SYNO.Backup.Task set failed: DSM error 4400" in failed["msg"]
    assert [task["name"] for task in tasks(dsm_with_shares).values()] == ["anki"]

    dsm_with_shares.reset_counters()
    retried = hyper_backup(dsm_with_shares, **args)
    assert not retried.failed, retried.get("msg")
    assert retried["operation"] == "update" and retried["changed_keys"] == ["schedule", "retention"]
    assert writes(dsm_with_shares) == {"SYNO.Backup.Task.set": 1}
    assert len(tasks(dsm_with_shares)) == 1
