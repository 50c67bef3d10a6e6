# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NAS's clock from the two answers that give it (SYNO.Core.Region.NTP get, SYNO.DSM.Info getinfo's time)."""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_clock import from_info, from_region

# SYNO.Core.Region.NTP get on DSM 7.4-90075, as batonogov/terraform-provider-synology-dsm quotes it
REGION = {
    "date": "2026/8/12",
    "enable_ntp": "ntp",
    "hour": 16,
    "minute": 8,
    "now": "Wed Aug 12 16:08:34 2026\n",
    "second": 34,
    "server": "time.google.com",
    "timestamp": 1786540114,
    "timezone": "Amman",
}


def test_region_ntp_gives_the_wall_clock_the_epoch_and_the_offset():
    assert from_region(REGION) == {
        "local": "2026-08-12 16:08:34",
        "timestamp": 1786540114,
        "utc_offset": 3 * 3600,  # 13:08:34 UTC
        "timezone": "Amman",
        "source": "SYNO.Core.Region.NTP",
    }


def test_a_zone_west_of_greenwich_and_strings_for_numbers():
    answer = dict(REGION, date="2026/8/12", hour="6", minute="8", second="34", timezone="Pacific")
    clock = from_region(answer)
    assert clock["local"] == "2026-08-12 06:08:34" and clock["utc_offset"] == -7 * 3600


def test_region_ntp_without_the_wall_clock_or_the_epoch_is_read_as_far_as_it_goes():
    assert from_region({"timezone": "Amman"}) is None
    assert from_region(dict(REGION, date="2026/13/40")) is None
    assert from_region(dict(REGION, timestamp=None))["utc_offset"] is None
    assert from_region(None) is None


def test_dsm_info_gives_the_wall_clock_only():
    # SYNO.DSM.Info getinfo on DSM 7.0.1 (xupin/synology-php tools/results/SYNO.DSM.Info-getinfo.json)
    assert from_info({"time": "Sun Apr 24 09:12:38 2022"}) == {
        "local": "2022-04-24 09:12:38",
        "timestamp": None,
        "utc_offset": None,
        "timezone": "",
        "source": "SYNO.DSM.Info",
    }
    assert from_info({"time": "Sun Apr  4 09:12:38 2022"})["local"] == "2022-04-04 09:12:38"  # ctime pads the day
    assert from_info({"time": "soon"}) is None
    assert from_info({}) is None
