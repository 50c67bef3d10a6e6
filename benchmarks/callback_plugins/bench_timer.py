"""Records every task the play runs (name, action, per-host status, where it ran, seconds) as JSON for the
benchmarks.

Enabled by benchmarks/playbook.py with ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED=bench_timer;
writes the file named by BENCH_TIMER_OUT when the playbook ends. Per host it keeps the status, the seconds
from the worker's start to its result, whether the task ran on the controller (delegated to localhost or a
local connection) and whether it became root (the task's templated become).
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timer
type: aggregate
short_description: task timings for the ankinas.synology benchmarks
description: Writes every task's name, action, per-host results and duration as JSON to $BENCH_TIMER_OUT.
requirements: [enabled in the configuration]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.started = time.monotonic()
        self.tasks = []
        self.current = None
        self.host_started = {}

    def _start(self, task):
        self._finish()
        self.current = {
            "name": task.get_name(),
            "action": task.action,
            "start": time.monotonic(),
            "results": [],
            "hosts": {},
        }

    def _finish(self):
        if self.current is not None:
            self.current["seconds"] = time.monotonic() - self.current.pop("start")
            self.tasks.append(self.current)
            self.current = None
            self.host_started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_runner_on_start(self, host, task):
        self.host_started[host.get_name()] = time.monotonic()

    def _result(self, status, result):
        if self.current is None:
            return
        data = result._result
        status = "changed" if data.get("changed") else status
        self.current["results"].append(status)
        delegated = data.get("_ansible_delegated_vars") or {}
        fields = getattr(result, "_task_fields", None) or {}
        host = result._host.get_name()
        started = self.host_started.get(host, self.current["start"])
        self.current["hosts"][host] = {
            "status": status,
            "seconds": time.monotonic() - started,
            "controller": delegated.get("ansible_delegated_host") == "localhost"
            or delegated.get("ansible_connection") == "local",
            "become": bool(fields.get("become")),
        }

    def v2_runner_on_ok(self, result):
        self._result("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("failed", result)

    def v2_runner_on_skipped(self, result):
        self._result("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._result("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        self._finish()
        out = os.environ.get("BENCH_TIMER_OUT")
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                json.dump({"seconds": time.monotonic() - self.started, "tasks": self.tasks}, handle, indent=1)
