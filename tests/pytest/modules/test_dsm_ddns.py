"""dsm_ddns, run as Ansible runs it, against the simulated DSM's DDNS over HTTP."""

import secrets
from pathlib import Path

import pytest
from harness.runner import play_recap, run_module, run_playbook
from modules_helpers import CUSTOM, writes

PLAYBOOK = Path(__file__).parent / "playbooks" / "ddns_record.yml"
WRITES_UNVERIFIED = (
    "SYNO.Core.DDNS.Record create has no public capture; set/delete/update_ip_address/test are what the app "
    "ApaipaiLtd/dsm_helper sends, never run by a tested client (dsm-webapi.md §10.2 DDNS)"
)


def ddns(dsm, check=False, diff=True, **args):
    return run_module("dsm_ddns", dsm.connection(**args), check=check, diff=diff)


def records(dsm):
    return dsm.state()["state"].get("ddns", {}).get("records", {})


@pytest.mark.unverified_contract(reason=WRITES_UNVERIFIED)
def test_a_custom_provider_record_is_created_once_and_the_password_never_shows(make_dsm):
    dsm = make_dsm(ddns_custom_providers=CUSTOM)
    token = "ddns-" + secrets.token_hex(12)
    extra = {
        "dsm_url": dsm.url,
        "dsm_username": "admin",
        "dsm_password": dsm.password,
        "dsm_ca_path": dsm.ca_path,
        "ddns_provider": "duckdns",
        "ddns_hostname": "anki-test.duckdns.org",
        "ddns_username": "anki",
        "ddns_password": token,
    }
    process = run_playbook(PLAYBOOK, extra, verbosity=3, diff=True)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-4000:]
    assert play_recap(process)["changed"] == 1
    assert token not in output and dsm.password not in output
    stored = records(dsm)["USER_duckdns"]
    assert stored["passwd"] == token and stored["hostname"] == "anki-test.duckdns.org"
    assert stored["status"] == "service_ddns_normal"  # DSM was asked to update the address after the save
    counters = dsm.counters()
    # the create and its address update; the rerun wrote nothing
    assert counters["writes"] == {"SYNO.Core.DDNS.Record.create": 1, "SYNO.Core.DDNS.Record.update_ip_address": 1}
    assert counters["reads"]["SYNO.Core.DDNS.Record.test"] == 1


@pytest.mark.unverified_contract(reason=WRITES_UNVERIFIED)
def test_check_mode_diff_update_and_delete(make_dsm):
    dsm = make_dsm(ddns_custom_providers=CUSTOM)
    args = dict(provider="USER_duckdns", hostname="anki.duckdns.org", username="anki", password="first-token")

    checked = ddns(dsm, check=True, **args)
    assert not checked.failed, checked.get("msg")
    assert checked["changed"] and checked["operation"] == "create"
    assert checked["diff"]["before"] == {}
    assert checked["diff"]["after"]["password"] == "********" and checked["diff"]["after"]["enabled"] is True
    assert "first-token" not in checked.stdout + checked.stderr
    assert writes(dsm) == {} and records(dsm) == {}

    created = ddns(dsm, **args)
    assert not created.failed, created.get("msg")
    assert created["record"]["provider"] == "USER_duckdns" and created["record"]["ip"] == "203.0.113.10"
    assert created["external_ip"] == "203.0.113.10"
    assert "password" not in created["record"]

    dsm.reset_counters()
    # The * spelling dsm_helper uses names the same record; DSM does not list the password, so on_create keeps it.
    again = ddns(dsm, **{**args, "provider": "*duckdns", "password": "another-token"})
    assert again["changed"] is False and writes(dsm) == {}
    assert records(dsm)["USER_duckdns"]["passwd"] == "first-token"

    moved = ddns(dsm, **{**args, "hostname": "anki2.duckdns.org", "heartbeat": True})
    assert not moved.failed, moved.get("msg")
    assert moved["changed_keys"] == ["hostname", "heartbeat"]
    assert moved["record"]["hostname"] == "anki2.duckdns.org" and moved["record"]["heartbeat"] is True
    assert writes(dsm) == {"SYNO.Core.DDNS.Record.set": 1, "SYNO.Core.DDNS.Record.update_ip_address": 1}

    always = ddns(
        dsm, **{**args, "hostname": "anki2.duckdns.org", "password": "second-token", "update_password": "always"}
    )
    assert always["changed"] and always["changed_keys"] == ["password"]
    assert "password" not in always["diff"]["after"]  # the record as DSM lists it: never a password
    assert "second-token" not in always.stdout + always.stderr
    assert records(dsm)["USER_duckdns"]["passwd"] == "second-token"

    removed = ddns(dsm, provider="duckdns", hostname="anki2.duckdns.org", state="absent")
    assert not removed.failed, removed.get("msg")
    assert removed["changed"] and removed["record"] == {} and records(dsm) == {}
    dsm.reset_counters()
    assert ddns(dsm, provider="duckdns", hostname="anki2.duckdns.org", state="absent")["changed"] is False
    assert writes(dsm) == {}


def test_a_failed_provider_test_changes_nothing(make_dsm):
    dsm = make_dsm(ddns_custom_providers=CUSTOM)
    result = ddns(dsm, provider="duckdns", hostname="anki.duckdns.org", username="anki", password="", test=True)
    assert result.failed and "test needs password" in result["msg"]
    assert writes(dsm) == {}


def test_providers_and_input_are_checked_before_any_write(make_dsm):
    dsm = make_dsm(ddns_custom_providers=CUSTOM)
    unknown = ddns(dsm, provider="NoSuchDNS", hostname="anki.example.org", username="a", password="b")
    assert unknown.failed
    assert "provider NoSuchDNS is not one DSM lists (" in unknown["msg"] and "USER_duckdns" in unknown["msg"]
    for args, message in (
        ({"provider": "No-IP.com", "hostname": "anki"}, "hostname must be a fully qualified host name"),
        ({"provider": "No-IP.com", "hostname": "anki.example.org"}, "username is required"),
        ({"provider": "No-IP.com", "hostname": "anki.example.org", "username": "a"}, "password is required"),
    ):
        result = ddns(dsm, **args)
        assert result.failed and message in result["msg"], result.get("msg")
    assert writes(dsm) == {}


def test_a_synology_name_is_read_and_reported_never_written(make_dsm, tmp_path):
    fresh = make_dsm()
    missing = ddns(fresh, provider="Synology", hostname="my-anki.synology.me")
    assert missing.failed
    assert "my-anki.synology.me is not registered in DSM" in missing["msg"]
    assert "Control Panel > External Access > DDNS > Add > Service provider: Synology" in missing["msg"]
    refused = ddns(fresh, provider="Synology", hostname="my-anki.synology.me", username="me", password="pw")
    assert refused.failed and refused["msg"].startswith("username, password: the module only reads")
    assert writes(fresh) == {}

    nas = make_dsm(
        myds_account="owner@example.org",
        synology_ddns_hostname="my-anki.synology.me",
        external_ip="198.51.100.7",
        state_path=tmp_path / "registered.json",
    )
    found = ddns(nas, provider="Synology", hostname="my-anki.synology.me")
    assert not found.failed, found.get("msg")
    assert found["changed"] is False
    assert found["record"]["status"] == "service_ddns_normal" and found["record"]["ip"] == "198.51.100.7"
    assert found["synology_account"] == {"signed_in": True, "account": "owner@example.org"}
    assert found["external_ip"] == "198.51.100.7"
    assert writes(nas) == {}
