# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way this collection waits for a remote state: read until a condition holds, fail clearly after a timeout.

PRIVATE to the collection: it can change at any time.
"""

import time

from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError


class WaitTimeout(ResourceError):
    """The awaited state did not come within the timeout; the message says what was awaited and what stood last."""


def wait_until(read, done, timeout, failure, interval=1.0, retry_on=()):
    """read()'s first answer for which done(answer) holds, reading every interval seconds.

    read() raises ResourceError when the state can never come (the wait ends at once with that error).
    Exceptions of the types in retry_on count as "not yet" (DSM restarts its web server after some changes).
    After timeout seconds: WaitTimeout(failure), or WaitTimeout(failure(last)) when failure is callable, last
    being the last answer or retried exception.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            last = read()
            if done(last):
                return last
        except retry_on as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise WaitTimeout(failure(last) if callable(failure) else failure)
        time.sleep(interval)
