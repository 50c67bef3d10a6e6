"""SYNO.Core.Region.NTP get, and the NAS's clock that every simulated API writes its times with.

DSM writes every time in its own time zone (Control Panel > Regional Options > Time), which need not be the
controller's: Hyper Backup's last_bkp_time ("2025/01/15 02:00:00", ychiu1211/dsmctl's fixtures), SYNO.DSM.Info's
`time` ("Sun Apr 24 09:12:38 2022", xupin/synology-php tools/results/SYNO.DSM.Info-getinfo.json, DSM 7.0.1) carry
no zone. Only SYNO.Core.Region.NTP `get` says which zone: on DSM 7.4-90075 it answers
{"date": "2026/8/12", "enable_ntp": "ntp", "hour": 16, "minute": 8, "now": "Wed Aug 12 16:08:34 2026\\n",
"second": 34, "server": "time.google.com", "timestamp": 1786540114, "timezone": "Amman"}: DSM's own zone name
(not an IANA one), the wall clock in that zone, and the epoch (batonogov/terraform-provider-synology-dsm
internal/client/system_settings.go). v1 is the version that source called; dsmctl selects v3, v2, v1.

The simulated NAS's zone is the real-DSM behaviour `time_zone` (a DSM zone name of ZONES; "" is this machine's
own zone): on by default in a zone that is not this machine's, as a NAS abroad, or a controller on US time
against a NAS on Asian time.
"""

import time
import zoneinfo
from datetime import datetime, timezone

from simnas.dsm.behaviours import behaviour
from simnas.dsm.registry import declare_api, method

declare_api("SYNO.Core.Region.NTP", dsm7=(1, 3), dsm6=(1, 1))

#: DSM's zone names (SYNO.Core.Region.NTP listzone) that the simulated NAS knows, with their IANA zones
ZONES = {
    "Greenwich": "Etc/UTC",
    "Tokyo": "Asia/Tokyo",
    "Amman": "Asia/Amman",
    "Taipei": "Asia/Taipei",
    "Pacific": "America/Los_Angeles",
    "Eastern": "America/New_York",
    "Amsterdam": "Europe/Amsterdam",
}

TIME_ZONE = behaviour(
    "time_zone",
    real="Tokyo",
    off="",
    source="batonogov/terraform-provider-synology-dsm internal/client/system_settings.go (SYNO.Core.Region.NTP get, "
    "DSM 7.4-90075: timezone 'Amman' and the local clock); xupin/synology-php tools/results/SYNO.DSM.Info-getinfo.json "
    "(time, local, no zone); ychiu1211/dsmctl Hyper Backup fixtures (last_bkp_time, local)",
    what="DSM writes its times in its own time zone, which need not be the controller's; a DSM zone name of "
    "simnas.dsm.apis.region.ZONES ('' : this machine's zone)",
)


def zone(sim):
    """The NAS's zone as a tzinfo (None: this machine's local zone)."""
    name = sim.behaviours[TIME_ZONE]
    return zoneinfo.ZoneInfo(ZONES[name]) if name else None


def local(sim, epoch=None):
    """The NAS's wall clock at epoch (default now), a naive datetime in the NAS's zone."""
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, tz=timezone.utc)
    tz = zone(sim)
    return moment.astimezone(tz).replace(tzinfo=None) if tz else datetime.fromtimestamp(moment.timestamp())


@method("SYNO.Core.Region.NTP", "get")
def ntp_get(ctx):
    epoch = int(time.time())
    now = local(ctx.sim, epoch)
    return {
        "date": f"{now.year}/{now.month}/{now.day}",  # DSM writes no leading zeros here
        "enable_ntp": "ntp",
        "hour": now.hour,
        "minute": now.minute,
        "second": now.second,
        "now": now.strftime("%a %b %d %H:%M:%S %Y") + "\n",
        "server": "time.google.com",
        "timestamp": epoch,
        "timezone": ctx.sim.behaviours[TIME_ZONE] or "Greenwich",
    }
