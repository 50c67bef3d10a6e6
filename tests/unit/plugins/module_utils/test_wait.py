# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wait_until: the answer once the condition holds; retried errors; a clear failure after the timeout."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import WaitTimeout, wait_until


def answers(*items):
    """A read() that gives items one by one (an exception item is raised), counting the reads."""
    queue = list(items)

    def read():
        read.calls += 1
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    read.calls = 0
    return read


def test_the_first_answer_that_holds_is_returned_without_further_reads():
    read = answers("starting", "running", "done", "never read")
    assert wait_until(read, lambda status: status == "done", 60, "unused", interval=0) == "done"
    assert read.calls == 3


def test_retried_errors_count_as_not_yet_and_others_end_the_wait_at_once():
    read = answers(OSError("refused"), OSError("refused"), "up")
    assert wait_until(read, bool, 60, "unused", interval=0, retry_on=(OSError,)) == "up"
    read = answers("starting", ResourceError("the stack is inactive"), "up")
    with pytest.raises(ResourceError, match="the stack is inactive") as stopped:
        wait_until(read, lambda status: status == "up", 60, "unused", interval=0)
    assert not isinstance(stopped.value, WaitTimeout) and read.calls == 2


def test_after_the_timeout_the_message_names_what_stood_last():
    read = answers("STOPPED", "STARTING", OSError("connection reset"))
    with pytest.raises(WaitTimeout) as late:
        wait_until(read, lambda status: status == "RUNNING", 0, lambda last: f"still {last}", interval=0)
    assert str(late.value) == "still STOPPED" and read.calls == 1
    with pytest.raises(WaitTimeout, match=r"^no answer$"):
        wait_until(answers(OSError("reset")), bool, 0, "no answer", interval=0, retry_on=(OSError,))
    assert isinstance(late.value, ResourceError)  # modules report it like any other failure
