# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-only callback: when a task whose name ends with $SIMNAS_EXPIRE_AT_TASK starts, the simulated DSM at
$SIMNAS_DSM_CONTROL drops every session (its expire_sessions fault), as DSM does when a session times out
in the middle of a play. Once per run."""

import json
import os
import urllib.request

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: expire_dsm_sessions
type: aggregate
short_description: drop the simulated DSM's sessions when a named task starts (tests only)
description: Drops the simulated DSM's sessions once, when the task named by SIMNAS_EXPIRE_AT_TASK starts.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "expire_dsm_sessions"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.expired = False

    def v2_playbook_on_task_start(self, task, is_conditional):
        if self.expired or not task.get_name().endswith(os.environ["SIMNAS_EXPIRE_AT_TASK"]):
            return
        request = urllib.request.Request(  # noqa: S310 (the simulated DSM's local control URL)
            os.environ["SIMNAS_DSM_CONTROL"] + "/_sim/faults",
            data=json.dumps({"expire_sessions": True}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            answer.read()
        self.expired = True
