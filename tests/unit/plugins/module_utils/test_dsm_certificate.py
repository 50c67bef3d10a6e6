# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate matching: which DSM certificate a name means, which covers a host, where a service is bound."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_certificate as certs
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError


def cert(cert_id, cn, sans=None, till="Jan  1 00:00:00 2099 GMT", **more):
    subject = {"common_name": cn}
    if sans is not None:
        subject["sub_alt_name"] = sans
    return dict(id=cert_id, desc=more.pop("desc", ""), subject=subject, valid_till=till, **more)


@pytest.mark.parametrize(
    ("pattern", "name", "covered"),
    [
        ("anki.example.com", "ANKI.example.com.", True),
        ("*.example.com", "anki.example.com", True),
        ("*.example.com", "a.b.example.com", False),  # a wildcard covers one label
        ("*.example.com", "example.com", False),
        ("*.example.com", "*.example.com", True),
        ("anki.example.com", "*.example.com", False),
        ("", "anki.example.com", False),
    ],
)
def test_covers(pattern, name, covered):
    assert certs.covers(pattern, name) is covered


def test_find_certificate_prefers_an_exact_name_then_the_valid_longest_then_a_wildcard():
    wildcard = cert("w", "*.example.com")
    old = cert("old", "anki.example.com", till="Jan  1 00:00:00 2030 GMT")
    new = cert("new", "x", sans=["anki.example.com"], till="Jan  1 00:00:00 2031 GMT")
    broken = cert("broken", "anki.example.com", till="Jan  1 00:00:00 2099 GMT", is_broken=True)
    listed = [wildcard, old, new, broken]
    assert certs.find_certificate(listed, "anki.example.com")["id"] == "new"
    assert certs.find_certificate(listed, "sync.example.com")["id"] == "w"
    assert certs.find_certificate([cert("d", "nas", desc="Anki cert")], "Anki cert")["id"] == "d"
    assert certs.find_certificate([broken], "anki.example.com")["id"] == "broken"  # nothing else matches


def test_no_matching_certificate_fails_listing_the_available_ones():
    with pytest.raises(ResourceError) as missing:
        certs.find_certificate([cert("a", "nas.lan"), cert("b", "*.example.org")], "anki.example.com")
    assert "'anki.example.com'; available certificates (by common name): *.example.org, nas.lan." in str(missing.value)


def test_covering_certificate_needs_every_name_and_skips_expired_and_broken_ones():
    names = ["anki.example.com", "sync.example.com"]
    both = cert("both", "anki.example.com", sans=["anki.example.com", "sync.example.com"])
    one = cert("one", "anki.example.com", sans=["anki.example.com"])
    expired = cert("expired", "*.example.com", sans=["*.example.com"], till="Jan  1 00:00:00 2001 GMT")
    broken = cert("broken", "*.example.com", sans=["*.example.com"], is_broken=True)
    assert certs.covering_certificate([one, expired, broken, both], names)["id"] == "both"
    assert certs.covering_certificate([one, expired, broken], names) is None
    # DSM 6 lists no SANs: the common name of the first name counts
    assert certs.covering_certificate([cert("cn", "anki.example.com")], names)["id"] == "cn"


def test_bindings_descriptor_and_summary():
    service = {"subscriber": "ReverseProxy", "service": "rule-1", "display_name": "anki.example.com"}
    listed = [
        cert("a", "anki.example.com", services=[service, {"subscriber": "system", "service": "default"}]),
        cert("b", "nas.lan", services=[service, "junk"]),
    ]
    assert [(c["id"], d) for c, d in certs.find_bindings(listed, "ReverseProxy", "rule-1")] == [
        ("a", service),
        ("b", service),
    ]
    assert certs.find_bindings(listed, "ReverseProxy", "rule-2") == []
    dsm6 = certs.reverse_proxy_descriptor("rule-1", "anki.example.com", 6)
    assert dsm6 == {
        "display_name": "anki.example.com",
        "isPkg": False,
        "owner": "root",
        "service": "rule-1",
        "subscriber": "ReverseProxy",
    }
    assert certs.reverse_proxy_descriptor("rule-1", "anki.example.com", 7) == dict(
        dsm6, multiple_cert=True, user_setable=True
    )
    assert certs.summary(None) is None
    assert certs.summary(listed[0]) == {
        "id": "a",
        "desc": "",
        "common_name": "anki.example.com",
        "sub_alt_name": [],
        "valid_till": "Jan  1 00:00:00 2099 GMT",
        "is_default": False,
    }
