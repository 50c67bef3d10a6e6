# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Load the collection's filters and action plugins once per run, not once per task
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ansible runs every task in a worker process forked from ansible-playbook's main process. A plugin of a
    collection that the main process has not loaded is compiled from its source again in each worker that uses it
    (Ansible's collection loader keeps no bytecode). The roles of this collection use its filters in most of their
    tasks, which made each such task 40-100 ms of CPU dearer (measured).
  - This callback loads every filter and action plugin of ankinas.synology in the main process when
    ansible-playbook starts, so the workers inherit them loaded. It changes no result, only what a run costs.
  - Enable it in C(ansible.cfg) with C(callbacks_enabled = ankinas.synology.preload) (the project's
    C(ansible.cfg) does).
requirements:
  - enabled in callbacks_enabled
"""

from pathlib import Path

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import action_loader, filter_loader

COLLECTION = "ankinas.synology"
PLUGINS = Path(__file__).resolve().parent.parent


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ankinas.synology.preload"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._display.vvv("ankinas.synology.preload: " + ", ".join(preload()))


# What to load: each filter by name (one documentation file per filter), each action plugin as a class.
KINDS = ((filter_loader, "filter/*.yml", {}), (action_loader, "action/*.py", {"class_only": True}))


def preload():
    """Load the collection's filters and action plugins; returns the names loaded."""
    loaded = []
    for loader, pattern, options in KINDS:
        for path in sorted(PLUGINS.glob(pattern)):
            name = f"{COLLECTION}.{path.stem}"
            if loader.get(name, **options) is not None:
                loaded.append(name)
    return loaded
