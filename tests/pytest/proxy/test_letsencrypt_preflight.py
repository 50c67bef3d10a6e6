"""The Let's Encrypt preflight of the reverse_proxy role (its entry point preflight, as site.yml runs it before any
change): the host name must resolve to the NAS's external address as DSM detects it (SYNO.Core.DDNS.ExtIP, the
simulator's external_ip), or the run stops saying what to fix, before any change and before any Let's Encrypt request.

The name is resolved on the controller (the lookup host_addresses: localhost really resolves, to 127.0.0.1), or taken
from reverse_proxy_letsencrypt_public_addresses (what public DNS answers), which the tests use to point a name at a
known address without touching this machine's /etc/hosts.
"""

from test_reverse_proxy_role import play

NAS_ADDRESS = "198.51.100.20"
ROLE_VARS = {
    "reverse_proxy_destination_port": 27701,
    "reverse_proxy_certificate_issue": "letsencrypt",
    "reverse_proxy_certificate_email": "admin@example.test",
}


def said(process):
    return " ".join((process.stdout + process.stderr).split())


def assert_nothing_changed(proxy_dsm):
    counters = proxy_dsm.counters()
    assert counters["writes"] == {}, "the preflight let a change through"
    assert proxy_dsm.rules() == []
    assert proxy_dsm.state()["state"].get("certificates", []) == [] or all(
        cert["desc"] != "anki.example.test" for cert in proxy_dsm.state()["state"]["certificates"]
    )
    assert counters["logins_succeeded"] == counters["logouts"] == 1


def test_a_host_name_that_resolves_elsewhere_stops_the_run_before_any_change(make_proxy_dsm):
    proxy_dsm = make_proxy_dsm(external_ip=NAS_ADDRESS)
    process = play(
        proxy_dsm,
        preflight=True,
        reverse_proxy_source_host="anki.example.test",
        reverse_proxy_letsencrypt_public_addresses=["203.0.113.99"],
        **ROLE_VARS,
    )
    assert process.returncode != 0
    text = said(process)
    assert (
        "reverse_proxy_source_host anki.example.test resolves to 203.0.113.99 (by "
        "reverse_proxy_letsencrypt_public_addresses), not to the NAS's external address as DSM detects it, "
        f"{NAS_ADDRESS} (SYNO.Core.DDNS.ExtIP)" in text
    ), text[-3000:]
    assert f"point anki.example.test at {NAS_ADDRESS}" in text and "Control Panel > External Access > DDNS" in text
    assert "forward ports 80 and 443 of your router to the NAS" in text and "Nothing was changed" in text
    assert_nothing_changed(proxy_dsm)


def test_the_name_is_resolved_on_the_controller(make_proxy_dsm):
    # localhost resolves on every controller, to 127.0.0.1 (and ::1): not the NAS's external address.
    proxy_dsm = make_proxy_dsm(external_ip=NAS_ADDRESS)
    process = play(proxy_dsm, preflight=True, reverse_proxy_source_host="localhost", **ROLE_VARS)
    assert process.returncode != 0
    text = said(process)
    assert "reverse_proxy_source_host localhost resolves to 127.0.0.1" in text, text[-3000:]
    assert "(from this controller)" in text
    assert_nothing_changed(proxy_dsm)


def test_a_name_that_leads_to_the_nas_passes_and_the_certificate_is_issued(make_proxy_dsm):
    proxy_dsm = make_proxy_dsm(external_ip=NAS_ADDRESS)
    host_vars = dict(
        ROLE_VARS,
        reverse_proxy_source_host="anki.example.test",
        reverse_proxy_letsencrypt_public_addresses=[NAS_ADDRESS],
    )
    process = play(proxy_dsm, preflight=True, **host_vars)
    assert process.returncode == 0, said(process)[-3000:]
    issued = [cert for cert in proxy_dsm.state()["state"]["certificates"] if cert["desc"] == "anki.example.test"]
    assert len(issued) == 1
    # A certificate already covers the name: nothing to request, nothing to check (no DDNS read on a rerun).
    proxy_dsm.reset_counters()
    elsewhere = {**host_vars, "reverse_proxy_letsencrypt_public_addresses": ["192.0.2.1"]}
    again = play(proxy_dsm, preflight=True, **elsewhere)
    assert again.returncode == 0, said(again)[-3000:]
    assert proxy_dsm.counters()["writes"] == {}
    assert not any(name.startswith("SYNO.Core.DDNS.") for name in proxy_dsm.counters()["read_params"])
