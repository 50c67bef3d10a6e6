"""The simulated Package Center and DDNS themselves: the flows public clients ran against DSM, and DSM's refusals."""

import os
import subprocess
import sys

import pytest
import requests
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import (
    DSMAPIError,
    DSMClient,
    DSMUncertainWriteError,
)
from simnas.server import free_port
from simnas.waiting import wait_until

pytestmark = pytest.mark.simulator
INSTALLATION = "SYNO.Core.Package.Installation"


def client_for(dsm, **options):
    return DSMClient(**dsm.client_options(**options))


def installed(client):
    data = client.call("SYNO.Core.Package", "list", {"additional": ["status", "startable"]}, version=2)
    return {entry["id"]: entry for entry in data["packages"]}


def refused(call, code):
    with pytest.raises(DSMAPIError) as caught:
        call()
    assert caught.value.code == code, str(caught.value)


def test_the_installed_list_takes_only_known_additional_keys_and_puts_the_status_under_additional(make_dsm):
    client = client_for(make_dsm())
    listed = installed(client)
    assert set(listed) == {"ContainerManager", "FileStation", "HyperBackup"}  # today's simulated NAS
    assert listed["ContainerManager"]["additional"] == {"status": "running", "startable": True}
    # dsmctl (live DSM 7.3): an unknown key rejects the whole call
    refused(lambda: client.call("SYNO.Core.Package", "list", {"additional": ["stoppable"]}, version=2), 120)


def test_a_fresh_nas_without_container_manager_has_no_docker_apis(make_dsm):
    dsm = make_dsm(installed_packages=["FileStation"])
    client = client_for(dsm)
    assert not client.has_api("SYNO.Docker.Project") and not client.has_api("SYNO.Backup.Task")
    refused(lambda: client.call("SYNO.Docker.Project", "list", version=1), 102)
    assert set(installed(client)) == {"FileStation"}


def test_the_catalog_of_a_model_not_offered_container_manager(make_dsm):
    client = client_for(make_dsm(not_offered=["ContainerManager"]))
    catalog = client.call("SYNO.Core.Package.Server", "list", {"blforcereload": False, "blloadothers": False})
    ids = {entry["id"] for entry in catalog["packages"]}
    assert "ContainerManager" not in ids and "HyperBackup" in ids
    assert catalog["beta_packages"] == []
    entry = next(entry for entry in catalog["packages"] if entry["id"] == "HyperBackup")
    assert entry["link"].endswith("/HyperBackup-x86_64-4.1.0-3718.spk") and len(entry["md5"]) == 32


def test_the_queue_names_dependencies_the_catalog_does_not(make_dsm):
    client = client_for(make_dsm(installed_packages=["FileStation"]))
    catalog = client.call("SYNO.Core.Package.Server", "list")
    drive = next(entry for entry in catalog["packages"] if entry["id"] == "SynologyDrive")
    assert drive["deppkgs"] is None  # as synology-cli saw it on a live NAS
    pkgs = [{"pkg": "SynologyDrive", "operation": "install", "version": drive["version"], "beta": False}]
    queue = client.call(INSTALLATION, "get_queue", {"pkgs": pkgs}, version=1)
    assert [item["pkg"] for item in queue["queue"]] == [
        "SynologyApplicationService",
        "UniversalViewer",
        "SynologyDrive",
    ]
    missing = client.call(INSTALLATION, "get_queue", {"pkgs": [{"pkg": "NoSuchPackage"}]}, version=1)
    assert missing["non_exist_pkgs"] == ["NoSuchPackage"] and missing["queue"] == []


@pytest.mark.parametrize("dropped", [False, True])
def test_a_two_phase_install_downloads_then_installs_from_the_downloaded_file(make_dsm, dropped):
    """pvulgaris/synology-cli's flow from a DSM 7.3.2 browser capture; the commit is held while DSM installs."""
    behaviours = {"package_install_seconds": 2.0, "package_install_answer_dropped": dropped}
    dsm = make_dsm(installed_packages=["FileStation"], behaviours=behaviours)
    client = client_for(dsm, timeout=5)
    download = {
        "name": "TextEditor",
        "operation": "install",
        "blqinst": False,
        "type": 0,
        "volume_path": "/volume1",
        "is_syno": True,
        "beta": False,
    }
    task = client.call(INSTALLATION, "install", download, version=1, write=True)
    assert task["taskid"] == "@SYNOPKG_DOWNLOAD_TextEditor"
    # dsmctl's `taskid` gets 120; `task_id` is the name the other clients send.
    refused(lambda: client.call(INSTALLATION, "status", {"taskid": task["taskid"]}, version=1), 120)
    wait_until(
        lambda: client.call(INSTALLATION, "status", {"task_id": task["taskid"]}, version=1)["finished"],
        10,
        "the download finishes",
    )
    staged = client.call("SYNO.Core.Package.Installation.Download", "check", {"taskid": task["taskid"]}, version=1)
    assert staged["status"] == "non_installed" and staged["filename"].endswith("/@SYNOPKG_DOWNLOAD_TextEditor")
    assert "TextEditor" not in installed(client)  # a download is not an install
    commit = {
        "path": staged["filename"],
        "volume_path": "/volume1",
        "extra_values": "{}",
        "type": 0,
        "check_codesign": True,
        "force": True,
        "installrunpackage": True,
    }
    if dropped:
        with pytest.raises(DSMUncertainWriteError):
            client.call(INSTALLATION, "install", commit, version=1, write=True)
        assert dsm.counters()["dropped_connections"] == 1
    else:
        answer = client.call(INSTALLATION, "install", commit, version=1, write=True)
        assert answer == {"packageName": "Text Editor", "worker_message": [], "message": ""}
    assert installed(client)["TextEditor"]["additional"]["status"] == "running"


def test_refusals_of_the_quick_install(make_dsm, tmp_path):
    dsm = make_dsm(
        installed_packages=["FileStation"],
        volume_free_bytes={"volume1": 50 * 1024**2},
        behaviours={"package_install_seconds": 30.0, "package_install_answer_dropped": False},
    )
    client = client_for(dsm)

    def quick(name):
        params = {"name": name, "volume_path": "/volume1", "blqinst": True, "installrunpackage": True}
        return lambda: client.call(INSTALLATION, "install", params, version=1, write=True)

    refused(quick("ContainerManager"), 4520)  # 118 MB on 50 MB free
    refused(quick("UniversalViewer"), 4526)  # its dependency is not installed
    refused(quick("FileStation"), 4544)
    quick("TextEditor")()
    check = client.call(INSTALLATION, "check", {"id": "HyperBackupVault"}, version=2)
    assert check["is_occupied"] is True and check["volume_path"] == "/volume1"
    refused(quick("HyperBackupVault"), 4530)
    refused(
        lambda: client.call("SYNO.Core.Package.Control", "stop", {"id": "FileStation"}, version=1, write=True), 4530
    )


@pytest.mark.unverified_contract(reason="no public list of packages that need their wizard (dsm-webapi.md §10.2 gap 6)")
def test_a_package_with_an_install_wizard_refuses_the_quick_install(make_dsm):
    client = client_for(make_dsm(behaviours={"package_install_seconds": 0.0}))
    params = {"name": "SurveillanceStation", "volume_path": "/volume1", "blqinst": True}
    refused(lambda: client.call(INSTALLATION, "install", params, version=1, write=True), 4501)


def test_start_and_stop_take_effect_later(make_dsm):
    dsm = make_dsm(behaviours={"package_control_seconds": 1.0})
    client = client_for(dsm)
    assert client.call("SYNO.Core.Package.Control", "stop", {"id": "HyperBackup"}, version=1, write=True) == {}
    assert installed(client)["HyperBackup"]["additional"]["status"] == "running"
    wait_until(lambda: installed(client)["HyperBackup"]["additional"]["status"] == "stop", 10, "HyperBackup stops")


@pytest.mark.unverified_contract(reason="DDNS Record create/set/delete: no public client that ran against DSM")
def test_ddns_record_writes_take_dsm_helpers_shapes_and_refuse_the_public_collections(make_dsm):
    dsm = make_dsm(ddns_custom_providers={"mine": "https://ddns.example.org/?h=__HOSTNAME__"})
    client = client_for(dsm)
    providers = client.call("SYNO.Core.DDNS.Provider", "list", version=1)["providers"]
    assert {
        "id": "USER_mine",
        "provider": "USER_mine",
        "website": "",
        "url": "https://ddns.example.org/?h=__HOSTNAME__",
    } in (providers)
    record = "SYNO.Core.DDNS.Record"
    base = {"provider": "*mine", "hostname": "nas.example.org", "username": "me", "enable": True, "heartbeat": False}
    # stevefulme1/ansible-synology-dsm sends the password as `password`: DSM's field is passwd.
    refused(lambda: client.call(record, "create", dict(base, password="secret"), version=1, write=True), 114)
    client.call(record, "create", dict(base, passwd="secret"), version=1, write=True)
    listed = client.call(record, "list", version=1)["records"]
    assert [(entry["id"], entry["provider"], entry["status"]) for entry in listed] == [
        ("USER_mine", "USER_mine", "loading")
    ]
    assert "passwd" not in listed[0]
    client.call(record, "update_ip_address", {"id": "*mine"}, version=1, write=True)
    assert client.call(record, "list", version=1)["records"][0]["status"] == "service_ddns_normal"
    # delete takes a JSON array of ids; a bare id is refused
    refused(lambda: client.call(record, "delete", {"id": "USER_mine"}, version=1, write=True), 120)
    client.call(record, "delete", {"id": ["USER_mine"]}, version=1, write=True)
    assert client.call(record, "list", version=1)["records"] == []


def test_the_external_address_and_the_synology_account(make_dsm):
    client = client_for(make_dsm(myds_account="owner@example.org"))
    assert client.call("SYNO.Core.DDNS.ExtIP", "list", {"retry": True}, version=2) == [
        {"ip": "203.0.113.10", "ipv6": "0:0:0:0:0:0:0:0", "type": "WAN"}
    ]
    assert client.call("SYNO.Core.MyDSCenter", "query", version=2) == {
        "account": "owner@example.org",
        "activated": True,
        "is_logged_in": True,
    }
    assert client.call("SYNO.Core.DDNS.Synology", "get_myds_account", version=1) == {"email": "owner@example.org"}


def test_the_behaviours_are_listed_with_their_sources(make_dsm):
    dsm = make_dsm()
    listed = requests.get(dsm.http_url + "/_sim/behaviours", timeout=10).json()
    for name in ("package_install_answer_dropped", "package_control_seconds"):
        assert listed[name]["source"] and listed[name]["value"] == listed[name]["real"]
    # The fixtures scale the install down (SCALED_BEHAVIOURS in conftest.py); the demo keeps DSM's minutes.
    install = listed["package_install_seconds"]
    assert install["source"] and install["value"] < install["real"]


def test_the_cli_starts_a_nas_with_the_packages_given(tmp_path):
    http_port = free_port()
    command = [sys.executable, "-m", "simnas.dsm", "--http-port", str(http_port), "--user", "admin:cli-password"]
    command += ["--installed-packages", "FileStation", "--not-offered", "ContainerManager,HyperBackupVault"]
    process = subprocess.Popen(
        command,
        env={**os.environ, "SIMNAS_HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        state_url = f"http://127.0.0.1:{http_port}/_sim/state"
        wait_until(lambda: answers(state_url), 10, "the simulated DSM CLI to answer")
        client = DSMClient(url=f"http://127.0.0.1:{http_port}", username="admin", password="cli-password")
        assert set(installed(client)) == {"FileStation"} and not client.has_api("SYNO.Docker.Project")
        offered = {entry["id"] for entry in client.call("SYNO.Core.Package.Server", "list")["packages"]}
        assert "ContainerManager" not in offered and "HyperBackupVault" not in offered and "HyperBackup" in offered
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def answers(url):
    try:
        return requests.get(url, timeout=1).ok
    except requests.ConnectionError:
        return False
