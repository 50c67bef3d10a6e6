"""The modules against a simulated DSM as strict as real DSM (issue 20): they cope, or fail clearly."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMClient
from harness.runner import run_module

SHARE = "SYNO.Core.Share"


def shared_folder(dsm, **args):
    return run_module("dsm_shared_folder", dsm.connection(**args))


def test_a_non_admin_account_fails_naming_the_account_and_the_fix(make_dsm):
    dsm = make_dsm(users={"admin": "admin-pw", "bob": {"password": "bob-pw", "admin": False}})
    result = shared_folder(dsm, dsm_username="bob", dsm_password="bob-pw", name="docker")
    assert result.failed
    assert "SYNO.Core.Share" in result["msg"] and "DSM error 105" in result["msg"]
    assert "'bob' must be in DSM's administrators group" in result["msg"]
    assert "bob-pw" not in result.stdout + result.stderr
    assert dsm.state()["sessions"] == 0  # logged out after the failure


def test_share_changes_answered_busy_are_retried_until_done(dsm):
    dsm.faults(busy={"count": 1, "api": SHARE, "code": 3328})
    created = shared_folder(dsm, name="docker")
    assert not created.failed, created.get("msg")
    assert dsm.counters()["writes"] == {"SYNO.Core.Share.create": 2}
    assert dsm.counters()["errors"] == {"3328": 1}
    assert dsm.state()["sessions"] == 0


def test_a_nas_that_stays_busy_gives_a_bounded_clear_error(dsm):
    client = DSMClient(**dsm.client_options())
    client.busy_backoff = 0.01
    dsm.faults(busy={"count": 99, "api": SHARE, "code": 3328})
    shareinfo = {"name": "docker", "vol_path": "/volume1", "desc": ""}
    with pytest.raises(DSMAPIError, match=r"DSM error 3328 .*busy through 5 attempts"):
        client.call(SHARE, "create", {"name": "docker", "shareinfo": shareinfo}, version=1, write=True)
    client.close()
    assert dsm.counters()["writes"] == {"SYNO.Core.Share.create": 5}


def test_the_remote_backup_password_goes_in_the_encryption_envelope_over_http(dsm):
    for name in ("docker", "backups"):
        assert not shared_folder(dsm, name=name).failed
    remote = {"type": "image_remote", "host": "127.0.0.1", "share": "backups", "account": "admin"}
    remote["password"] = dsm.password
    args = dsm.connection(dsm_url=dsm.http_url, name="offsite", sources=["/volume1/docker"], destination=remote)
    result = run_module("dsm_hyper_backup", args)
    assert not result.failed, result.get("msg")
    counters = dsm.counters()
    assert counters["reads"]["SYNO.API.Encryption.getinfo"] == 1
    assert counters["writes"]["SYNO.Backup.Task.create"] == 1
    task = next(iter(dsm.state()["state"]["hyper_backup"]["tasks"].values()))
    assert task["repo"]["account"] == "admin"
