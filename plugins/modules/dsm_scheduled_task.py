#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_scheduled_task
short_description: A root user-defined script task in DSM's Task Scheduler
version_added: 0.2.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures a scheduled task of DSM's Task Scheduler (Control Panel > Task Scheduler) that runs a user-defined script
    as C(root), through the DSM Web API only (no SSH). It creates it, updates it when the script, schedule, state or
    notification differ, runs it now on request, or deletes it.
  - Every create and update is confirmed with the account's password (C(SYNO.Core.User.PasswordConfirm)), as DSM
    asks for root tasks; the password and the token go as plain strings, as the public clients send them.
  - The schedule is checked before any call.
notes:
  - The DSM answers it reads are the DSM contracts C(task_list), C(task_get), C(task_history) of the collection's
    table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
  - Tasks are found by name among the root tasks; two root tasks with the same name make the module fail.
  - DSM's run starts the script and answers at once; with O(wait) (and O(state=once)) the module then polls the
    task's results (C(get_history_status_list), the shape N4S4 synology-api shows from a real NAS) until a new one
    is there, and fails when its exit code is not 0. The script's output is not in the Web API, so a script tells
    what went wrong by its exit code (returned in RV(run) also when the module fails).
  - UNVERIFIED on a real NAS; how DSM lists a run that is still going (only results with a stop time and an exit
    code count).
  - UNVERIFIED on a real NAS; a weekly schedule is sent as DSM's daily repeat (C(repeat_date) 1001) limited to the
    chosen C(week_day)s, the shape the UI's "Run on the following days" produces in public captures.
options:
  name:
    description: The task's name, its identity.
    type: str
    required: true
  script:
    description: The user-defined script (shell), run as root. Required with O(state=present).
    type: str
  enabled:
    description: Whether the schedule is active. A disabled task still runs with O(run_now).
    type: bool
    default: true
  schedule:
    description: When the task runs.
    type: dict
    default: {}
    suboptions:
      frequency:
        description: V(daily), or V(weekly) on O(schedule.weekdays).
        type: str
        choices: [daily, weekly]
        default: daily
      time:
        description: Start time, HH:MM (the NAS's time).
        type: str
        default: "00:00"
      weekdays:
        description: Days of a weekly schedule, from C(sun), C(mon), C(tue), C(wed), C(thu), C(fri), C(sat).
        type: list
        elements: str
        default: []
  notify_mail:
    description: Mail the run details to this address (empty, the default, sends none).
    type: str
    default: ""
  run_now:
    description: Run the task once now, after it is in place (always reported as a change).
    type: bool
    default: false
  wait:
    description: Wait for the run of O(run_now) to finish, and fail when the script failed (exit code not 0).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the run's result (O(wait), O(state=once)).
    type: int
    default: 600
  state:
    description:
      - V(present) or V(absent).
      - V(once) runs O(script) once as root now and keeps no task; it makes the task (disabled, O(schedule) and
        O(enabled) ignored), runs it, waits for its result, deletes it whatever the result, and fails when the
        script failed. A task of that name left by an interrupted run is replaced. Always a change.
    type: str
    choices: [present, absent, once]
    default: present
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
attributes:
  idempotent:
    support: partial
    details: Idempotent unless O(run_now=true) or O(state=once).
seealso:
  - module: ankinas.synology.dsm_session
"""

EXAMPLES = r"""
- name: Snapshot the Anki collections every night at 02:45, as root
  ankinas.synology.dsm_scheduled_task:
    name: ankinas-anki-snapshot
    script: python3 /volume1/docker/ankinas-tools/anki_snapshot.py snapshot /volume1/docker/anki-server
    schedule:
      frequency: daily
      time: "02:45"

- name: Run a one-shot root script now, wait for it and keep no task
  ankinas.synology.dsm_scheduled_task:
    name: ankinas-one-shot
    script: chown 1000:1000 /volume1/docker/anki-server
    state: once
"""

RETURN = r"""
task:
  description: The task as DSM reads it back (empty after a deletion).
  returned: always
  type: dict
  contains:
    id:
      description: DSM's id of the task (not known yet in check mode).
      type: int
    name:
      description: Name.
      type: str
    enabled:
      description: Whether the schedule is active.
      type: bool
    script:
      description: The script.
      type: str
    schedule:
      description: "C(frequency), C(time), C(weekdays) (None: a schedule this module does not make)."
      type: dict
    notify_mail:
      description: Where run details are mailed.
      type: str
ran:
  description: Whether the task was started now.
  returned: always
  type: bool
run:
  description: DSM's result of the run that was waited for (O(wait), O(state=once)), also when it failed.
  returned: when a run was waited for
  type: dict
  contains:
    exit_code:
      description: The script's exit code (or the signal's number).
      type: int
    exit_type:
      description: V(normal), or how DSM says it ended otherwise (C(by_signal)).
      type: str
    start_time:
      description: When it started (NAS time, as DSM writes it).
      type: str
    stop_time:
      description: When it ended.
      type: str
operation:
  description: What the module did (or would do in check mode) to the task's settings.
  returned: when the settings changed
  type: str
  sample: create
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import (
    ERRORS,
    RunFailed,
    TaskClient,
    check_schedule,
    from_dsm_schedule,
    task_fields,
)
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError, run_resource_module


class ScheduledTask(DSMResource):
    result_key = "task"
    compared_keys = ("script", "enabled", "schedule", "notify_mail")
    dsm_errors = ERRORS

    @property
    def tasks(self):
        return TaskClient(self.client, self.params["dsm_password"])

    def validate(self):
        super().validate()
        name = self.params["name"] or ""
        if not name.strip() or "\n" in name or len(name) > 128:
            raise ResourceError("name must be one line of 1 to 128 characters")
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


def main():
    module = dsm_module(
        dict(
            name=dict(type="str", required=True),
            script=dict(type="str"),
            enabled=dict(type="bool", default=True),
            schedule=dict(
                type="dict",
                default={},
                options=dict(
                    frequency=dict(type="str", choices=["daily", "weekly"], default="daily"),
                    time=dict(type="str", default="00:00"),
                    weekdays=dict(type="list", elements="str", default=[]),
                ),
            ),
            notify_mail=dict(type="str", default=""),
            run_now=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=600),
            state=dict(type="str", choices=["present", "absent", "once"], default="present"),
        )
    )
    run_resource_module(ScheduledTask(module))


if __name__ == "__main__":
    main()
