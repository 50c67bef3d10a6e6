"""dsm_scheduled_task against the simulated Task Scheduler: root scripts that really run, inside the simulated NAS
(its container: its /etc, its /volumeN), never on this machine."""

import time
import uuid
from pathlib import Path

import requests
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from simnas import sshnas
from simnas.runner import run_module

NAME = "ankinas-test-task"


def task(dsm, check=False, **args):
    args.setdefault("name", NAME)
    return run_module("dsm_scheduled_task", dsm.connection(**args), check=check, diff=True)


def stored(dsm):
    return dsm.state()["state"].get("scheduled_tasks", {})


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, "the task's run did not finish in time"
        time.sleep(0.2)
    return found


def finished_run(dsm, task_id):
    """The task's last run once it has ended (a run still going has a start_time and no exit_code yet)."""
    last_run = stored(dsm)[str(task_id)].get("last_run", {})
    return last_run if "exit_code" in last_run else None


def test_schedule_is_checked_before_any_call(dsm):
    for schedule, message in (
        ({"time": "25:00"}, "schedule.time must be HH:MM"),
        ({"frequency": "weekly"}, "schedule.weekdays must list days"),
        ({"frequency": "weekly", "weekdays": ["mon", "funday"]}, "schedule.weekdays must list days"),
    ):
        result = task(dsm, script="true", schedule=schedule)
        assert result.failed and message in result["msg"]
    assert task(dsm)["msg"] == "script is required with state=present"
    assert dsm.counters()["logins_attempted"] == 0


def test_create_rerun_update_run_and_delete(dsm):
    marker = dsm.home / "volumes" / "volume1" / "ran-as"
    (dsm.home / "volumes" / "volume1").mkdir(parents=True, exist_ok=True)
    script = "id -u > /volume1/ran-as"
    checked = task(dsm, check=True, script=script, schedule={"time": "02:45"})
    assert checked["changed"] and checked["operation"] == "create" and stored(dsm) == {}
    assert dsm.counters()["writes"] == {}

    created = task(dsm, script=script, schedule={"time": "02:45"})
    assert not created.failed, created.get("msg")
    assert created["task"]["schedule"] == {"frequency": "daily", "time": "02:45", "weekdays": []}
    (saved,) = stored(dsm).values()
    assert (saved["owner"], saved["type"], saved["extra"]["script"]) == ("root", "script", script)
    assert (saved["schedule"]["hour"], saved["schedule"]["minute"], saved["schedule"]["week_day"]) == (
        2,
        45,
        "0,1,2,3,4,5,6",
    )
    # one password confirmation per root write, the password and token sent raw (the simulator refuses JSON literals)
    assert dsm.counters()["writes"] == {
        "SYNO.Core.User.PasswordConfirm.auth": 1,
        "SYNO.Core.TaskScheduler.Root.create": 1,
    }
    assert dsm.password not in created.stdout + created.stderr

    dsm.reset_counters()
    again = task(dsm, script=script, schedule={"time": "02:45"})
    assert again["changed"] is False and dsm.counters()["writes"] == {}

    weekly = {"frequency": "weekly", "time": "02:45", "weekdays": ["sat", "mon"]}
    updated = task(dsm, script=script, schedule=weekly, run_now=True)
    assert updated["operation"] == "update" and updated["changed_keys"] == ["schedule"] and updated["ran"]
    assert updated["task"]["schedule"] == {"frequency": "weekly", "time": "02:45", "weekdays": ["mon", "sat"]}
    assert stored(dsm)[str(saved["id"])]["schedule"]["week_day"] == "1,6"
    # the script ran as root and wrote through the NAS's /volume1
    assert wait_for(lambda: marker.exists() and marker.read_text().strip()) == "0"
    assert wait_for(lambda: finished_run(dsm, saved["id"]))["exit_code"] == 0

    deleted = task(dsm, state="absent")
    assert not deleted.failed, deleted.get("msg")
    assert deleted["changed"] and deleted["task"] == {} and stored(dsm) == {}
    assert task(dsm, state="absent")["changed"] is False


def test_confirmation_is_strict_about_raw_values(dsm):
    """A JSON-quoted password (go-synology's shape) is not the password: the simulator follows the raw clients."""
    session = requests.Session()
    login = DSMClient(**dsm.client_options()).session()
    query = {"_sid": login["sid"], "SynoToken": login["synotoken"]}  # the module's session, the calls by hand

    def confirm(password):
        form = {"api": "SYNO.Core.User.PasswordConfirm", "version": 2, "method": "auth", "password": password}
        return session.post(dsm.http_url + "/webapi/entry.cgi", params=query, data=form, timeout=10).json()

    assert confirm(f'"{dsm.password}"') == {"success": False, "error": {"code": 400}}
    token = confirm(dsm.password)["data"]["SynoConfirmPWToken"]
    form = {
        "api": "SYNO.Core.TaskScheduler.Root",
        "version": 4,
        "method": "create",
        "name": '"x"',
        "owner": '"root"',
        "real_owner": '"root"',
        "type": '"script"',
        "enable": "true",
        "extra": '{"script": "true"}',
        "schedule": '{"date_type": 0, "repeat_date": 1001, "week_day": "0", "hour": 1, "minute": 0}',
        "SynoConfirmPWToken": f'"{token}"',
    }
    assert (
        session.post(dsm.http_url + "/webapi/entry.cgi", params=query, data=form, timeout=10).json()["error"]["code"]
        == 105
    )


def test_one_shot_runs_waits_for_the_result_and_keeps_no_task(dsm):
    (dsm.home / "volumes" / "volume1").mkdir(parents=True, exist_ok=True)
    marker = dsm.home / "volumes" / "volume1" / "one-shot"
    checked = task(dsm, check=True, script="touch /volume1/one-shot", state="once")
    assert checked["changed"] and checked["ran"] and not marker.exists() and dsm.counters()["writes"] == {}

    done = task(dsm, script="sleep 1; touch /volume1/one-shot", state="once")
    # the module returned after the script's end, with DSM's result, and left no task behind
    assert not done.failed, done.get("msg")
    assert marker.exists() and done["run"]["exit_code"] == 0 and done["run"]["exit_type"] == "normal"
    assert done["task"] == {} and stored(dsm) == {}

    failed = task(dsm, script="exit 3", state="once")
    assert failed.failed and "exit code 3" in failed["msg"] and failed["run"]["exit_code"] == 3
    assert stored(dsm) == {}

    # a kept task's run, waited for: the result of this run, not of an earlier one
    assert not task(dsm, script="exit 0", run_now=True, wait=True).failed
    rerun = task(dsm, script="exit 4", run_now=True, wait=True)
    assert rerun.failed and rerun["run"]["exit_code"] == 4 and rerun["operation"] == "update"
    (kept,) = stored(dsm).values()
    assert [run["exit_code"] for run in kept["history"]] == [0, 4]


def test_root_scripts_run_in_the_nas_not_on_this_machine(dsm):
    """A root script's /etc, / and /usr are the simulated NAS's (its container), its /volume1 the NAS's volume: what it
    writes there lands in the NAS, and this machine's /etc, / and crontab are untouched."""
    marker = f"ankinas-test-{uuid.uuid4().hex[:10]}"
    host_crontab = Path("/etc/crontab").read_bytes() if Path("/etc/crontab").exists() else None
    script = (
        f"echo {marker} > /etc/{marker} && mkdir -p /{marker} && echo '# {marker}' >> /etc/crontab"
        f" && echo {marker} > /volume1/{marker}"
    )
    done = task(dsm, name=marker, script=script, state="once")
    assert not done.failed, done.get("msg")
    # nothing on this machine
    assert not Path("/etc", marker).exists() and not Path("/", marker).exists()
    assert (Path("/etc/crontab").read_bytes() if Path("/etc/crontab").exists() else None) == host_crontab
    # all of it in the NAS: its /etc, its root, its crontab, and its volume (the NAS's home on this machine)
    inside = dsm.nas.run(f"cat /etc/{marker} && test -d /{marker} && tail -n 1 /etc/crontab")
    assert inside == (0, f"{marker}\n# {marker}\n"), inside
    assert (dsm.home / "volumes" / "volume1" / marker).read_text() == f"{marker}\n"


def test_a_nas_without_its_container_runs_no_script(make_dsm, tmp_path):
    """A simulated DSM whose NAS container is down (and that starts none) fails the run with exit code 127, as a NAS
    that is off runs nothing: it never falls back to running the script on this machine."""
    marker = f"ankinas-test-{uuid.uuid4().hex[:10]}"
    dsm = make_dsm(nas=sshnas.RootShell(tmp_path / "nas-that-is-off", start_missing=False))
    failed = task(dsm, script=f"touch /etc/{marker}", state="once")
    assert failed.failed and failed["run"]["exit_code"] == 127 and "exit code 127" in failed["msg"], failed.get("msg")
    assert not Path("/etc", marker).exists()
