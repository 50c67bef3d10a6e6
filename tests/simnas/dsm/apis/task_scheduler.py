"""Task Scheduler: SYNO.Core.TaskScheduler(.Root) and SYNO.Core.User.PasswordConfirm; root scripts run FOR REAL.

Shapes from dsm-webapi.md §7.3 and §10.1 (N4S4 task_scheduler.py, batonogov task_scheduler.go, munniv2,
go-synology, terraform-provider-synology):
- SYNO.Core.User.PasswordConfirm v2 auth{password}: a requestFormat JSON API, so the password is JSON-decoded
  with a raw fallback (real-DSM behaviour `password_confirm_json_decoded`): a JSON-quoted password (go-synology)
  and a raw one that is not valid JSON (munniv2, live 7.2/7.3) both work, a raw one that is valid JSON (all
  digits, `true`, `null`) decodes to a non-string and is refused (400). Over plain HTTP the password counts only
  inside DSM's encryption envelope (N4S4 core_user.py password_confirm). The session account's own password;
  answers {SynoConfirmPWToken}, good for one write;
- SYNO.Core.TaskScheduler v3 list{sort_by, sort_direction, offset, limit} -> {tasks, total} (v4 list
  answers nothing usable); a positive limit is honoured, any other (-1, which no public client sends) answers
  one page only (real-DSM behaviour `task_list_page_without_limit`); v4 get{id, real_owner} -> the task (an
  unknown id or the wrong owner answers an empty task, not an error); v2 run / delete{tasks: [{id, real_owner}]};
- SYNO.Core.TaskScheduler.Root v4 create / set (set carries id and replaces the whole task) with name,
  owner "root", real_owner "root", enable, type "script", schedule {date_type 0, repeat_date 1001/1002/
  1003, week_day, hour, minute, ...}, extra {script, notify_*} and SynoConfirmPWToken RAW; an invalid
  schedule answers 4800 (invalid parameters), a missing or used token 105 (the simulator's choice).
  repeat_date 1001 is daily whatever week_day says and 1002 + week_day is weekly (real-DSM behaviour
  `task_daily_runs_every_day`); DSM stores the schedule as sent, and the days a task really runs on are
  kept in the state as `runs_on` (0 = Sunday), for the tests;
- SYNO.Core.TaskScheduler v1 get_history_status_list{id} -> the task's results, newest first, each
  {exit_code, exit_type ("normal", or "by_signal" with the signal's number), start_time, stop_time,
  timestamp (the start, epoch seconds as a string)} (N4S4 task_scheduler.py get_task_results, its sample
  from a real NAS; a public DSM UI helper polls it for history[0].stop_time and exit_code). Whether DSM
  lists a run still going, and how, no public capture shows: the simulator lists finished runs only, so a
  client must wait for a new entry, not read a half-written one. An unknown id answers an empty list
  (UNVERIFIED; the simulator's choice).

A run answers at once and is queued, as DSM queues root runs (real-DSM behaviour `root_task_run_delay_seconds`);
after the delay the script starts as root INSIDE the simulated NAS: in the NAS's container (Simulator(nas=...), a
simnas.sshnas.RootShell), whose /volumeN are the NAS's volumes and whose /, /etc and /usr are the NAS's own, never
this machine's. A simulated DSM without a NAS container runs no script: the run ends with exit code 127 and says so.
A task deleted while its run is queued does not run (what DSM does then no public source shows: the simulator's
choice). The last result is also kept in the task's `last_run` ({"queued": true} while queued, then the result with
the script's output, which the API does not show; state only, for the tests).
"""

import secrets
import threading
import time

from simnas.dsm.behaviours import behaviour
from simnas.dsm.registry import DSMError, declare_api, method

SCHEDULER = "SYNO.Core.TaskScheduler"
ROOT = "SYNO.Core.TaskScheduler.Root"
CONFIRM = "SYNO.Core.User.PasswordConfirm"
declare_api(SCHEDULER, dsm7=(1, 4), dsm6=(1, 2))
declare_api(ROOT, dsm7=(1, 4), dsm6=None)
declare_api(CONFIRM, dsm7=(1, 2), dsm6=None)

INVALID = 4800
DAILY, WEEKLY = 1001, 1002
REPEATS = {DAILY, WEEKLY, 1003}
TASK_FIELDS = ("id", "name", "owner", "real_owner", "enable", "type")

DAILY_EVERY_DAY = behaviour(
    "task_daily_runs_every_day",
    real=True,
    off=False,
    source="synology-community/terraform-provider-synology synology/provider/core/task_resource.go parseSchedule "
    "(commit 993caaf, 'established by probing a live DSM 7.4': repeat_date 1001 daily, 1002 + week_day weekly); "
    "batonogov/terraform-provider-synology-dsm internal/client/task_scheduler.go repeatDateWeekly = 1002; "
    "N4S4/synology-api task_scheduler.py _generate_dict (weekly -> 1002)",
    what="a task with repeat_date 1001 runs every day whatever week_day says; weekly is repeat_date 1002 + week_day "
    "(off: 1001 runs on week_day only, as the simulator had it)",
)
RUN_DELAY = behaviour(
    "root_task_run_delay_seconds",
    real=3.0,
    off=0.0,
    source="myp015/spksrc spk/openclaw/DOC-ROOT-AUTH.md §4 (a live measurement: a root task's run is queued to "
    "synoscheduled, 5-10 min); a DSM package's UI helper (com.wakelink.Setup authorizePowerPermission) expects a "
    "result within 15 s; dsm-webapi.md §10.1 table 2",
    what="TaskScheduler run answers at once and the root script starts this many seconds later (minutes on a real "
    "NAS, scaled down)",
)
LIST_PAGE = behaviour(
    "task_list_page_without_limit",
    real=10,
    off=0,
    source="no public client sends limit=-1 to TaskScheduler list (N4S4/synology-api task_scheduler.py "
    "get_task_list: 50; okkes/munniv2 infra/modules/dsm.mjs: 500); what DSM does with it is not known: the "
    "simulator's hostile reading",
    what="TaskScheduler list honours a positive limit only; without one it answers this many tasks (one page) "
    "(off: all of them)",
)


def _tasks(ctx):
    return ctx.state.setdefault("scheduled_tasks", {})


CONFIRM_JSON = behaviour(
    "password_confirm_json_decoded",
    real=True,
    off=False,
    source="synology-community/go-synology pkg/api/core/user.go PasswordConfirmRequest `password,quoted` (used live "
    "by terraform-provider-synology) and pkg/api/api_info.json (requestFormat JSON); okkes/munniv2 "
    "infra/modules/dsm.mjs sends it raw (live 7.2/7.3), which works for a password that is not valid JSON; "
    "dsm-webapi.md §0.2, §10.1 table 2",
    what="PasswordConfirm auth JSON-decodes the password with a raw fallback: a raw password that is valid JSON "
    "(digits only, true, null) becomes a non-string and is refused (off: compared as sent)",
)


@method(CONFIRM, "auth", write=True, versions=(2,), secret=("password",))
def confirm_password(ctx):
    user = ctx.sim.users.get(ctx.session["account"], {})
    sent = ctx.params.get("password") if ctx.sim.behaviours[CONFIRM_JSON] else ctx.raw.get("password")
    if not isinstance(sent, str) or sent != user.get("password"):
        raise DSMError(400)
    token = secrets.token_urlsafe(24)
    ctx.session.setdefault("confirm_tokens", set()).add(token)
    return {"SynoConfirmPWToken": token}


def _take_token(ctx):
    tokens = ctx.session.get("confirm_tokens", set())
    token = ctx.raw.get("SynoConfirmPWToken")
    if token not in tokens:
        raise DSMError(105)
    tokens.discard(token)


def _action_text(task):
    return "Run: " + task["extra"]["script"].splitlines()[0] if task["extra"]["script"] else ""


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@method(SCHEDULER, "list", versions=(3, 4))
def task_list(ctx):
    if ctx.version == 4:
        return {}  # "answers with nothing usable" (batonogov)
    key = "name" if ctx.params.get("sort_by") == "name" else "id"
    tasks = sorted(_tasks(ctx).values(), key=lambda task: (task[key], task["id"]))
    if str(ctx.params.get("sort_direction", "ASC")).upper() == "DESC":
        tasks.reverse()
    offset = max(_count(ctx.params.get("offset")) or 0, 0)
    limit = _count(ctx.params.get("limit"))
    if limit is None or limit <= 0:
        limit = ctx.sim.behaviours[LIST_PAGE] or len(tasks)
    page = tasks[offset : offset + limit]
    shown = [
        dict({key: task[key] for key in TASK_FIELDS}, action=_action_text(task), can_edit=True, can_delete=True)
        for task in page
    ]
    return {"tasks": shown, "total": len(tasks)}


@method(SCHEDULER, "get", versions=(3, 4))
def task_get(ctx):
    task = _tasks(ctx).get(str(ctx.params.get("id")))
    if task is None or task["real_owner"] != ctx.params.get("real_owner"):
        return {}
    shown = {key: task[key] for key in (*TASK_FIELDS, "schedule", "extra")}
    shown["action"] = _action_text(task)
    return shown


def _schedule(value):
    if not isinstance(value, dict):
        raise DSMError(INVALID)
    hour, minute, week_day = value.get("hour"), value.get("minute"), value.get("week_day", "")
    days = str(week_day).split(",") if week_day != "" else []
    if (
        value.get("date_type") != 0
        or value.get("repeat_date") not in REPEATS
        or not isinstance(hour, int)
        or not 0 <= hour <= 23
        or not isinstance(minute, int)
        or not 0 <= minute <= 59
        or not days
        or any(day not in "0123456" or not day for day in days)
    ):
        raise DSMError(INVALID)
    return dict(value, version=4)


def _runs_on(sim, schedule):
    """The days (0 = Sunday) DSM runs a task with this schedule on."""
    if schedule["repeat_date"] == DAILY and sim.behaviours[DAILY_EVERY_DAY]:
        return list(range(7))
    return sorted({int(day) for day in str(schedule["week_day"]).split(",")})


def _task_from(ctx):
    params = ctx.params
    extra = params.get("extra")
    if (
        params.get("owner") != "root"
        or params.get("real_owner") != "root"
        or params.get("type") != "script"
        or not isinstance(params.get("name"), str)
        or not params["name"]
        or not isinstance(params.get("enable"), bool)
        or not isinstance(extra, dict)
        or not isinstance(extra.get("script"), str)
    ):
        raise DSMError(INVALID)
    schedule = _schedule(params.get("schedule"))
    return {
        "name": params["name"],
        "owner": "root",
        "real_owner": "root",
        "type": "script",
        "enable": params["enable"],
        "schedule": schedule,
        "runs_on": _runs_on(ctx.sim, schedule),
        "extra": {
            "script": extra["script"],
            "notify_enable": bool(extra.get("notify_enable", False)),
            "notify_mail": str(extra.get("notify_mail", "")),
            "notify_if_error": bool(extra.get("notify_if_error", False)),
        },
    }


@method(ROOT, "create", write=True, versions=(4,))
def root_create(ctx):
    _take_token(ctx)
    task = _task_from(ctx)
    tasks = _tasks(ctx)
    task["id"] = max((int(key) for key in tasks), default=0) + 1
    tasks[str(task["id"])] = task
    return {"id": task["id"]}


@method(ROOT, "set", write=True, versions=(4,))
def root_set(ctx):
    _take_token(ctx)
    current = _tasks(ctx).get(str(ctx.params.get("id")))
    if current is None:
        raise DSMError(INVALID)
    task = _task_from(ctx)
    task["id"] = current["id"]
    for kept in ("last_run", "history"):
        if kept in current:
            task[kept] = current[kept]
    _tasks(ctx)[str(task["id"])] = task
    return None


def _listed(ctx):
    entries = ctx.params.get("tasks")
    if not isinstance(entries, list) or not entries:
        raise DSMError(INVALID)
    found = []
    for entry in entries:
        task = _tasks(ctx).get(str(entry.get("id"))) if isinstance(entry, dict) else None
        if task is None or entry.get("real_owner") != task["real_owner"]:
            raise DSMError(INVALID)
        found.append(task)
    return found


@method(SCHEDULER, "get_history_status_list", versions=(1,))
def task_history(ctx):
    task = _tasks(ctx).get(str(ctx.params.get("id")))
    return list(reversed(task.get("history", []))) if task else []


@method(SCHEDULER, "run", write=True, versions=(2,))
def task_run(ctx):
    delay = float(ctx.sim.behaviours[RUN_DELAY] or 0)
    for task in _listed(ctx):
        task["last_run"] = {"queued": True}  # no exit_code yet
        threading.Thread(target=_queued, args=(ctx.sim, task["id"], delay), daemon=True).start()
    return None


def _queued(sim, task_id, delay):
    """The run, once DSM's queue lets it start: the task's script as it is then; nothing when it was deleted."""
    time.sleep(delay)
    with sim.lock:
        task = sim.state.data.get("scheduled_tasks", {}).get(str(task_id))
        if task is None:
            return
        started = time.time()
        task["last_run"] = {"start_time": time.strftime("%Y-%m-%d %H:%M:%S")}  # running: no exit_code yet
        script = task["extra"]["script"]
    _run(sim, task_id, script, started)


@method(SCHEDULER, "delete", write=True, versions=(2,))
def task_delete(ctx):
    for task in _listed(ctx):
        del _tasks(ctx)[str(task["id"])]
    return None


def _run(sim, task_id, script, started):
    """The script as root in the simulated NAS (sim.nas), then its result in the task's history."""
    if sim.nas is None:
        returncode, output = 127, "this simulated DSM has no NAS to run root scripts in (Simulator(nas=...))"
    else:
        returncode, output = sim.nas.run(script)
    with sim.lock:
        task = sim.state.data.get("scheduled_tasks", {}).get(str(task_id))
        if task is not None:
            result = {
                "exit_code": abs(returncode),
                "exit_type": "normal" if returncode >= 0 else "by_signal",
                "start_time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
                "stop_time": time.strftime("%Y-%m-%d %H:%M:%S"),
                "timestamp": str(int(started)),
            }
            task.setdefault("history", []).append(result)
            task["last_run"] = dict(result, output=output[-2000:])
            sim.state.save()
