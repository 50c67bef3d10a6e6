"""dsm_package_info, run as Ansible runs it, against the simulated Package Center over HTTP."""

from harness.runner import run_module
from modules_helpers import writes


def test_package_info_lists_installed_packages_and_the_catalog(make_dsm):
    fresh = {"FileStation": None, "TextEditor": "3.0.0-0100"}
    dsm = make_dsm(not_offered=["ContainerManager"], installed_packages=fresh)
    everything = run_module("dsm_package_info", dsm.connection())
    assert not everything.failed, everything.get("msg")
    assert set(everything["packages"]) == {"FileStation", "TextEditor"}
    assert everything["packages"]["TextEditor"]["version"] == "3.0.0-0100"
    assert everything["packages"]["FileStation"]["install_type"] == "system"
    assert "offered" not in everything

    some = run_module("dsm_package_info", dsm.connection(names=["TextEditor", "ContainerManager"], catalog=True))
    assert set(some["packages"]) == {"TextEditor"}
    assert some["offered"] == {
        "TextEditor": {"name": "Text Editor", "version": "3.1.0-0208", "install_type": "", "update_available": True}
    }
    assert writes(dsm) == {}
