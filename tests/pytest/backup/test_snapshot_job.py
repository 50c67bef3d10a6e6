"""The hyper_backup role's snapshot job on a weekly schedule, through the DSM Web API alone: DSM's weekly repeat
(repeat_date 1002 on the chosen days; 1001 would run it every day), and a rerun changes nothing."""

from pathlib import Path

from harness.runner import ROOT, play_recap, run_playbook

PLAYBOOK = Path(__file__).parent / "playbooks" / "snapshot_job.yml"


def test_a_weekly_snapshot_job_is_stored_as_dsm_weekly_repeat_and_reruns_without_writes(dsm):
    variables = {
        "dsm_url": dsm.url,
        "dsm_username": "admin",
        "dsm_password": dsm.password,
        "dsm_ca_path": dsm.ca_path,
        "hyper_backup_over_ssh": False,
        "hyper_backup_schedule_frequency": "weekly",
        "hyper_backup_schedule_weekdays": ["sat", "wed"],
        "hyper_backup_schedule_time": "03:00",
    }
    env = {"ANSIBLE_ROLES_PATH": str(Path(ROOT) / "roles")}
    first = run_playbook(PLAYBOOK, variables, env=env)
    assert first.returncode == 0, first.stdout[-3000:]
    (job,) = dsm.state()["state"]["scheduled_tasks"].values()  # the one-shot crontab clean-up is gone
    assert job["name"] == "ankinas-anki-snapshot-anki" and job["enable"] is True
    schedule = job["schedule"]
    assert (schedule["repeat_date"], schedule["week_day"], schedule["hour"], schedule["minute"]) == (1002, "3,6", 2, 45)
    assert job["runs_on"] == [3, 6]  # Wednesday and Saturday, 15 minutes before the backup

    dsm.reset_counters()
    again = run_playbook(PLAYBOOK, variables, env=env)
    assert again.returncode == 0, again.stdout[-3000:]
    assert play_recap(again)["changed"] == 0 and dsm.counters()["writes"] == {}, again.stdout[-4000:]
