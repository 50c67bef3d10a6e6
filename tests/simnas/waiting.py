"""Waiting for an event in tests and simulators: until a condition holds, or a loud failure at the deadline."""

import time


class WaitTimeout(AssertionError):
    """The awaited event did not happen in time (an AssertionError, so a test fails with the message)."""


def wait_until(condition, timeout, what, interval=0.05):
    """Call condition() until it returns a true value (returned); WaitTimeout naming `what` after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"{what}: not within {timeout}s")
        time.sleep(interval)
