# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter dsm_schedule: the check of a role's schedule variables (frequency, time of day, weekdays)."""

from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_schedule import schedule_problem


def dsm_schedule(at, frequency, weekdays, prefix):
    """{frequency, time, weekdays} when the schedule is right; else an error naming the variable that is wrong.

    The variables are named prefix + time, prefix + frequency and prefix + weekdays.
    """
    names = {key: prefix + key for key in ("frequency", "time", "weekdays")}
    problem = schedule_problem(frequency, at, weekdays, names)
    if problem:
        raise AnsibleFilterError(problem)
    return {"frequency": frequency, "time": at, "weekdays": list(weekdays or []) if frequency == "weekly" else []}


class FilterModule:
    def filters(self):
        return {"dsm_schedule": dsm_schedule}
