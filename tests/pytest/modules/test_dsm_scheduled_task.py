"""dsm_scheduled_task against the simulated Task Scheduler: root scripts that really run, inside the simulated NAS
(its container: its /etc, its /volumeN), never on this machine."""

import time
import uuid
from pathlib import Path

import pytest
import requests
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_envelope
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import TaskClient, task_fields
from harness.runner import run_module
from simnas import sshnas
from simnas.dsm.apis import encryption

NAME = "ankinas-test-task"
CONFIRM = "SYNO.Core.User.PasswordConfirm"


def task(dsm, check=False, diff=True, **args):
    args.setdefault("name", NAME)
    return run_module("dsm_scheduled_task", dsm.connection(**args), check=check, diff=diff)


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
        ({"time": "25:00"}, "schedule.time must be a time of day HH:MM"),
        ({"frequency": "weekly"}, "schedule.weekdays is empty, but schedule.frequency is weekly"),
        ({"frequency": "weekly", "weekdays": ["mon", "funday"]}, "schedule.weekdays: 'funday' is not a day"),
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
    schedule = saved["schedule"]
    assert (schedule["repeat_date"], schedule["hour"], schedule["minute"], schedule["week_day"]) == (
        1001,
        2,
        45,
        "0,1,2,3,4,5,6",
    )
    assert saved["runs_on"] == [0, 1, 2, 3, 4, 5, 6]
    # one password confirmation per root write
    assert dsm.counters()["writes"] == {f"{CONFIRM}.auth": 1, "SYNO.Core.TaskScheduler.Root.create": 1}
    assert dsm.password not in created.stdout + created.stderr

    dsm.reset_counters()
    again = task(dsm, script=script, schedule={"time": "02:45"})
    assert again["changed"] is False and dsm.counters()["writes"] == {}

    weekly = {"frequency": "weekly", "time": "02:45", "weekdays": ["sat", "mon"]}
    updated = task(dsm, script=script, schedule=weekly, run_now=True)
    assert updated["operation"] == "update" and updated["changed_keys"] == ["schedule"] and updated["ran"]
    assert updated["task"]["schedule"] == {"frequency": "weekly", "time": "02:45", "weekdays": ["mon", "sat"]}
    # weekly is repeat_date 1002 on its days (1001 would run every day on DSM)
    assert stored(dsm)[str(saved["id"])]["schedule"]["repeat_date"] == 1002
    assert stored(dsm)[str(saved["id"])]["schedule"]["week_day"] == "1,6"
    assert stored(dsm)[str(saved["id"])]["runs_on"] == [1, 6]
    # the script ran as root and wrote through the NAS's /volume1
    assert wait_for(lambda: marker.exists() and marker.read_text().strip()) == "0"
    assert wait_for(lambda: finished_run(dsm, saved["id"]))["exit_code"] == 0

    deleted = task(dsm, state="absent")
    assert not deleted.failed, deleted.get("msg")
    assert deleted["changed"] and deleted["task"] == {} and stored(dsm) == {}
    assert task(dsm, state="absent")["changed"] is False


def test_weekly_reruns_without_writes_and_a_weekly_task_stored_as_1001_is_rewritten(dsm):
    weekly = {"frequency": "weekly", "time": "04:10", "weekdays": ["wed", "sun"]}
    assert not task(dsm, script="true", schedule=weekly).failed
    dsm.reset_counters()
    again = task(dsm, script="true", schedule=weekly)
    assert again["changed"] is False and dsm.counters()["writes"] == {}
    assert again["task"]["schedule"] == {"frequency": "weekly", "time": "04:10", "weekdays": ["sun", "wed"]}

    # What earlier versions wrote for a weekly schedule: the daily repeat with some days, which DSM runs every day.
    (saved,) = stored(dsm).values()
    client = DSMClient(**dsm.client_options())
    old = task_fields(NAME, "true", enabled=True, schedule={"frequency": "daily", "time": "04:10", "weekdays": []})
    old["schedule"]["week_day"] = "0,3"
    TaskClient(client, dsm.password).save(old, task_id=saved["id"])
    client.close()
    assert stored(dsm)[str(saved["id"])]["runs_on"] == [0, 1, 2, 3, 4, 5, 6]
    dsm.reset_counters()
    fixed = task(dsm, script="true", schedule=weekly, diff=True)
    assert fixed["changed_keys"] == ["schedule"]
    assert fixed["diff"]["before"]["schedule"] == {"frequency": "daily", "time": "04:10", "weekdays": []}
    assert (stored(dsm)[str(saved["id"])]["schedule"]["repeat_date"], stored(dsm)[str(saved["id"])]["runs_on"]) == (
        1002,
        [0, 3],
    )


def test_a_task_beyond_the_first_page_of_the_list_is_found(dsm):
    """No public client sends limit=-1; the simulator then answers one page only. The module pages with a limit."""
    with dsm.sim.lock:
        tasks = dsm.sim.state.data.setdefault("scheduled_tasks", {})
        for number in range(1, 61):  # sorted by name before the module's task
            schedule = {"date_type": 0, "repeat_date": 1001, "week_day": "0,1,2,3,4,5,6", "hour": 1, "minute": 0}
            tasks[str(number)] = {
                "id": number,
                "name": f"backup-job-{number:02d}",
                "owner": "root",
                "real_owner": "root",
                "type": "script",
                "enable": True,
                "schedule": dict(schedule, version=4),
                "extra": {"script": "true", "notify_enable": False, "notify_mail": "", "notify_if_error": False},
            }
        dsm.sim.state.save()
    assert not task(dsm, script="true").failed
    dsm.reset_counters()
    again = task(dsm, script="true")
    assert again["changed"] is False and dsm.counters()["writes"] == {}
    assert [t["name"] for t in stored(dsm).values()].count(NAME) == 1
    assert dsm.counters()["reads"]["SYNO.Core.TaskScheduler.list"] == 2  # 50 a page


@pytest.mark.unverified_contract(
    reason="go-synology sends the password JSON-quoted (used live by terraform-provider-synology) and munniv2 raw "
    "(live 7.2/7.3); that DSM then JSON-decodes a raw one that is valid JSON (digits) into a non-string and refuses "
    "it is inferred from requestFormat JSON (go-synology api_info.json), not captured; over plain HTTP N4S4 sends it "
    "in the encryption envelope, whether DSM refuses it in the clear is not known"
)
def test_confirmation_decodes_the_password_as_json_and_wants_it_enveloped_over_http(make_dsm):
    dsm = make_dsm(users={"admin": "20240517"})
    session = requests.Session()
    login = DSMClient(**dsm.client_options()).session()
    query = {"_sid": login["sid"], "SynoToken": login["synotoken"]}  # the module's session, the calls by hand

    def call(url, **form):
        answer = session.post(url + "/webapi/entry.cgi", params=query, data=form, timeout=10, verify=dsm.ca_path)
        return answer.json()

    def confirm(url=dsm.url, **fields):
        return call(url, api=CONFIRM, version=2, method="auth", **fields)

    assert confirm(password="20240517") == {"success": False, "error": {"code": 400}}  # read as the number 20240517
    token = confirm(password='"20240517"')["data"]["SynoConfirmPWToken"]  # JSON-quoted: the password
    assert confirm(dsm.http_url, password='"20240517"')["error"]["code"] == 400  # in the clear over http: not used
    info = call(dsm.http_url, api=encryption.API, version=1, method="getinfo", format="module")["data"]
    sealed = _dsm_envelope.envelope(info, {"password": "20240517"})
    assert confirm(dsm.http_url, **sealed)["data"]["SynoConfirmPWToken"]
    # the token goes raw (N4S4, batonogov, munniv2, go-synology): a JSON-quoted one is not the token
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
    created = session.post(dsm.url + "/webapi/entry.cgi", params=query, data=form, timeout=10, verify=dsm.ca_path)
    assert created.json()["error"]["code"] == 105


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_an_account_whose_password_is_all_digits_creates_root_tasks(make_dsm, scheme):
    dsm = make_dsm(users={"admin": "31415926"})
    url = dsm.url if scheme == "https" else dsm.http_url
    created = task(dsm, dsm_url=url, script="true", schedule={"time": "01:00"})
    assert not created.failed, created.get("msg")
    assert [t["name"] for t in stored(dsm).values()] == [NAME]
    assert dsm.counters()["writes"] == {f"{CONFIRM}.auth": 1, "SYNO.Core.TaskScheduler.Root.create": 1}
    assert "31415926" not in created.stdout + created.stderr


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


def test_a_one_shot_whose_run_outlasts_the_wait_is_left_until_dsm_lists_its_result(make_dsm):
    """DSM queues root runs: a one-shot task is never deleted before its run's result is listed."""
    dsm = make_dsm(behaviours={"root_task_run_delay_seconds": 5})
    (dsm.home / "volumes" / "volume1").mkdir(parents=True, exist_ok=True)
    marker = dsm.home / "volumes" / "volume1" / "late"
    script = "echo ran >> /volume1/late"

    late = task(dsm, script=script, state="once", wait_timeout=1)
    assert late.failed and "may still run it" in late["msg"] and "is left in Task Scheduler" in late["msg"]
    (left,) = stored(dsm).values()
    assert left["enable"] is False and "delete" not in str(dsm.counters()["writes"])

    dsm.reset_counters()
    refused = task(dsm, script=script, state="once")  # its run may still come: not run a second time meanwhile
    assert refused.failed and "DSM lists no result of its run" in refused["msg"]
    assert dsm.counters()["writes"] == {}

    wait_for(lambda: stored(dsm)[str(left["id"])].get("history"))  # the queued run happened, the task still there
    assert marker.read_text() == "ran\n"
    done = task(dsm, script=script, state="once")
    assert not done.failed, done.get("msg")
    assert done["run"]["exit_code"] == 0 and stored(dsm) == {} and marker.read_text() == "ran\nran\n"
    assert dsm.counters()["writes"] == {
        f"{CONFIRM}.auth": 1,
        "SYNO.Core.TaskScheduler.Root.create": 1,
        "SYNO.Core.TaskScheduler.run": 1,
        "SYNO.Core.TaskScheduler.delete": 2,  # the settled task left before, then this run's
    }
