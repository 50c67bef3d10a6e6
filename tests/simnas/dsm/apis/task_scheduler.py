"""Task Scheduler: SYNO.Core.TaskScheduler(.Root) and SYNO.Core.User.PasswordConfirm; root scripts run FOR REAL.

Shapes from dsm-webapi.md §7.3 (N4S4 task_scheduler.py, batonogov task_scheduler.go, munniv2):
- SYNO.Core.User.PasswordConfirm v2 auth{password}: the password RAW (not a JSON literal), the session
  account's own; answers {SynoConfirmPWToken}, good for one write;
- SYNO.Core.TaskScheduler v3 list{sort_by, sort_direction, offset, limit} -> {tasks, total} (v4 list
  answers nothing usable); v4 get{id, real_owner} -> the task (an unknown id or the wrong owner answers
  an empty task, not an error); v2 run / delete{tasks: [{id, real_owner}]};
- SYNO.Core.TaskScheduler.Root v4 create / set (set carries id and replaces the whole task) with name,
  owner "root", real_owner "root", enable, type "script", schedule {date_type 0, repeat_date 1001/1002/
  1003, week_day, hour, minute, ...}, extra {script, notify_*} and SynoConfirmPWToken RAW; an invalid
  schedule answers 4800 (invalid parameters), a missing or used token 105 (the simulator's choice);
- SYNO.Core.TaskScheduler v1 get_history_status_list{id} -> the task's results, newest first, each
  {exit_code, exit_type ("normal", or "by_signal" with the signal's number), start_time, stop_time,
  timestamp (the start, epoch seconds as a string)} (N4S4 task_scheduler.py get_task_results, its sample
  from a real NAS; a public DSM UI helper polls it for history[0].stop_time and exit_code). Whether DSM
  lists a run still going, and how, no public capture shows: the simulator lists finished runs only, so a
  client must wait for a new entry, not read a half-written one. An unknown id answers an empty list
  (UNVERIFIED; the simulator's choice).

A run starts the script as root INSIDE the simulated NAS, in the background like DSM (run answers at once): in the
NAS's container (Simulator(nas=...), a simnas.sshnas.RootShell), whose /volumeN are the NAS's volumes and whose /,
/etc and /usr are the NAS's own, never this machine's. A simulated DSM without a NAS container runs no script: the
run ends with exit code 127 and says so. Where a script runs is this module's _run; when it starts is the caller's.
The last result is also kept in the task's `last_run` (with the script's output, which the API does not show; state
only, for the tests).
"""

import secrets
import threading
import time

from simnas.dsm.registry import DSMError, declare_api, method

SCHEDULER = "SYNO.Core.TaskScheduler"
ROOT = "SYNO.Core.TaskScheduler.Root"
CONFIRM = "SYNO.Core.User.PasswordConfirm"
declare_api(SCHEDULER, dsm7=(1, 4), dsm6=(1, 2))
declare_api(ROOT, dsm7=(1, 4), dsm6=None)
declare_api(CONFIRM, dsm7=(1, 2), dsm6=None)

INVALID = 4800
REPEATS = {1001, 1002, 1003}
TASK_FIELDS = ("id", "name", "owner", "real_owner", "enable", "type")


def _tasks(ctx):
    return ctx.state.setdefault("scheduled_tasks", {})


@method(CONFIRM, "auth", write=True, versions=(2,))
def confirm_password(ctx):
    user = ctx.sim.users.get(ctx.session["account"], {})
    if ctx.raw.get("password") != user.get("password"):
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


@method(SCHEDULER, "list", versions=(3, 4))
def task_list(ctx):
    if ctx.version == 4:
        return {}  # "answers with nothing usable" (batonogov)
    tasks = sorted(_tasks(ctx).values(), key=lambda task: task["id"])
    offset = int(ctx.params.get("offset", 0) or 0)
    limit = int(ctx.params.get("limit", -1) or -1)
    page = tasks[offset:] if limit < 0 else tasks[offset : offset + limit]
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
    return {
        "name": params["name"],
        "owner": "root",
        "real_owner": "root",
        "type": "script",
        "enable": params["enable"],
        "schedule": _schedule(params.get("schedule")),
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
    for task in _listed(ctx):
        started = time.time()
        task["last_run"] = {"start_time": time.strftime("%Y-%m-%d %H:%M:%S")}  # running: no exit_code yet
        threading.Thread(target=_run, args=(ctx.sim, task["id"], task["extra"]["script"], started), daemon=True).start()
    return None


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
