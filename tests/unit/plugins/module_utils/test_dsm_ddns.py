# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure logic of dsm_ddns: provider spellings, records as DSM lists them, what differs, external addresses."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_ddns import (
    external_addresses,
    first_ip,
    record_differences,
    resolve_provider,
    shape_record,
    valid_hostname,
    wire_spelling,
)
from ansible_collections.ankinas.synology.plugins.module_utils._resource import MASK

NO_IPV4 = "0.0.0.0"  # noqa: S104 - DSM's "no address"
LISTED = ["Synology", "No-IP.com", "USER_duckdns"]
RECORD = {"hostname": "anki.example.org", "username": "anki", "enabled": True, "heartbeat": False}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("USER_duckdns", "USER_duckdns"),
        ("*duckdns", "USER_duckdns"),  # dsm_helper's spelling
        ("duckdns", "USER_duckdns"),
        ("DuckDNS", "USER_duckdns"),
        ("no-ip.com", "No-IP.com"),
        ("Synology", "Synology"),
        ("nosuch", None),
        ("*No-IP.com", None),  # a built-in is never a custom one
    ],
)
def test_a_provider_is_found_in_any_of_its_spellings(given, expected):
    assert resolve_provider(LISTED, given) == expected


def test_custom_providers_go_over_the_wire_as_dsm_helper_sends_them():
    assert wire_spelling("USER_duckdns") == "*duckdns"
    assert wire_spelling("No-IP.com") == "No-IP.com"


def test_the_listed_record_is_shaped_without_dsms_none_addresses():
    listed = {
        "id": "Synology",
        "provider": "Synology",
        "hostname": "foobar.synology.me",
        "username": "foobar@example.org",
        "enable": True,
        "heartbeat": True,
        "net": "DEFAULT",
        "ip": "192.0.2.59",
        "ipv6": "0:0:0:0:0:0:0:0",
        "lastupdated": "2019-02-15 08:52",
        "status": "service_ddns_normal",
    }
    assert shape_record(listed) == {
        "provider": "Synology",
        "hostname": "foobar.synology.me",
        "username": "foobar@example.org",
        "enabled": True,
        "heartbeat": True,
        "status": "service_ddns_normal",
        "ip": "192.0.2.59",
        "ipv6": None,
        "last_updated": "2019-02-15 08:52",
    }
    assert shape_record({"ip": "-", "lastupdated": ""})["ip"] is None
    assert shape_record({"ip": NO_IPV4})["last_updated"] is None


def test_record_differences_compare_what_dsm_lists_and_a_password_only_when_sent():
    assert record_differences(RECORD, dict(RECORD)) == []
    assert record_differences(RECORD, dict(RECORD, hostname="ANKI.example.org.")) == []  # DNS names ignore case
    assert record_differences(RECORD, dict(RECORD, username="other", heartbeat=True)) == ["username", "heartbeat"]
    assert record_differences(RECORD, dict(RECORD, enabled=False)) == ["enabled"]
    assert record_differences(RECORD, dict(RECORD, password=MASK)) == ["password"]


def test_external_addresses_treat_dsms_zero_addresses_as_none():
    answer = [
        {"ip": NO_IPV4, "ipv6": "0:0:0:0:0:0:0:0", "type": "WAN"},
        {"ip": "198.51.100.7", "ipv6": "2001:db8::7", "type": "WAN"},
    ]
    found = external_addresses(answer)
    assert found == [
        {"ip": None, "ipv6": None, "type": "WAN"},
        {"ip": "198.51.100.7", "ipv6": "2001:db8::7", "type": "WAN"},
    ]
    assert first_ip(found) == "198.51.100.7"
    assert external_addresses({"unexpected": True}) == [] and first_ip([]) is None


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("anki.example.org", True),
        ("my-anki.synology.me.", True),
        ("anki", False),
        ("-x.example.org", False),
        ("", False),
    ],
)
def test_host_names(name, valid):
    assert valid_hostname(name) is valid
