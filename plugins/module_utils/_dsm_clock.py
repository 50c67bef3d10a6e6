# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NAS's clock: what time it is on the NAS, in the NAS's own time zone.

PRIVATE to the collection: it can change at any time.

DSM writes its times (Hyper Backup's last backup, Task Scheduler's runs) in its own time zone, without saying
which; an age computed against the controller's clock is off by the difference of the two zones. Two reads say
what time it is on the NAS:

- SYNO.Core.Region.NTP get (v1): {"date": "2026/8/12", "hour": 16, "minute": 8, "second": 34,
  "timestamp": 1786540114, "timezone": "Amman", ...}: the wall clock, the epoch, and DSM's own zone name (not an
  IANA name). Shape from batonogov/terraform-provider-synology-dsm internal/client/system_settings.go, which read
  it on DSM 7.4-90075; UNVERIFIED on other DSM versions. The NAS's offset from UTC is the wall clock minus the
  epoch.
- SYNO.DSM.Info getinfo (v2) `time`, "Sun Apr 24 09:12:38 2022" (xupin/synology-php
  tools/results/SYNO.DSM.Info-getinfo.json, DSM 7.0.1): the wall clock only. The fallback when Region.NTP is not
  offered or refuses (its shape on other versions is unknown, so every field is read defensively).
"""

from datetime import datetime, timedelta

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError

REGION_API = "SYNO.Core.Region.NTP"
INFO_API = "SYNO.DSM.Info"
#: how the clock is returned: the NAS's wall clock
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
#: what DSM.Info's `time` has been seen as (C's ctime(); the simulator once wrote ISO)
INFO_FORMATS = ("%a %b %d %H:%M:%S %Y", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
EPOCH = datetime(1970, 1, 1)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def from_region(data):
    """The clock of a Region.NTP get answer, or None when it lacks the wall clock."""
    if not isinstance(data, dict):
        return None
    parts = str(data.get("date") or "").replace("-", "/").split("/")
    numbers = [_int(part) for part in parts] + [_int(data.get(key)) for key in ("hour", "minute", "second")]
    if len(parts) != 3 or None in numbers:
        return None
    try:
        wall = datetime(*numbers)
    except ValueError:
        return None
    timestamp = _int(data.get("timestamp"))
    offset = None
    if timestamp is not None:
        # The wall clock and the epoch are read at the same instant: their difference is the zone's offset.
        offset = round((wall - (EPOCH + timedelta(seconds=timestamp))).total_seconds() / 60) * 60
    zone = data.get("timezone")
    return {
        "local": wall.strftime(LOCAL_FORMAT),
        "timestamp": timestamp,
        "utc_offset": offset,
        "timezone": zone if isinstance(zone, str) else "",
        "source": REGION_API,
    }


def from_info(data):
    """The clock of a DSM.Info getinfo answer (its `time`), or None when there is none to read."""
    text = " ".join(str((data or {}).get("time") or "").split())
    for pattern in INFO_FORMATS:
        try:
            wall = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return {
            "local": wall.strftime(LOCAL_FORMAT),
            "timestamp": None,
            "utc_offset": None,
            "timezone": "",
            "source": INFO_API,
        }
    return None


def read_clock(client):
    """What time it is on the NAS: Region.NTP where it answers, else DSM.Info; None when neither tells."""
    if client.has_api(REGION_API):
        try:
            clock = from_region(client.call(REGION_API, "get", version=1))
        except DSMAPIError:
            clock = None  # another DSM's shape or permission: fall back to DSM.Info
        if clock:
            return clock
    info = client.api_info(INFO_API)
    if info and info["maxVersion"] >= 2:
        try:
            return from_info(client.call(INFO_API, "getinfo", version=2))
        except DSMAPIError:
            return None
    return None
