# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Task Scheduler root script tasks (SYNO.Core.TaskScheduler, .Root, SYNO.Core.User.PasswordConfirm), and
ScheduledTask, the Resource of the module dsm_scheduled_task.

PRIVATE to the collection: it can change at any time.

Wire shapes (dsm-webapi.md §7.3, §10.1; N4S4 task_scheduler.py, batonogov, munniv2, go-synology): list v3 paged
with a limit DSM honours (50, as N4S4 pages; munniv2 sends 500; no public client sends -1) until `total`, get v4
{id, real_owner}; .Root v4 create/set (set carries id and replaces the whole task) with schedule and extra as JSON
objects and a SynoConfirmPWToken from PasswordConfirm v2 auth, one per write; the token goes RAW (N4S4,
batonogov, munniv2, go-synology); the password JSON-quoted (go-synology `password,quoted`: PasswordConfirm is a
requestFormat JSON API, so a raw password that is valid JSON, such as all digits, would be read as a number) and,
over plain HTTP, inside DSM's encryption envelope (N4S4 core_user.py password_confirm); run/delete v2 with
tasks=[{id, real_owner}]. Every write is read back (a DSM 7.3.2 note reports root-task deletes that answer success
and change nothing).
Schedules: repeat_date 1001 is daily whatever week_day says, 1002 + week_day is weekly (terraform-provider-synology
task_resource.go parseSchedule, "established by probing a live DSM 7.4"; batonogov; N4S4): daily is written as 1001
with every day, weekly as 1002, and both are read back.

A run's result: v1 get_history_status_list{id} answers the task's results, newest first, each {exit_code,
exit_type ("normal", "by_signal"), start_time, stop_time, timestamp} (N4S4 get_task_results, sampled on a
real NAS). Whether a run still going is listed, and how, no public capture shows: a run counts as finished
when an entry that was not there before the run has a stop_time and an exit code, and anything else in the
answer is ignored (UNVERIFIED). The script's output is not in the Web API (get_history_log answers 4800 to
every parameter set N4S4 tried), so a script tells its result by its exit code.
DSM queues a root task's run (5-10 min measured on one NAS, spksrc DOC-ROOT-AUTH.md): a one-shot task is deleted
only once its run's result is listed. When the wait ends first, the task is left (disabled: it runs only when
started) so that the queued run can still happen, and the error says so; a later one-shot of the same name deletes
it once its result is listed, and refuses while it is not (running the script again meanwhile is not safe for
every script: the restore drill's moves the live data aside).
"""

from collections import Counter

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMUncertainWriteError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_schedule import WEEKDAYS, schedule_problem
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import WaitTimeout, wait_until

SCHEDULER_API = "SYNO.Core.TaskScheduler"
ROOT_API = "SYNO.Core.TaskScheduler.Root"
CONFIRM_API = "SYNO.Core.User.PasswordConfirm"
OWNER = "root"
DAILY = 1001
WEEKLY = 1002
POLL_SECONDS = 1
#: the page size of TaskScheduler list (N4S4 get_task_list's default), and how many pages at most
LIST_PAGE = 50
LIST_PAGES = 200
#: the default wait for a root task's run: DSM may queue it for minutes (5-10 min measured on one NAS)
RUN_TIMEOUT = 900

#: how a one-shot task whose run has no result yet is left (appended to the error)
LEFT = (
    "the one-shot task {name!r} (id {id}) is left in Task Scheduler, disabled, so that a queued run can still happen; "
    "the next one-shot of that name deletes it once DSM lists its result"
)
#: why a one-shot is refused while an earlier one's run has no result
PENDING = (
    "the one-shot task {name!r} (id {id}) of an earlier run is in Task Scheduler and DSM lists no result of its run: "
    "DSM may still run it (it queues root task runs, for minutes on some NAS), and running the script again "
    "meanwhile is not safe. Wait for its result (Task Scheduler > Action > View result) and run again; if it never "
    "ran (an earlier run was interrupted before starting it), delete the task in Task Scheduler"
)

#: DSM error codes of the Task Scheduler APIs (a module passes them to its client)
ERRORS = {
    SCHEDULER_API: {4800: "Invalid parameters (the schedule or the task does not fit this DSM)"},
    CONFIRM_API: {400: "The password was not confirmed (dsm_password)"},
}


def check_schedule(schedule, option="schedule"):
    """Raise ResourceError naming the option when the schedule is not {frequency, time, weekdays} (the rule every
    schedule of the collection follows, _dsm_schedule.schedule_problem)."""
    names = {key: f"{option}.{key}" for key in ("frequency", "time", "weekdays")}
    problem = schedule_problem(schedule.get("frequency"), schedule.get("time"), schedule.get("weekdays") or [], names)
    if problem:
        raise ResourceError(problem)


def to_dsm_schedule(schedule):
    """DSM's schedule: daily is repeat_date 1001 with every day, weekly is 1002 with its days."""
    hour, minute = (int(part) for part in schedule["time"].split(":"))
    weekly = schedule["frequency"] == "weekly"
    days = [d for d in WEEKDAYS if d in schedule["weekdays"]] if weekly else WEEKDAYS
    return {
        "date_type": 0,
        "repeat_date": WEEKLY if weekly else DAILY,
        "week_day": ",".join(str(WEEKDAYS.index(day)) for day in days),
        "hour": hour,
        "minute": minute,
        "repeat_hour": 0,
        "repeat_min": 0,
        "last_work_hour": hour,
        "version": 4,
    }


def from_dsm_schedule(dsm):
    """The module's {frequency, time, weekdays} of a DSM schedule (None for shapes this module does not make).

    1001 is daily whatever week_day says (a task that an earlier version of this module wrote as 1001 with some days
    runs every day on DSM, and reads so); 1002 is weekly on its week_day.
    """
    if not isinstance(dsm, dict) or dsm.get("date_type") != 0 or dsm.get("repeat_date") not in (DAILY, WEEKLY):
        return None
    at = "{:02d}:{:02d}".format(int(dsm.get("hour", 0)), int(dsm.get("minute", 0)))
    if dsm["repeat_date"] == DAILY:
        return {"frequency": "daily", "time": at, "weekdays": []}
    numbers = [part.strip() for part in str(dsm.get("week_day", "")).split(",") if part.strip()]
    days = [WEEKDAYS[int(n)] for n in sorted(set(numbers), key=int) if n.isdigit() and int(n) < len(WEEKDAYS)]
    return {"frequency": "weekly", "time": at, "weekdays": days} if days else None


class RunFailed(ResourceError):
    """A run that finished with a failure; result is DSM's {exit_code, exit_type, start_time, stop_time}."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


class RunPending(ResourceError):
    """A run whose result DSM did not list within the wait: it may still come (DSM queues root task runs)."""


def _run_key(entry):
    return tuple(str(entry.get(key)) for key in ("timestamp", "start_time", "stop_time", "exit_code", "exit_type"))


def runs_since(seen, history):
    """The entries of history (newest first) that were not in seen (a Counter of _run_key): counted, not only
    compared, since DSM's times count whole seconds and two short runs of one task can look alike."""
    left = Counter(seen)
    new = []
    for entry in reversed(history):
        key = _run_key(entry)
        if left[key]:
            left[key] -= 1
        else:
            new.append(entry)
    return new[::-1]


def task_fields(name, script, enabled=False, schedule=None, notify_mail=""):
    """The fields of a root script task; by default one that runs only when started (disabled, with the
    schedule DSM requires anyway)."""
    return {
        "name": name,
        "enable": enabled,
        "schedule": to_dsm_schedule(schedule or {"frequency": "daily", "time": "00:00", "weekdays": []}),
        "extra": {
            "script": script,
            "notify_enable": bool(notify_mail),
            "notify_mail": notify_mail,
            "notify_if_error": False,
        },
    }


class TaskClient:
    """The calls of Task Scheduler for root script tasks on one DSM client."""

    def __init__(self, client, password):
        self.client = client
        self._password = password

    def find(self, name):
        """The task as get answers it, or None; fails when several root tasks share the name."""
        found = [t for t in self._list() if t.get("name") == name and t.get("real_owner") == OWNER]
        if len(found) > 1:
            raise ResourceError(f"{len(found)} root tasks are named {name!r} in Task Scheduler; delete all but one")
        if not found:
            return None
        task = self.client.call(SCHEDULER_API, "get", {"id": found[0]["id"], "real_owner": OWNER}, version=4)
        return task if task.get("id") is not None else None

    def _list(self):
        """Every task, page by page (a task missed here would be created again: a duplicate root task per run)."""
        tasks, offset = {}, 0
        for _page in range(LIST_PAGES):
            data = self.client.call(
                SCHEDULER_API,
                "list",
                {"sort_by": "name", "sort_direction": "ASC", "offset": offset, "limit": LIST_PAGE},
                version=3,
            )
            page = [task for task in data.get("tasks") or [] if isinstance(task, dict)]
            tasks.update((task.get("id"), task) for task in page)
            offset += len(page)
            total = data.get("total")
            if not page or (isinstance(total, int) and offset >= total):
                return list(tasks.values())
        raise ResourceError(f"{SCHEDULER_API} list went on for more than {LIST_PAGES * LIST_PAGE} tasks")

    def _token(self):
        # JSON-quoted like every requestFormat JSON parameter (a raw "123456" would reach DSM as a number); enveloped
        # over plain HTTP, as DSM's own UI and N4S4 send it.
        data = self.client.call(
            CONFIRM_API, "auth", {"password": self._password}, version=2, write=True, secret_params=("password",)
        )
        token = data.get("SynoConfirmPWToken")
        if not token:
            raise ResourceError(f"{CONFIRM_API} auth answered success without a SynoConfirmPWToken")
        return token

    def save(self, fields, task_id=None):
        """create (task_id None) or set: the whole task, confirmed by a fresh password token."""
        params = dict(fields, owner=OWNER, real_owner=OWNER, type="script")
        if task_id is not None:
            params["id"] = task_id
        params["SynoConfirmPWToken"] = self._token()
        method = "create" if task_id is None else "set"
        # A create whose answer is lost (a proxy's 504) may have landed: the task is then listed by its name.
        confirm = (lambda: self.find(fields["name"]) is not None) if task_id is None else None
        self.client.call(ROOT_API, method, params, version=4, write=True, raw=("SynoConfirmPWToken",), confirm=confirm)

    def history(self, task_id):
        """The task's finished runs as DSM lists them (entries of other shapes left out)."""
        data = self.client.call(SCHEDULER_API, "get_history_status_list", {"id": task_id}, version=1)
        if isinstance(data, dict):  # defensive: a list wrapped in an object
            data = next((value for value in data.values() if isinstance(value, list)), [])
        return [
            entry
            for entry in data
            if isinstance(entry, dict) and entry.get("stop_time") and str(entry.get("exit_code", "")).isdigit()
        ]

    def _seen(self, task_id):
        return Counter(_run_key(entry) for entry in self.history(task_id))

    def _start(self, task_id):
        self.client.call(SCHEDULER_API, "run", {"tasks": [{"id": task_id, "real_owner": OWNER}]}, version=2, write=True)

    def _result(self, task_id, name, seen, wait_timeout):
        """The result of the run started after seen (a Counter of the earlier results); RunFailed when the script
        failed, RunPending when DSM lists none within wait_timeout."""
        try:
            # An API error here is reported as it is, not waited out: the run's result would never come.
            new_runs = wait_until(
                lambda: runs_since(seen, self.history(task_id)),
                bool,
                wait_timeout,
                "",
                interval=POLL_SECONDS,
            )
        except WaitTimeout:
            raise RunPending(
                f"root task {name!r} (id {task_id}) has no result {wait_timeout}s after {SCHEDULER_API} run answered "
                "success (wait_timeout): DSM may have queued the run (it queues root task runs, for minutes on some "
                "NAS) and may still run it; see Task Scheduler > Action > View result"
            ) from None
        result = {key: new_runs[0].get(key) for key in ("exit_code", "exit_type", "start_time", "stop_time")}
        result["exit_code"] = int(result["exit_code"])
        if result["exit_code"] != 0 or result["exit_type"] not in (None, "normal"):
            raise RunFailed(
                f"root task {name!r} failed: exit code {result['exit_code']} ({result['exit_type']}), "
                f"{result['start_time']} to {result['stop_time']}",
                result,
            )
        return result

    def run(self, task_id, name=None, wait_timeout=None):
        """Start the task; with wait_timeout, wait for its run's result and fail when the script failed.

        Returns the run's result {exit_code, exit_type, start_time, stop_time} when waited for, else None.
        """
        seen = self._seen(task_id) if wait_timeout is not None else None
        self._start(task_id)
        if wait_timeout is None:
            return None
        return self._result(task_id, name, seen, wait_timeout)

    def leftover(self, name):
        """A one-shot task of that name left by an earlier run, when its run has a result (it may then be replaced),
        or None; raises while its run has none (DSM may still run it)."""
        task = self.find(name)
        if task is not None and not self.history(task["id"]):
            raise ResourceError(PENDING.format(name=name, id=task["id"]))
        return task

    def run_once(self, fields, wait_timeout):
        """A one-shot run of a task that is not kept: make the task (a settled one left by an earlier run is deleted
        first), run it, wait for the result, delete it once its run has one. Returns the run's result."""
        left = self.leftover(fields["name"])
        if left is not None:
            self.delete(left["id"], fields["name"])
        self.save(fields)
        task = self.find(fields["name"])
        if task is None:
            raise ResourceError(f"{ROOT_API} answered success but task {fields['name']!r} is not there")
        return self.run_and_delete(task["id"], fields["name"], wait_timeout)

    def run_and_delete(self, task_id, name, wait_timeout):
        """Run a task made for one run and delete it once DSM lists the run's result (also a failure). A task whose
        run may still come is left, and the error says so (see LEFT)."""
        left = LEFT.format(name=name, id=task_id)
        seen = self._seen(task_id)
        try:
            self._start(task_id)
        except DSMUncertainWriteError as exc:
            raise ResourceError(f"{exc}; {left}") from None
        except DSMAPIError:
            self.delete(task_id, name)  # DSM refused the start: no run will come
            raise
        try:
            result = self._result(task_id, name, seen, wait_timeout)
        except RunFailed:
            self.delete(task_id, name)
            raise
        except RunPending as exc:
            raise RunPending(f"{exc}; {left}") from None
        except ResourceError as exc:  # an error while reading the result: the run may still come
            raise ResourceError(f"{exc}; {left}") from None
        self.delete(task_id, name)
        return result

    def delete(self, task_id, name):
        self.client.call(
            SCHEDULER_API, "delete", {"tasks": [{"id": task_id, "real_owner": OWNER}]}, version=2, write=True
        )
        if self.find(name) is not None:
            raise ResourceError(f"{SCHEDULER_API} delete answered success but task {name!r} is still there")


def list_root_tasks(client, name_prefix="", script_contains=()):
    """The root script tasks whose name starts with name_prefix and whose script holds every string of
    script_contains, each read whole (get), sorted by name: [{id, name, enabled, script, schedule}]."""
    data = client.call(
        SCHEDULER_API, "list", {"sort_by": "name", "sort_direction": "ASC", "offset": 0, "limit": -1}, version=3
    )
    found = []
    for listed in data.get("tasks") or []:
        name = listed.get("name")
        if listed.get("real_owner") != OWNER or not isinstance(name, str) or not name.startswith(name_prefix):
            continue
        task = client.call(SCHEDULER_API, "get", {"id": listed.get("id"), "real_owner": OWNER}, version=4)
        if task.get("id") is None:
            continue  # gone since the list (DSM answers an empty task, not an error)
        script = (task.get("extra") or {}).get("script", "")
        if all(part in script for part in script_contains):
            found.append(
                {
                    "id": task["id"],
                    "name": task.get("name"),
                    "enabled": bool(task.get("enable")),
                    "script": script,
                    "schedule": from_dsm_schedule(task.get("schedule")),
                }
            )
    return sorted(found, key=lambda task: task["name"])


def task_facts(client, params):
    """The facts of the module dsm_scheduled_task_info: the root tasks the options select."""
    return {"tasks": list_root_tasks(client, params["name_prefix"], tuple(params["script_contains"]))}


class ScheduledTask(DSMResource):
    result_key = "task"
    compared_keys = ("script", "enabled", "schedule", "notify_mail")
    dsm_errors = ERRORS

    def __init__(self, module):
        super().__init__(module)
        self._reads = 0
        #: with state=once, a task of that name left by an earlier run (its run has a result): deleted first
        self._leftover = None

    @property
    def tasks(self):
        return TaskClient(self.client, self.params["dsm_password"])

    def validate(self):
        super().validate()
        name = self.params["name"] or ""
        if not name.strip() or "\n" in name or len(name) > 128:
            raise ResourceError("name must be one line of 1 to 128 characters")
        if self.params["wait_timeout"] <= 0:
            raise ResourceError("wait_timeout must be a positive number of seconds")
        if self.params["state"] != "absent":
            if not (self.params["script"] or "").strip():
                raise ResourceError(f"script is required with state={self.params['state']}")
            check_schedule(self._schedule())

    def _schedule(self):
        if self.params["state"] == "once":
            return {"frequency": "daily", "time": "00:00", "weekdays": []}
        schedule = dict(self.params["schedule"])
        schedule["weekdays"] = [] if schedule["frequency"] == "daily" else sorted(set(schedule["weekdays"]))
        return schedule

    def read(self):
        self._reads += 1
        if self.params["state"] == "once" and self._reads == 1:
            # A task of that name is one left by an earlier one-shot: replaced only once its run has a result.
            self._leftover = self.tasks.leftover(self.params["name"])
            return None
        task = self.tasks.find(self.params["name"])
        if task is None:
            return None
        extra = task.get("extra") or {}
        schedule = from_dsm_schedule(task.get("schedule"))
        if schedule and schedule["frequency"] == "weekly":
            schedule["weekdays"] = sorted(schedule["weekdays"])
        return {
            "id": task["id"],
            "name": task.get("name"),
            "enabled": bool(task.get("enable")),
            "script": extra.get("script", ""),
            "schedule": schedule,
            "notify_mail": extra.get("notify_mail", "") if extra.get("notify_enable") else "",
        }

    def desired(self, current):
        return {
            "name": self.params["name"],
            "enabled": self.params["enabled"] and self.params["state"] != "once",
            "script": self.params["script"],
            "schedule": self._schedule(),
            "notify_mail": self.params["notify_mail"],
        }

    def _fields(self, desired):
        return task_fields(
            desired["name"], desired["script"], desired["enabled"], desired["schedule"], desired["notify_mail"]
        )

    def create(self, desired):
        if self._leftover is not None:
            self.tasks.delete(self._leftover["id"], self.params["name"])
        self.tasks.save(self._fields(desired))

    def update(self, current, desired):
        self.tasks.save(self._fields(desired), task_id=current["id"])

    def delete(self, current):
        self.tasks.delete(current["id"], current["name"])

    def report(self, result):
        result["ran"] = False
        once = self.params["state"] == "once"
        if (self.params["run_now"] or once) and self.params["state"] != "absent" and result.get("task"):
            result["ran"] = result["changed"] = True
            if not self.module.check_mode:
                try:
                    self._run(result, once)
                except RunFailed as exc:
                    result["run"] = exc.result  # the failed run's exit code and times go with the failure
                    raise

    def _run(self, result, once):
        task = result["task"]
        wait_timeout = self.params["wait_timeout"] if once or self.params["wait"] else None
        if once:
            result["task"] = {}
            result["run"] = self.tasks.run_and_delete(task["id"], task["name"], wait_timeout)
        else:
            result["run"] = self.tasks.run(task["id"], task["name"], wait_timeout)
        if result["run"] is None:
            del result["run"]
