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
  - Tasks are found by name among the root tasks; two root tasks with the same name make the module fail.
  - A run starts the script and returns; DSM does not wait for it to finish.
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
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
attributes:
  idempotent:
    support: partial
    details: Idempotent unless O(run_now=true).
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

- name: Run a one-shot root script now
  ankinas.synology.dsm_scheduled_task:
    name: ankinas-one-shot
    script: chown 1000:1000 /volume1/docker/anki-server
    enabled: false
    run_now: true
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
operation:
  description: What the module did (or would do in check mode) to the task's settings.
  returned: when the settings changed
  type: str
  sample: create
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import (
    ERRORS,
    TaskClient,
    check_schedule,
    from_dsm_schedule,
    to_dsm_schedule,
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
        if self.params["state"] == "present":
            if not (self.params["script"] or "").strip():
                raise ResourceError("script is required with state=present")
            check_schedule(self._schedule())

    def _schedule(self):
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
            "enabled": self.params["enabled"],
            "script": self.params["script"],
            "schedule": self._schedule(),
            "notify_mail": self.params["notify_mail"],
        }

    def _fields(self, desired):
        return {
            "name": desired["name"],
            "enable": desired["enabled"],
            "schedule": to_dsm_schedule(desired["schedule"]),
            "extra": {
                "script": desired["script"],
                "notify_enable": bool(desired["notify_mail"]),
                "notify_mail": desired["notify_mail"],
                "notify_if_error": False,
            },
        }

    def create(self, desired):
        self.tasks.save(self._fields(desired))

    def update(self, current, desired):
        self.tasks.save(self._fields(desired), task_id=current["id"])

    def delete(self, current):
        self.tasks.delete(current["id"], current["name"])

    def report(self, result):
        result["ran"] = False
        if self.params["run_now"] and self.params["state"] == "present" and result.get("task"):
            result["ran"] = result["changed"] = True
            if not self.module.check_mode:
                self.tasks.run(result["task"]["id"])


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
            state=dict(type="str", choices=["present", "absent"], default="present"),
        )
    )
    run_resource_module(ScheduledTask(module))


if __name__ == "__main__":
    main()
