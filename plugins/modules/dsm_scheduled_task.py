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
    asks for root tasks. The password goes JSON-quoted (as go-synology sends it; a password of digits only works
    too) and, with an C(http://) O(dsm_url), inside DSM's encryption envelope (as N4S4 synology-api sends it); the
    token goes as a plain string, as the public clients send it.
  - The schedule is checked before any call. Daily is DSM's C(repeat_date) 1001, weekly is 1002 with the chosen
    C(week_day)s, as clients that ran on a live DSM 7.4 send them (DSM runs a 1001 task every day, whatever its
    C(week_day)s; a task written that way by an earlier version of this module is read as daily and rewritten).
notes:
  - The DSM answers it reads are the DSM contracts C(task_list), C(task_get), C(task_history), C(encryption_info) of
    the collection's table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on
    a NAS, and C(playbooks/site.yml) before its first change.
  - Tasks are found by name among the root tasks (listed page by page); two root tasks with the same name make the
    module fail.
  - DSM's run answers at once and may queue the root script for minutes (5-10 minutes measured on one NAS); with
    O(wait) (and O(state=once)) the module then polls the task's results (C(get_history_status_list), the shape
    N4S4 synology-api shows from a real NAS) until a new one is there, for up to O(wait_timeout), and fails when its
    exit code is not 0. The script's output is not in the Web API, so a script tells what went wrong by its exit
    code (returned in RV(run) also when the module fails).
  - With O(state=once) the task is deleted only once DSM lists its run's result. When O(wait_timeout) ends first,
    the task is left (disabled) so that the queued run can still happen, and the module fails saying so; the next
    O(state=once) of that name deletes it once its result is listed, and fails while it is not (running the script
    a second time meanwhile is not safe for every script).
  - UNVERIFIED on a real NAS; how DSM lists a run that is still going (only results with a stop time and an exit
    code count).
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
    description:
      - Seconds to wait for the run's result (O(wait), O(state=once)), the time DSM keeps the run queued included.
    type: int
    default: 900
  state:
    description:
      - V(present) or V(absent).
      - V(once) runs O(script) once as root now and keeps no task; it makes the task (disabled, O(schedule) and
        O(enabled) ignored), runs it, waits for its result, deletes it whatever the result, and fails when the
        script failed. A task of that name left by an earlier run is deleted first once DSM lists its run's result
        (see the notes). Always a change.
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

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import RUN_TIMEOUT, ScheduledTask
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


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
            wait_timeout=dict(type="int", default=RUN_TIMEOUT),
            state=dict(type="str", choices=["present", "absent", "once"], default="present"),
        )
    )
    run_resource_module(ScheduledTask(module))


if __name__ == "__main__":
    main()
