# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: dsm_logout
type: aggregate
short_description: Log out the play's DSM sessions when ansible-playbook is interrupted
version_added: 0.2.0
author: ankinas.synology contributors (@ankinas)
description:
  - A play logs in to DSM once (M(ankinas.synology.dsm_session)) and logs out in an C(always) section. On Ctrl-C
    (SIGINT) Ansible aborts the play without running C(always), which would leave the administrator's session open
    in DSM until it expires.
  - This callback remembers every session a C(dsm_session) task registered and not yet logged out, and logs those
    out when ansible-playbook exits (after the interrupt message).
  - Enable it in C(ansible.cfg) with C(callbacks_enabled = ankinas.synology.dsm_logout).
notes:
  - SIGTERM and SIGKILL end ansible-playbook at once (Ansible re-raises SIGTERM with its default action), so no
    logout is possible then; DSM drops the session when it expires.
  - The session is read from the registered variable, never written anywhere.
requirements:
  - enabled in callbacks_enabled
"""

import atexit
import contextlib

from ansible.plugins.callback import CallbackBase
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient

SESSION_MODULE = "ankinas.synology.dsm_session"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ankinas.synology.dsm_logout"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._variable_manager = None
        self._open = {}  # (host, registered variable) -> True while the session is open
        atexit.register(self._log_out_what_is_left)

    def v2_playbook_on_play_start(self, play):
        self._variable_manager = play.get_variable_manager()

    def v2_runner_on_ok(self, result):
        task = result._task
        if task.resolved_action != SESSION_MODULE:
            return
        if task.args.get("state", "present") == "absent":
            self._open = {key: True for key in self._open if key[0] != result._host.name}
        elif task.register:
            # ansible-core 2.21 stores register as {name: expression} (a register projection), earlier ones the name
            for name in task.register if isinstance(task.register, dict) else [task.register]:
                self._open[(result._host.name, name)] = True

    def _log_out_what_is_left(self):
        if not self._open or self._variable_manager is None:
            return
        facts = self._variable_manager._nonpersistent_fact_cache
        for host, register in list(self._open):
            session = (facts.get(host, {}).get(register) or {}).get("session") or {}
            if not session.get("sid"):
                continue
            client = DSMClient(
                session["url"],
                session.get("account"),
                None,
                validate_certs=session.get("validate_certs", True),
                ca_path=session.get("ca_path"),
                timeout=10,
                session=session,
            )
            # The process is ending: a logout that fails leaves the session to DSM's expiry, as before.
            with contextlib.suppress(Exception):
                client.logout()
                self._display.display(f"Logged out of DSM ({host}): the play ended before its own logout")
        self._open = {}
