# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The schedule check shared by dsm_scheduled_task, dsm_hyper_backup and the roles' input check (role_input):
one message, naming the one variable that is wrong."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_schedule import schedule_problem

NAMES = {key: f"hyper_backup_schedule_{key}" for key in ("frequency", "time", "weekdays")}


@pytest.mark.parametrize(
    ("at", "frequency", "weekdays"),
    [("03:00", "daily", []), ("3:05", "daily", ["mon"]), ("23:59", "weekly", ["mon", "thu"]), ("0:00", "daily", None)],
)
def test_a_right_schedule_has_no_problem(at, frequency, weekdays):
    assert schedule_problem(frequency, at, weekdays, NAMES) is None


@pytest.mark.parametrize(
    ("at", "frequency", "weekdays", "message", "not_said"),
    [
        ("03:00", "weekly", [], "hyper_backup_schedule_weekdays is empty, but", "HH:MM"),
        ("25:00", "daily", [], "hyper_backup_schedule_time must be a time of day HH:MM", "weekdays"),
        ("24:00", "weekly", ["mon"], "(got '24:00')", "weekdays"),
        ("3h", "daily", [], "hyper_backup_schedule_time", "weekdays"),
        ("03:00", "weekly", ["monday"], "hyper_backup_schedule_weekdays: 'monday' is not a day", "HH:MM"),
        ("03:00", "weekly", "mon", "hyper_backup_schedule_weekdays must be a list", "HH:MM"),
        ("03:00", "hourly", [], "hyper_backup_schedule_frequency must be daily or weekly", "HH:MM"),
    ],
)
def test_a_wrong_schedule_names_the_one_variable_that_is_wrong(at, frequency, weekdays, message, not_said):
    problem = schedule_problem(frequency, at, weekdays, NAMES)
    assert message in problem
    assert not_said not in problem
