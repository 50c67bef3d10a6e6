"""dsm_ddns_info, run as Ansible runs it, against the simulated DSM's DDNS over HTTP."""

from harness.runner import run_module
from modules_helpers import CUSTOM, writes


def test_ddns_info_reads_providers_records_the_external_address_and_the_account(make_dsm):
    dsm = make_dsm(ddns_custom_providers=CUSTOM, external_ip=None)
    info = run_module("dsm_ddns_info", dsm.connection())
    assert not info.failed, info.get("msg")
    assert "Synology" in info["providers"] and "USER_duckdns" in info["providers"]
    assert info["records"] == []
    assert info["external_ip"] is None  # DSM reports 0.0.0.0: no external address
    assert info["external_addresses"] == [{"ip": None, "ipv6": None, "type": "WAN"}]
    assert info["synology_account"] == {"signed_in": False, "account": None}
    assert writes(dsm) == {}
