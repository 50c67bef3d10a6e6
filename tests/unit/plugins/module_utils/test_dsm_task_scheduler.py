# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""runs_since: which entries of a task's history (newest first) a run added, when DSM's times count seconds."""

from collections import Counter

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import _run_key, runs_since


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
