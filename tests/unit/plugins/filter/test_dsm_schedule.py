# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The schedule check of the roles (filter dsm_schedule): one message, naming the one variable that is wrong."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.dsm_schedule import dsm_schedule

PREFIX = "hyper_backup_schedule_"


@pytest.mark.parametrize(
    ("at", "frequency", "weekdays", "expected"),
    [
        ("03:00", "daily", [], {"frequency": "daily", "time": "03:00", "weekdays": []}),
        ("3:05", "daily", ["mon"], {"frequency": "daily", "time": "3:05", "weekdays": []}),
        ("23:59", "weekly", ["mon", "thu"], {"frequency": "weekly", "time": "23:59", "weekdays": ["mon", "thu"]}),
    ],
)
def test_a_right_schedule_passes(at, frequency, weekdays, expected):
    assert dsm_schedule(at, frequency, weekdays, PREFIX) == expected


@pytest.mark.parametrize(
    ("at", "frequency", "weekdays", "message", "not_said"),
    [
        (
            "03:00",
            "weekly",
            [],
            "hyper_backup_schedule_weekdays is empty, but",
            "HH:MM",
        ),
        ("25:00", "daily", [], "hyper_backup_schedule_time must be a time of day HH:MM", "weekdays"),
        ("24:00", "weekly", ["mon"], "(got '24:00')", "weekdays"),
        ("3h", "daily", [], "hyper_backup_schedule_time", "weekdays"),
        ("03:00", "weekly", ["monday"], "hyper_backup_schedule_weekdays: 'monday' is not a day", "HH:MM"),
        ("03:00", "weekly", "mon", "hyper_backup_schedule_weekdays must be a list", "HH:MM"),
        ("03:00", "hourly", [], "hyper_backup_schedule_frequency must be daily or weekly", "HH:MM"),
    ],
)
def test_a_wrong_schedule_names_the_one_variable_that_is_wrong(at, frequency, weekdays, message, not_said):
    with pytest.raises(AnsibleFilterError) as error:
        dsm_schedule(at, frequency, weekdays, PREFIX)
    assert message in str(error.value)
    assert not_said not in str(error.value)
