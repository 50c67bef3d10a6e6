# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What DSM's schedules share, Hyper Backup's and Task Scheduler's alike: the days and the time of day.

PRIVATE to the collection: it can change at any time.
"""

import re

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # DSM numbers the days 0..6 from Sunday
TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")  # HH:MM, 00:00 to 23:59


def schedule_problem(frequency, at, weekdays, names):
    """The first thing wrong with a schedule, as a sentence naming the variable that holds it; None when right.

    names: {"frequency": ..., "time": ..., "weekdays": ...}, the names the user wrote (option or variable).
    Each check names only its own value: a weekly schedule without days is not a bad time.
    """
    if frequency not in ("daily", "weekly"):
        return f"{names['frequency']} must be daily or weekly (got {frequency!r})"
    if not isinstance(at, str) or not TIME.match(at):
        return f"{names['time']} must be a time of day HH:MM, 00:00 to 23:59, such as 03:00 (got {at!r})"
    if frequency == "weekly":
        if weekdays is None or isinstance(weekdays, (str, dict)) or not hasattr(weekdays, "__iter__"):
            return f"{names['weekdays']} must be a list of days, such as [mon, thu] (got {weekdays!r})"
        unknown = [day for day in weekdays if day not in WEEKDAYS]
        if unknown:
            return "{}: {!r} is not a day; use {}".format(names["weekdays"], unknown[0], ", ".join(WEEKDAYS))
        if not list(weekdays):
            return (
                f"{names['weekdays']} is empty, but {names['frequency']} is weekly: list the days it runs on, "
                f"such as [mon, thu] (or set {names['frequency']}: daily)"
            )
    return None
