"""dsm_package, run as Ansible runs it, against the simulated Package Center over HTTP."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from harness.runner import run_module
from modules_helpers import writes

#: a fresh NAS for these tests: DSM's own File Station only (the default NAS has Container Manager and Hyper Backup)
FRESH = ["FileStation"]
INSTALL = "SYNO.Core.Package.Installation.install"


def package(dsm, check=False, diff=True, **args):
    return run_module("dsm_package", dsm.connection(**args), check=check, diff=diff, timeout=300)


def installed(dsm):
    return dsm.state()["state"]["package_center"]["installed"]


def fast(**behaviours):
    """Real-DSM behaviours for a test: installs of 1 s whose answer comes back, start/stop at once, unless told."""
    values = {"package_install_seconds": 1.0, "package_install_answer_dropped": False, "package_control_seconds": 0}
    values.update(behaviours)
    return values


def test_an_install_whose_answer_is_lost_lands_once_and_a_rerun_changes_nothing(make_dsm):
    # DSM installs for 3x the client's timeout, then drops the request without an answer (the real-DSM behaviour).
    dsm = make_dsm(
        installed_packages=FRESH,
        behaviours=fast(package_install_seconds=6.0, package_install_answer_dropped=True),
    )
    args = dict(name="ContainerManager", dsm_timeout=2)

    checked = package(dsm, check=True, **args)
    assert not checked.failed, checked.get("msg")
    assert checked["changed"] and checked["operation"] == "create"
    assert checked["actions"] == [{"package": "ContainerManager", "action": "install", "version": "24.0.2-1535"}]
    assert checked["diff"]["before"] == {}
    assert checked["diff"]["after"]["version"] == "24.0.2-1535" and checked["diff"]["after"]["status"] == "running"
    assert writes(dsm) == {} and "ContainerManager" not in installed(dsm)

    done = package(dsm, **args)
    assert not done.failed, done.get("msg")
    assert done["changed"] and done["package"]["version"] == "24.0.2-1535" and done["package"]["status"] == "running"
    assert done["volume"] == "/volume1"
    counters = dsm.counters()
    assert counters["writes"] == {INSTALL: 1}  # sent once, never again, although no answer came
    assert counters["dropped_connections"] == 1
    assert installed(dsm)["ContainerManager"]["version"] == "24.0.2-1535"
    # The package's APIs come with it.
    info = run_module("dsm_info", dsm.connection())
    assert info["apis"]["docker_project"] is True

    dsm.reset_counters()
    again = package(dsm, **args)
    assert not again.failed and again["changed"] is False and again["actions"] == []
    assert writes(dsm) == {}


def test_an_answered_quick_install_is_awaited_in_the_installed_list(make_dsm):
    dsm = make_dsm(installed_packages=FRESH, behaviours=fast(package_install_seconds=3.0))
    done = package(dsm, name="HyperBackup", volume="/volume1")
    assert not done.failed, done.get("msg")
    assert done["package"]["id"] == "HyperBackup" and done["package"]["status"] == "running"
    assert writes(dsm) == {INSTALL: 1} and dsm.counters()["dropped_connections"] == 0


def test_dependencies_are_installed_first_in_the_order_of_dsms_queue(make_dsm):
    # Synology Drive Server's catalog entry names no dependencies (deppkgs null); DSM's install queue does.
    dsm = make_dsm(installed_packages=FRESH, behaviours=fast())
    checked = package(dsm, check=True, name="SynologyDrive")
    order = ["SynologyApplicationService", "UniversalViewer", "SynologyDrive"]
    assert [action["package"] for action in checked["actions"]] == order
    assert writes(dsm) == {}

    done = package(dsm, name="SynologyDrive")
    assert not done.failed, done.get("msg")
    assert [action["package"] for action in done["actions"]] == order
    assert writes(dsm) == {INSTALL: 3}
    assert set(order) <= set(installed(dsm))


def test_a_package_this_model_is_not_offered_fails_before_any_write(make_dsm):
    dsm = make_dsm(installed_packages=FRESH, not_offered=["ContainerManager"], behaviours=fast())
    for check in (True, False):
        result = package(dsm, check=check, name="ContainerManager")
        assert result.failed
        assert "ContainerManager is not offered by this NAS's Package Center catalog" in result["msg"]
    assert writes(dsm) == {} and "ContainerManager" not in installed(dsm)

    named = package(dsm, name="Hyper Backup")
    assert named.failed and "name must be a package id" in named["msg"]
    display = package(dsm, name="TextEditorX")
    assert display.failed and "TextEditorX is not offered" in display["msg"]
    assert writes(dsm) == {}


@pytest.mark.unverified_contract(
    reason="which packages DSM's quick install refuses with 4501 is not public (dsm-webapi.md §10.2 gap 6); "
    "the simulated Surveillance Station needs its wizard"
)
def test_a_package_that_needs_dsms_install_wizard_fails_saying_where_to_install_it(make_dsm):
    dsm = make_dsm(installed_packages=FRESH, behaviours=fast())
    result = package(dsm, name="SurveillanceStation")
    assert result.failed
    expected = "SYNO.Core.Package.Installation install failed: DSM error 4501 (The package needs its install wizard"
    assert expected in result["msg"]
    assert "Package Center > search for SurveillanceStation > Install" in result["msg"]
    assert "SurveillanceStation" not in installed(dsm)


def test_a_busy_package_center_fails_before_the_install_and_dsms_4530_is_explained(make_dsm, tmp_path):
    dsm = make_dsm(installed_packages=FRESH, behaviours=fast(package_install_seconds=30.0))
    # Someone else's install runs (in Package Center).
    other = DSMClient(**dsm.client_options())
    other.call(
        "SYNO.Core.Package.Installation",
        "install",
        {"name": "TextEditor", "volume_path": "/volume1", "blqinst": True, "installrunpackage": True},
        version=1,
        write=True,
    )
    dsm.reset_counters()
    result = package(dsm, name="ContainerManager")
    assert result.failed and "Package Center is busy with another install" in result["msg"]
    assert writes(dsm) == {}

    quiet = make_dsm(installed_packages=FRESH, behaviours=fast(), state_path=tmp_path / "quiet.json")
    quiet.faults(busy={"count": 1, "api": "SYNO.Core.Package.Installation", "code": 4530})
    refused = package(quiet, name="ContainerManager")
    assert refused.failed
    assert "DSM error 4530 (Another package operation is in progress)" in refused["msg"]
    assert "wait until it ends" in refused["msg"]
    assert "ContainerManager" not in installed(quiet)


def test_no_space_on_the_volume_is_dsms_4520_with_what_to_do(make_dsm):
    dsm = make_dsm(installed_packages=FRESH, volume_free_bytes={"volume1": 1024**2}, behaviours=fast())
    result = package(dsm, name="ContainerManager")
    assert result.failed
    assert "DSM error 4520 (Not enough space on the volume)" in result["msg"]
    assert "choose another volume with the option volume" in result["msg"]
    other = package(dsm, name="ContainerManager", volume="/volume9")
    assert other.failed and "volume /volume9 is not a volume of this NAS (it has /volume1)" in other["msg"]


def test_start_stop_and_a_package_installed_stopped(make_dsm):
    dsm = make_dsm(installed_packages=FRESH, behaviours=fast(package_control_seconds=1.0))
    stopped = package(dsm, name="TextEditor", running=False)
    assert not stopped.failed, stopped.get("msg")
    assert stopped["package"]["status"] == "stopped" and writes(dsm) == {INSTALL: 1}

    dsm.reset_counters()
    checked = package(dsm, check=True, name="TextEditor", running=True)
    assert checked["changed"] and checked["changed_keys"] == ["status"] and writes(dsm) == {}
    started = package(dsm, name="TextEditor", running=True)
    assert not started.failed, started.get("msg")
    assert started["package"]["status"] == "running" and started["changed_keys"] == ["status"]
    assert started["actions"] == [{"package": "TextEditor", "action": "start", "version": "3.1.0-0208"}]
    assert writes(dsm) == {"SYNO.Core.Package.Control.start": 1}

    dsm.reset_counters()
    assert package(dsm, name="TextEditor", running=True)["changed"] is False
    assert package(dsm, name="TextEditor")["changed"] is False
    assert writes(dsm) == {}

    # A package others depend on and that run: DSM refuses to stop it (4582).
    package(dsm, name="UniversalViewer")
    refused = package(dsm, name="SynologyApplicationService", running=False)
    assert refused.failed and "DSM error 4582" in refused["msg"]
    assert "stop the packages that depend on SynologyApplicationService first" in refused["msg"]


def test_latest_updates_an_older_package_and_never_downgrades(make_dsm):
    dsm = make_dsm(installed_packages={"FileStation": "1.4.2-1575", "TextEditor": "3.0.0-0100"}, behaviours=fast())
    assert package(dsm, name="TextEditor")["changed"] is False  # present leaves the version alone

    checked = package(dsm, check=True, name="TextEditor", state="latest")
    assert checked["changed"] and checked["changed_keys"] == ["version"]
    assert checked["actions"] == [{"package": "TextEditor", "action": "upgrade", "version": "3.1.0-0208"}]
    assert writes(dsm) == {}

    updated = package(dsm, name="TextEditor", state="latest")
    assert not updated.failed, updated.get("msg")
    assert updated["package"]["version"] == "3.1.0-0208" and updated["diff"]["before"]["version"] == "3.0.0-0100"
    # the download, the install of the downloaded file, and the clean-up of the download
    assert writes(dsm) == {"SYNO.Core.Package.Installation.upgrade": 2, "SYNO.Core.Package.Installation.delete": 1}

    # File Station is installed at a newer build than the catalog offers: never a downgrade.
    dsm.reset_counters()
    kept = package(dsm, name="FileStation", state="latest")
    assert not kept.failed and kept["changed"] is False
    assert kept["package"]["version"] == "1.4.2-1575"
    assert "never a downgrade" in str(kept.get("warnings"))
    assert writes(dsm) == {}


def test_absent_stops_and_uninstalls_keeping_the_data_unless_told(make_dsm):
    dsm = make_dsm(behaviours=fast())  # today's default NAS: Container Manager and Hyper Backup installed
    checked = package(dsm, check=True, name="ContainerManager", state="absent")
    assert checked["changed"] and checked["operation"] == "delete" and writes(dsm) == {}
    assert [action["action"] for action in checked["actions"]] == ["stop", "uninstall"]

    removed = package(dsm, name="ContainerManager", state="absent")
    assert not removed.failed, removed.get("msg")
    assert removed["package"] == {} and removed["diff"]["after"] == {}
    assert [action["action"] for action in removed["actions"]] == ["stop", "uninstall"]
    center = dsm.state()["state"]["package_center"]
    assert "ContainerManager" not in center["installed"] and center["data"]["ContainerManager"]["kept"] is True
    assert run_module("dsm_info", dsm.connection())["apis"]["docker_project"] is False

    dsm.reset_counters()
    assert package(dsm, name="ContainerManager", state="absent")["changed"] is False and writes(dsm) == {}

    wiped = package(dsm, name="HyperBackup", state="absent", uninstall_values={"pkgwizard_remove_data": True})
    assert not wiped.failed, wiped.get("msg")
    assert dsm.state()["state"]["package_center"]["data"]["HyperBackup"]["kept"] is False

    system = package(dsm, name="FileStation", state="absent")
    assert system.failed and "FileStation is part of DSM" in system["msg"]


def test_input_is_checked_before_any_call(make_dsm):
    dsm = make_dsm(behaviours=fast())
    dsm.reset_counters()
    for args, message in (
        ({"name": "Container Manager"}, "name must be a package id"),
        ({"name": "TextEditor", "volume": "volume1"}, "volume must be a volume's mount point"),
        ({"name": "TextEditor", "state": "absent", "running": True}, "running applies to state=present or latest"),
        ({"name": "TextEditor", "uninstall_values": {"x": True}}, "uninstall_values applies to state=absent only"),
        ({"name": "TextEditor", "wait_timeout": 0}, "wait_timeout must be a positive number"),
    ):
        result = package(dsm, **args)
        assert result.failed and message in result["msg"], result.get("msg")
    assert dsm.counters()["reads"] == {} and writes(dsm) == {}
