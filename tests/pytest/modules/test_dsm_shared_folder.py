"""dsm_shared_folder, run as Ansible runs it, against the simulated DSM (real directories)."""

import json
import subprocess

from harness.runner import run_module
from modules_helpers import shared_folder


def shares(dsm):
    return dsm.state()["state"].get("shares", {})


def test_create_check_mode_apply_and_idempotent_rerun(dsm):
    folder = dsm.home / "volumes" / "volume1" / "docker"

    checked = shared_folder(dsm, check=True, description="Container data")
    assert not checked.failed, checked.get("msg")
    assert checked["changed"] and checked["operation"] == "create"
    assert checked["share"] == {"name": "docker", "vol_path": "/volume1", "desc": "Container data"}
    assert shares(dsm) == {} and not folder.exists()
    assert "SYNO.Core.Share.create" not in dsm.counters()["writes"]

    created = shared_folder(dsm, description="Container data")
    assert created["changed"] and created["operation"] == "create"
    assert created["share"]["uuid"] == shares(dsm)["docker"]["uuid"]
    assert created["diff"] == {"before": {}, "after": created["share"]}
    assert folder.is_dir()
    assert shares(dsm)["docker"]["enable_recycle_bin"] is True

    again = shared_folder(dsm, description="Container data")
    assert again["changed"] is False and "operation" not in again
    assert again["diff"]["before"] == again["diff"]["after"]
    assert dsm.counters()["writes"] == {"SYNO.Core.Share.create": 1}


def test_description_update_and_unset_description_keeps_it(dsm):
    shared_folder(dsm, name="media", description="old")
    updated = shared_folder(dsm, name="media", description="new")
    assert updated["changed"] and updated["operation"] == "update" and updated["changed_keys"] == ["desc"]
    assert updated["diff"]["before"]["desc"] == "old" and updated["diff"]["after"]["desc"] == "new"
    assert shares(dsm)["media"]["desc"] == "new"
    kept = shared_folder(dsm, name="media")
    assert kept["changed"] is False and kept["share"]["desc"] == "new"


def test_absent_deletes_only_when_asked(dsm):
    shared_folder(dsm, name="scratch")
    folder = dsm.home / "volumes" / "volume1" / "scratch"
    assert folder.is_dir()
    checked = shared_folder(dsm, name="scratch", state="absent", check=True)
    assert checked["changed"] and checked["operation"] == "delete" and folder.is_dir()
    deleted = shared_folder(dsm, name="scratch", state="absent")
    assert deleted["changed"] and deleted["share"] == {} and not folder.exists()
    assert shares(dsm) == {}
    assert shared_folder(dsm, name="scratch", state="absent")["changed"] is False


def test_input_is_validated_before_any_request(dsm):
    too_long = shared_folder(dsm, description="x" * 65)
    assert too_long.failed and "description is 65 characters long; DSM accepts at most 64" in too_long["msg"]
    bad_volume = shared_folder(dsm, volume="volume1")
    assert bad_volume.failed and "volume must be a DSM volume path" in bad_volume["msg"]
    bad_name = shared_folder(dsm, name="a/b")
    assert bad_name.failed and "name must be" in bad_name["msg"]
    assert dsm.counters()["logins_attempted"] == 0


def test_a_share_on_another_volume_is_not_moved(make_dsm):
    dsm = make_dsm(volumes=("volume1", "volume2"))
    shared_folder(dsm, volume="/volume2")
    result = shared_folder(dsm, volume="/volume1")
    assert result.failed and "is on /volume2, not on /volume1" in result["msg"]
    assert shares(dsm)["docker"]["vol_path"] == "/volume2"


def test_missing_volume_names_dsm_code(dsm):
    result = shared_folder(dsm, volume="/volume9")
    assert result.failed
    assert "SYNO.Core.Share create failed: DSM error 3304 (The volume does not exist)" in result["msg"]


def test_create_answered_504_is_reread_not_resent(dsm):
    dsm.faults(next_create_504_html={"api": "SYNO.Core.Share"})
    result = shared_folder(dsm)
    assert not result.failed, result.get("msg")
    assert result["changed"] and result["share"]["name"] == "docker"
    counters = dsm.counters()
    assert counters["writes"] == {"SYNO.Core.Share.create": 1}
    assert "3301" not in counters["errors"]


def test_name_is_required_and_documented_so(dsm):
    # No default: state=absent without a name must never reach the share that holds the containers' data.
    result = run_module("dsm_shared_folder", dsm.connection(state="absent"))
    assert result.failed and "missing required arguments: name" in result["msg"]
    assert dsm.counters()["logins_attempted"] == 0
    doc = subprocess.run(
        ["ansible-doc", "--json", "ankinas.synology.dsm_shared_folder"], capture_output=True, text=True, check=True
    )
    name = json.loads(doc.stdout)["ankinas.synology.dsm_shared_folder"]["doc"]["options"]["name"]
    assert name["required"] is True and "default" not in name
