# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What DSM's schedules share, Hyper Backup's and Task Scheduler's alike: the days and the time of day.

PRIVATE to the collection: it can change at any time.
"""

import re

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # DSM numbers the days 0..6 from Sunday
TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")  # HH:MM, 00:00 to 23:59
