#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_scheduled_task_info
short_description: List the root script tasks of DSM's Task Scheduler, by name and by what their script holds
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Lists the user-defined script tasks that run as C(root) in DSM's Task Scheduler (C(SYNO.Core.TaskScheduler)
    C(list), then C(get) of each match for its script), as M(ankinas.synology.dsm_scheduled_task) sees them.
  - O(name_prefix) and O(script_contains) select them, so that a role finds what it made under names it no longer
    uses (the role C(ankinas.synology.hyper_backup) finds its snapshot jobs by their name and the marker in their
    script). Changes nothing.
options:
  name_prefix:
    description: Only the tasks whose name starts with this.
    type: str
    default: ""
  script_contains:
    description: Only the tasks whose script contains every one of these strings.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
notes:
  - The script of every task whose name matches is read (one C(get) each); without O(name_prefix) that is every
    root task.
  - The DSM answers it reads are the DSM contracts C(task_list), C(task_get) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
"""

EXAMPLES = r"""
- name: Find the snapshot jobs made for any Hyper Backup task name
  ankinas.synology.dsm_scheduled_task_info:
    name_prefix: ankinas-anki-snapshot-
    script_contains: [ANKINAS_SNAPSHOT_PY]
  register: snapshot_jobs
"""

RETURN = r"""
tasks:
  description: The matching root script tasks, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: DSM's id of the task.
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
      description:
        - C(frequency), C(time), C(weekdays).
        - None for a schedule that M(ankinas.synology.dsm_scheduled_task) does not make.
      type: dict
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import ERRORS, task_facts


def main():
    module = dsm_module(
        dict(
            name_prefix=dict(type="str", default=""),
            script_contains=dict(type="list", elements="str", default=[]),
        )
    )
    run_read_module(module, lambda client: task_facts(client, module.params), errors=ERRORS)


if __name__ == "__main__":
    main()
