# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""runs_since: which entries of a task's history (newest first) a run added, when DSM's times count seconds; the
schedule mapping (daily 1001, weekly 1002) both ways."""

from collections import Counter

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import (
    _run_key,
    from_dsm_schedule,
    runs_since,
    to_dsm_schedule,
)


def entry(second, exit_code=0):
    stamp = f"2026-11-30 08:32:{second:02d}"
    return {"exit_code": exit_code, "exit_type": "normal", "start_time": stamp, "stop_time": stamp, "timestamp": "1"}


def seen(history):
    return Counter(_run_key(item) for item in history)


def test_a_new_entry_is_found_before_the_older_ones():
    before = [entry(50), entry(40)]
    assert runs_since(seen(before), [entry(51, 4), *before]) == [entry(51, 4)]
    assert runs_since(seen(before), before) == []


def test_a_run_alike_an_earlier_one_to_the_second_is_still_new():
    before = [entry(50)]
    # the same second, the same result: only the count tells the new run from the old one
    assert runs_since(seen(before), [entry(50), entry(50)]) == [entry(50)]
    assert runs_since(seen([]), [entry(50)]) == [entry(50)]


def test_daily_is_the_daily_repeat_on_every_day_and_weekly_the_weekly_repeat_on_its_days():
    daily = to_dsm_schedule({"frequency": "daily", "time": "02:45", "weekdays": []})
    assert (daily["repeat_date"], daily["week_day"], daily["hour"], daily["minute"]) == (1001, "0,1,2,3,4,5,6", 2, 45)
    weekly = to_dsm_schedule({"frequency": "weekly", "time": "4:05", "weekdays": ["sat", "mon"]})
    assert (weekly["repeat_date"], weekly["week_day"], weekly["hour"], weekly["minute"]) == (1002, "1,6", 4, 5)
    for schedule in (daily, weekly):
        assert (schedule["date_type"], schedule["last_work_hour"], schedule["version"]) == (0, schedule["hour"], 4)


def test_both_repeats_read_back_and_1001_is_daily_whatever_its_days():
    weekly = {"frequency": "weekly", "time": "04:05", "weekdays": ["mon", "sat"]}
    assert from_dsm_schedule(to_dsm_schedule(weekly)) == weekly
    daily = {"frequency": "daily", "time": "00:00", "weekdays": []}
    assert from_dsm_schedule(to_dsm_schedule(daily)) == daily
    # what earlier versions wrote for weekly, and DSM runs every day
    assert from_dsm_schedule({"date_type": 0, "repeat_date": 1001, "week_day": "1,6", "hour": 4, "minute": 5}) == {
        "frequency": "daily",
        "time": "04:05",
        "weekdays": [],
    }
    for other in ({"date_type": 0, "repeat_date": 1003}, {"date_type": 1, "repeat_date": 1001}, None):
        assert from_dsm_schedule(other) is None
    assert from_dsm_schedule({"date_type": 0, "repeat_date": 1002, "week_day": "", "hour": 1, "minute": 0}) is None
