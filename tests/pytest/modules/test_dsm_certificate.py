"""ankinas.synology.dsm_certificate against the simulated DSM: Let's Encrypt (the test CA stands in) and PEM import."""

import copy
from datetime import datetime, timedelta, timezone

import pytest
import requests
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from harness.runner import run_module
from proxy_helpers import rule_args
from simnas.dsm.apis.certificate import certificates
from simnas.waiting import wait_until

LE = "SYNO.Core.Certificate.LetsEncrypt.create"
IMPORT = "SYNO.Core.Certificate.import"
HOST = "anki.example.test"  # no seeded certificate covers it


def certificate(proxy_dsm, check=False, diff=False, **args):
    return run_module("dsm_certificate", proxy_dsm.connection(**args), check=check, diff=diff)


def listed(proxy_dsm):
    with proxy_dsm.sim.lock:
        return copy.deepcopy(certificates(proxy_dsm.sim))  # seeded on first use


def test_letsencrypt_issues_once_then_leaves_renewal_to_dsm(proxy_dsm):
    predicted = certificate(proxy_dsm, check=True, common_name=HOST, email="me@example.test")
    assert predicted["changed"] and predicted["operation"] == "create" and proxy_dsm.writes() == {}

    issued = certificate(proxy_dsm, diff=True, common_name=HOST, email="me@example.test")
    assert not issued.failed, issued.get("msg")
    assert issued["changed"] and issued["operation"] == "create"
    assert issued["certificate"]["common_name"] == HOST and issued["certificate"]["renewable"] is True
    assert issued["diff"]["before"] == {} and issued["diff"]["after"]["id"] == issued["certificate"]["id"]
    assert [cert["desc"] for cert in listed(proxy_dsm)].count(HOST) == 1
    assert proxy_dsm.writes() == {LE: 1}

    proxy_dsm.reset_counters()
    again = certificate(proxy_dsm, common_name=HOST, email="me@example.test")
    assert not again["changed"] and again["certificate"]["id"] == issued["certificate"]["id"]
    # A name a wildcard already covers needs no request either.
    covered = certificate(proxy_dsm, common_name="sync.nas.test", email="me@example.test")
    assert not covered["changed"] and covered["certificate"]["common_name"] == "*.nas.test"
    assert proxy_dsm.writes() == {}


@pytest.mark.parametrize(
    ("code", "setup", "names", "words"),
    [
        (5521, {"letsencrypt_refusal": {"code": 5521}}, [], "port 80"),
        (5524, {"letsencrypt_refusal": {"code": 5524}}, [], "at most 5 certificates per week"),
        (5528, {}, ["*.example.test"], "only for Synology DDNS names"),
    ],
)
def test_letsencrypt_refusals_are_not_retried(proxy_dsm, code, setup, names, words):
    if setup:
        proxy_dsm.faults(**setup)
    before = len(listed(proxy_dsm))
    result = certificate(proxy_dsm, common_name=HOST, subject_alt_names=names, email="me@example.test")
    assert result.failed
    assert f"{LE.rpartition('.')[0]} create failed: DSM error {code}" in result["msg"] and words in result["msg"]
    assert proxy_dsm.writes() == {LE: 1}  # exactly one attempt
    assert len(listed(proxy_dsm)) == before


def test_a_letsencrypt_504_is_settled_by_the_list_and_never_sent_again(make_proxy_dsm):
    # DSM's front nginx answers 504 while DSM goes on with the ACME exchange; the certificate is listed 6 s later.
    nas = make_proxy_dsm(behaviours={"letsencrypt_answer_504_then_issue_seconds": 6})
    issued = certificate(nas, common_name=HOST, email="me@example.test")
    assert not issued.failed, issued.get("msg")
    assert issued["changed"] and issued["operation"] == "create" and issued["certificate"]["common_name"] == HOST
    assert nas.writes() == {LE: 1} and [cert["desc"] for cert in listed(nas)].count(HOST) == 1
    nas.reset_counters()
    again = certificate(nas, common_name=HOST, email="me@example.test")
    assert not again["changed"] and nas.writes() == {}


def test_letsencrypt_still_issuing_after_the_wait_is_told_and_found_by_the_next_run(make_proxy_dsm):
    nas = make_proxy_dsm(behaviours={"letsencrypt_answer_504_then_issue_seconds": 8})
    waits = {"letsencrypt_timeout": 2, "restart_timeout": 2}
    pending = certificate(nas, common_name=HOST, email="me@example.test", **waits)
    assert pending.failed and "DSM answered HTTP 504" in pending["msg"]
    assert "DSM may still be issuing it" in pending["msg"] and "never sends the request twice" in pending["msg"]
    assert nas.writes() == {LE: 1}
    wait_until(lambda: HOST in [cert["desc"] for cert in listed(nas)], 30, "DSM's certificate issued in the background")
    nas.reset_counters()
    later = certificate(nas, common_name=HOST, email="me@example.test")
    assert not later.failed and not later["changed"] and nas.writes() == {}


def test_a_multipart_call_is_dispatched_from_the_url_query(proxy_dsm):
    """As acme.sh, N4S4 and batonogov send an import (api/version/method in the URL); in the body only DSM does not
    see them (batonogov: "rejected on some DSM builds")."""
    login = DSMClient(**proxy_dsm.client_options()).session()
    cert, key = proxy_dsm.ca.leaf("multipart", HOST)
    files = {"key": ("key.pem", key.read_bytes()), "cert": ("cert.pem", cert.read_bytes())}
    dispatch = {"api": "SYNO.Core.Certificate", "version": "1", "method": "import"}
    session = {"_sid": login["sid"], "SynoToken": login["synotoken"]}

    def post(query, body):
        url = proxy_dsm.url + "/webapi/entry.cgi"
        data = dict(body, id="", desc="multipart")
        return requests.post(url, params=query, data=data, files=files, verify=proxy_dsm.ca_path, timeout=30)

    assert post(session, dispatch).json() == {"success": False, "error": {"code": 101}}
    assert proxy_dsm.writes() == {}
    with pytest.raises(requests.ConnectionError):  # applied; DSM restarts its web server and the answer is lost
        post(dict(session, **dispatch), dispatch)
    assert [cert["desc"] for cert in listed(proxy_dsm)].count("multipart") == 1


def test_import_replaces_in_place_keeps_the_binding_and_never_shows_the_key(proxy_dsm, tmp_path):
    first_cert, first_key = proxy_dsm.ca.leaf("import-first", HOST)
    pem = {"certificate": first_cert.read_text(), "private_key": first_key.read_text()}
    imported = certificate(proxy_dsm, diff=True, source="import", common_name=HOST, description="Imported", **pem)
    assert not imported.failed, imported.get("msg")
    assert imported["changed"] and imported["operation"] == "create"
    cert_id = imported["certificate"]["id"]
    assert proxy_dsm.writes() == {IMPORT: 1}
    assert not certificate(proxy_dsm, source="import", common_name=HOST, description="Imported", **pem)["changed"]

    bound = proxy_dsm.run(**rule_args(source_host=HOST, certificate="Imported"))
    assert bound["certificate"]["id"] == cert_id, bound.get("msg")

    # The renewal: a new key, valid a year longer (DSM lists no serial or fingerprint, only names and dates).
    later = datetime.now(timezone.utc) + timedelta(days=800)
    leaf = proxy_dsm.ca._ca.issue_cert(HOST, common_name=HOST, not_after=later)
    renewed = {
        "certificate": leaf.cert_chain_pems[0].bytes().decode(),
        "private_key": leaf.private_key_pem.bytes().decode(),
    }
    replaced = certificate(proxy_dsm, diff=True, source="import", common_name=HOST, description="Imported", **renewed)
    assert replaced["changed"] and replaced["operation"] == "update" and replaced["certificate"]["id"] == cert_id
    record = next(cert for cert in listed(proxy_dsm) if cert["id"] == cert_id)
    assert [service["service"] for service in record["services"]] == [bound["rule"]["UUID"]]

    mismatched = {"certificate": pem["certificate"], "private_key": renewed["private_key"]}
    mismatch = certificate(proxy_dsm, source="import", common_name=HOST, description="Imported", **mismatched)
    assert mismatch.failed and "DSM error 5514" in mismatch["msg"]
    for result in (imported, replaced, mismatch):
        for key in (pem["private_key"], renewed["private_key"]):
            assert key.strip().splitlines()[1] not in result.stdout + result.stderr


def test_import_of_a_certificate_for_another_name_fails_before_any_call(proxy_dsm):
    cert, key = proxy_dsm.ca.leaf("import-other", "other.example.test")
    result = certificate(
        proxy_dsm, source="import", common_name=HOST, certificate=cert.read_text(), private_key=key.read_text()
    )
    assert result.failed and "not for common_name anki.example.test" in result["msg"]
    assert proxy_dsm.counters()["logins_attempted"] == 0
