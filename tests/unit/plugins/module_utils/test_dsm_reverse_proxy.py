# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reverse-proxy rule's pure logic: validation, the wire entry, the managed view and its differences."""

import re

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_reverse_proxy as rp
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError


def options(**changed):
    """The module's options as Ansible hands them over (defaults filled in), for the guide's rule."""
    params = {
        "description": "anki",
        "state": "present",
        "source_protocol": "https",
        "source_host": "anki.example.com",
        "source_port": 443,
        "hsts": True,
        "http2": None,
        "destination_protocol": "http",
        "destination_host": "localhost",
        "destination_port": 27701,
        "websocket": True,
        "custom_headers": [],
        "proxy_connect_timeout": 60,
        "proxy_read_timeout": 60,
        "proxy_send_timeout": 60,
        "certificate": None,
    }
    params.update(changed)
    return params


def test_the_entry_is_dsm_s_wire_shape_with_the_websocket_headers():
    entry = rp.new_entry(options(http2=True))
    assert entry["frontend"] == {
        "fqdn": "anki.example.com",
        "port": 443,
        "protocol": 1,
        "https": {"hsts": True, "http2": True},
        "acl": None,
    }
    assert entry["backend"] == {"fqdn": "localhost", "port": 27701, "protocol": 0}
    assert entry["customize_headers"] == [
        {"name": "Upgrade", "value": "$http_upgrade"},
        {"name": "Connection", "value": "$connection_upgrade"},
    ]
    assert (entry["proxy_http_version"], entry["proxy_read_timeout"], entry["proxy_intercept_errors"]) == (1, 60, False)
    assert "http2" not in rp.entry_from_params(options())["frontend"]["https"]  # unset: DSM 7's global switch rules
    assert rp.entry_from_params(options(websocket=False))["customize_headers"] == []


def test_an_update_keeps_what_dsm_listed_and_the_module_does_not_manage():
    listed = {
        "UUID": "u-1",
        "_key": "k",
        "description": "anki",
        "frontend": {"fqdn": "anki.example.com", "port": 443, "protocol": 1, "acl": "lan", "https": {"hsts": False}},
        "backend": {"fqdn": "localhost", "port": 8080, "protocol": 0},
        "unknown_field": 7,
    }
    merged = rp.merged_entry(listed, options())
    assert (merged["UUID"], merged["_key"], merged["unknown_field"]) == ("u-1", "k", 7)
    assert merged["frontend"]["acl"] == "lan"
    assert merged["frontend"]["https"] == {"hsts": True} and merged["backend"]["port"] == 27701
    assert listed["backend"]["port"] == 8080  # the listed rule itself is not changed
    assert rp.merged_entry({"uuid": "u-2"}, options())["UUID"] == "u-2"


def test_differences_ignore_case_order_and_types_dsm_changes():
    headers = [{"name": "X-Real-IP", "value": "$remote_addr"}]
    desired = rp.entry_from_params(options(custom_headers=headers))
    listed = rp.entry_from_params(options(custom_headers=headers))
    listed["frontend"].update(fqdn="Anki.Example.com.", port="443")
    listed["customize_headers"] = [{"name": "x-real-ip", "value": "$remote_addr"}, *listed["customize_headers"][:2]]
    listed["proxy_read_timeout"] = "60"
    assert rp.differences(listed, desired) == []
    listed["backend"]["port"] = 8080
    listed["frontend"]["https"]["hsts"] = False
    assert rp.differences(listed, desired) == ["hsts", "destination_port"]


def test_http2_is_compared_only_where_dsm_lists_it_and_the_option_is_set():
    dsm7 = rp.entry_from_params(options())
    assert rp.managed_view(dsm7)["http2"] is None
    assert rp.differences(dsm7, rp.entry_from_params(options(http2=True))) == []
    dsm6 = rp.entry_from_params(options(http2=False))
    assert rp.differences(dsm6, rp.entry_from_params(options(http2=True))) == ["http2"]


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"description": " "}, "description must be a non-empty, single-line name"),
        ({"source_host": "anki_example.com"}, "source_host 'anki_example.com' is not a valid host name"),
        ({"destination_host": "*.lan"}, "destination_host '*.lan' is not a valid host name"),
        ({"destination_port": None}, "destination_port must be a port from 1 to 65535 (got None)"),
        ({"source_port": 70000}, "source_port must be a port from 1 to 65535 (got 70000)"),
        ({"proxy_read_timeout": 0}, "proxy_read_timeout must be from 1 to 86400 seconds (got 0)"),
        ({"custom_headers": [{"name": "X Bad", "value": "1"}]}, "the header name 'X Bad' is invalid"),
        ({"custom_headers": [{"name": "X-A", "value": "a\nb"}]}, "the value of header 'X-A' must be one line"),
        (
            {"custom_headers": [{"name": "upgrade", "value": "x"}]},
            "the header 'upgrade' is given twice; websocket=true already sets it",
        ),
        ({"certificate": "anki", "source_protocol": "http"}, "certificate needs source_protocol=https"),
        ({"certificate": " "}, "certificate must name a certificate"),
    ],
)
def test_bad_options_fail_naming_the_option(changed, message):
    with pytest.raises(ResourceError, match=re.escape(message)):
        rp.validate(options(**changed))


def test_good_options_pass_and_absent_needs_only_the_description():
    rp.validate(options(source_host="*.example.com", destination_host="192.168.1.10", certificate="anki"))
    rp.validate(options(source_host="::1"))
    rp.validate({"description": "anki", "state": "absent"})


def test_one_rule_per_description_and_the_rule_to_adopt_by_its_frontend():
    rules = [
        {"UUID": "a", "description": "guide", "frontend": {"fqdn": "ANKI.example.com", "port": 443}},
        {"UUID": "b", "description": "other", "frontend": {"fqdn": "other.example.com", "port": 443}},
    ]
    assert rp.find_rule(rules, "guide")["UUID"] == "a" and rp.find_rule(rules, "anki") is None
    assert rp.adoption(rp.find_serving(rules, options())) == {"description": "guide", "UUID": "a"}
    assert rp.find_serving(rules, options(source_port=8443)) is None
    with pytest.raises(ResourceError, match=re.escape("2 reverse-proxy rules are named 'guide' (UUIDs a, c)")):
        rp.find_rule([*rules, {"uuid": "c", "description": "guide"}], "guide")
