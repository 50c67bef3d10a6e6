# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure logic of dsm_package: Package Center versions, DSM's install queue as steps, the catalog's answers."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_package import (
    compare_versions,
    install_plan,
    is_newer,
    not_offered_message,
    offered,
    parse_version,
    shape_installed,
)
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

CATALOG = {
    "packages": [
        {"id": "SynologyApplicationService", "dname": "Synology Application Service", "version": "1.8.0-20662"},
        {"id": "UniversalViewer", "dname": "Universal Viewer", "version": "1.3.0-0312"},
        {"id": "SynologyDrive", "dname": "Synology Drive Server", "version": "3.5.1-26102"},
        {"package": "TextEditor", "dname": "Text Editor", "version": "3.1.0-0208"},
    ],
    "beta_packages": [{"id": "BetaThing", "version": "0.1.0-0001"}],
}


def queue(*names, **lists):
    answer = {"queue": [{"pkg": name, "beta": False} for name in names]}
    answer.update(lists)
    return answer


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("24.0.2-1535", "24.0.2-1535", 0),
        ("24.0.2-1535", "24.0.2-1525", 1),
        ("1.4.2-1566", "1.4.2-1575", -1),  # the catalog may offer an older build than the installed one
        ("4.1.0-3718", "4.0.9-9999", 1),  # the dotted part before the build number
        ("1.10.0-0001", "1.9.0-0001", 1),  # numbers, not text
        ("1.41.3.9314-72009314", "1.41.3-72009314", 1),  # a fourth number counts, a missing one is 0
        ("2.0-0001", "2.0.0-0001", 0),
        ("3.1.0", "3.1.0-0000", 0),  # no build number is build 0
        ("beta-1", "1.0.0-1", None),
        ("beta-1", "beta-1", 0),
    ],
)
def test_package_center_versions_compare_as_numbers(left, right, expected):
    assert compare_versions(left, right) == expected


def test_an_unreadable_version_is_never_newer():
    assert parse_version("24.0.2-1535") == ((24, 0, 2), 1535)
    assert parse_version("x1") is None and parse_version(None) is None
    assert is_newer("3.1.0-0208", "3.0.0-0100") and not is_newer("3.0.0-0100", "3.1.0-0208")
    assert not is_newer("new", "3.0.0-0100")  # never a guess that could be a downgrade


def test_the_plan_follows_the_queue_and_skips_what_is_installed_at_that_version_or_newer():
    steps, paused = install_plan(
        queue("SynologyApplicationService", "UniversalViewer", "SynologyDrive"),
        "SynologyDrive",
        {"SynologyApplicationService": {"version": "1.8.0-20662"}, "UniversalViewer": {"version": "1.2.0-0100"}},
        CATALOG,
    )
    assert [(step["package"], step["action"], step["version"]) for step in steps] == [
        ("UniversalViewer", "upgrade", "1.3.0-0312"),
        ("SynologyDrive", "install", "3.5.1-26102"),
    ]
    assert steps[1]["entry"]["dname"] == "Synology Drive Server" and paused == []
    newer = install_plan(
        queue("UniversalViewer"), "UniversalViewer", {"UniversalViewer": {"version": "9.0.0-0"}}, CATALOG
    )
    assert newer == ([], [])


def test_the_target_comes_last_also_when_dsm_lists_it_first_or_not_at_all():
    steps, _paused = install_plan(queue("SynologyDrive", "UniversalViewer"), "SynologyDrive", {}, CATALOG)
    assert [step["package"] for step in steps] == ["UniversalViewer", "SynologyDrive"]
    steps, _paused = install_plan({}, "TextEditor", {}, CATALOG)  # an empty answer: the package alone
    assert [(step["package"], step["action"]) for step in steps] == [("TextEditor", "install")]
    steps, _paused = install_plan(queue("UniversalViewer", "UniversalViewer", "TextEditor"), "TextEditor", {}, CATALOG)
    assert [step["package"] for step in steps] == ["UniversalViewer", "TextEditor"]


def test_a_queue_dsm_cannot_run_is_refused_naming_the_packages():
    with pytest.raises(ResourceError) as caught:
        install_plan(
            queue("SynologyDrive", broken_pkgs=["UniversalViewer"], non_exist_pkgs=[{"pkg": "X"}]),
            "SynologyDrive",
            {},
            CATALOG,
        )
    assert str(caught.value) == (
        "DSM's install queue for SynologyDrive cannot be run (broken: UniversalViewer; not offered for this NAS: X); "
        "nothing was changed"
    )
    with pytest.raises(
        ResourceError, match="SynologyDrive needs NotInCatalog, which this NAS's catalog does not offer"
    ):
        install_plan(queue("NotInCatalog", "SynologyDrive"), "SynologyDrive", {}, CATALOG)


def test_paused_packages_are_reported():
    answer = queue("UniversalViewer", paused_pkgs=["SynologyDrive"])
    _steps, paused = install_plan(answer, "UniversalViewer", {}, CATALOG)
    assert paused == ["SynologyDrive"]


def test_the_catalog_is_searched_by_id_and_a_display_name_or_beta_is_explained():
    assert offered(CATALOG, "TextEditor")["dname"] == "Text Editor"  # an entry with `package` only
    assert offered(CATALOG, "Text Editor") is None and offered(CATALOG, "BetaThing") is None
    assert not_offered_message(CATALOG, "text editor") == (
        "name: text editor is a display name; the package id is TextEditor (set name to it)"
    )
    assert "BetaThing is offered only as a beta" in not_offered_message(CATALOG, "BetaThing")
    assert not_offered_message(CATALOG, "ContainerManager").startswith(
        "ContainerManager is not offered by this NAS's Package Center catalog: Synology does not publish it"
    )


def test_an_installed_entry_is_shaped_with_dsms_status_names_mapped():
    entry = {
        "id": "ContainerManager",
        "name": "Container Manager",
        "version": "24.0.2-1535",
        "additional": {"status": "stop", "startable": True, "install_type": "", "ctl_uninstall": True},
    }
    assert shape_installed(entry) == {
        "id": "ContainerManager",
        "name": "Container Manager",
        "version": "24.0.2-1535",
        "status": "stopped",
        "startable": True,
        "install_type": "",
        "uninstallable": True,
    }
    system = shape_installed({"id": "FileStation", "additional": {"status": "running", "install_type": "system"}})
    assert system["status"] == "running" and system["uninstallable"] is False
    odd = shape_installed({"id": "X", "additional": {"status": "broken", "ctl_uninstall": False}})
    assert odd["status"] == "broken" and odd["uninstallable"] is False
