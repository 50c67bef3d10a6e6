"""dsm_shared_folder, run as Ansible runs it, against the simulated DSM (real directories)."""

import json
import subprocess

import pytest
from harness.runner import run_module


def shared_folder(dsm, check=False, diff=True, **args):
    args.setdefault("name", "docker")
    return run_module("dsm_shared_folder", dsm.connection(**args), check=check, diff=diff)


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


def test_dsm_folder_makes_a_folder_once_through_file_station(dsm):
    shared_folder(dsm)
    dsm.reset_counters()
    args = dsm.connection(path="/volume1/docker/anki-server/nested")
    checked = run_module("dsm_folder", args, check=True)
    assert checked["changed"] and dsm.counters()["writes"] == {}
    made = run_module("dsm_folder", args)
    assert made["folder"] == {"path": "/docker/anki-server/nested", "real_path": "/volume1/docker/anki-server/nested"}
    assert (dsm.home / "volumes" / "volume1" / "docker" / "anki-server" / "nested").is_dir()
    assert run_module("dsm_folder", args)["changed"] is False
    assert dsm.counters()["writes"] == {"SYNO.FileStation.CreateFolder.create": 1}
    outside = run_module("dsm_folder", dsm.connection(path="/volume1/nosuchshare/x"))
    assert outside.failed and "DSM error 1100" in outside["msg"]


def test_dsm_folder_sets_owner_and_mode_as_root_only_on_drift(dsm):
    shared_folder(dsm)
    folder = dsm.home / "volumes" / "volume1" / "docker" / "anki-data"
    args = dsm.connection(path="/volume1/docker/anki-data", owner=1000, group=1001, mode="0750")
    assert run_module("dsm_folder", dict(args, mode="750x"))["msg"].startswith("mode must be octal")
    dsm.reset_counters()
    made = run_module("dsm_folder", args, diff=True)
    assert not made.failed, made.get("msg")
    info = folder.stat()
    assert (info.st_uid, info.st_gid, oct(info.st_mode & 0o777)) == (1000, 1001, "0o750")
    assert (made["folder"]["owner"], made["folder"]["group"], made["folder"]["mode"]) == (1000, 1001, "0750")
    # the one-shot root task is gone
    assert dsm.state()["state"].get("scheduled_tasks", {}) == {}

    dsm.reset_counters()
    assert run_module("dsm_folder", args)["changed"] is False and dsm.counters()["writes"] == {}

    folder.chmod(0o777)  # drift: only the mode differs, so only then a root task runs again
    checked = run_module("dsm_folder", args, check=True, diff=True)
    assert checked["changed_keys"] == ["mode"] and checked["diff"]["before"]["mode"] == "0777"
    assert oct(folder.stat().st_mode & 0o777) == "0o777" and dsm.counters()["writes"] == {}
    fixed = run_module("dsm_folder", args)
    assert fixed["changed_keys"] == ["mode"] and oct(folder.stat().st_mode & 0o777) == "0o750"
    assert dsm.counters()["writes"]["SYNO.Core.TaskScheduler.Root.create"] == 1


def test_dsm_folder_fails_when_the_mode_did_not_take(dsm):
    """On a folder of a shared folder in ACL mode, DSM's chmod may exit 0 and leave the mode as it was (the ACL wins):
    the module reads the mode back after its root task and fails naming what did not take, instead of a change."""
    shared_folder(dsm)
    folder = dsm.home / "volumes" / "volume1" / "docker" / "acl-folder"
    folder.mkdir()
    folder.chmod(0o777)
    # In the NAS (its /bin, not this machine's): a chmod that succeeds and changes nothing.
    assert dsm.nas.run("printf '#!/bin/sh\\nexit 0\\n' > /bin/chmod")[0] == 0
    args = dsm.connection(path="/volume1/docker/acl-folder", mode="0750")
    result = run_module("dsm_folder", args)
    assert result.failed
    assert result["msg"] == (
        "the root task set mode of /volume1/docker/acl-folder but File Station still reads other values"
    ), result["msg"]
    assert oct(folder.stat().st_mode & 0o777) == "0o777"
    assert dsm.state()["state"].get("scheduled_tasks", {}) == {}  # the one-shot task is gone all the same


def test_dsm_folder_refuses_a_symbolic_link_file_station_shows_as_its_folder(dsm):
    # Issue 29 case 2: File Station shows a link as the folder it leads to; the root task must not follow it.
    shared_folder(dsm)
    volume1 = dsm.home / "volumes" / "volume1"
    (volume1 / "elsewhere").mkdir(mode=0o700)
    (volume1 / "docker" / "anki-link").symlink_to("../elsewhere")
    refused = run_module("dsm_folder", dsm.connection(path="/volume1/docker/anki-link", owner=1000, mode="0750"))
    assert refused.failed
    assert refused["msg"].startswith("/volume1/docker/anki-link is not a real folder on the NAS")
    info = (volume1 / "elsewhere").stat()
    assert (info.st_uid, oct(info.st_mode & 0o777)) == (0, "0o700")


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


@pytest.mark.unverified_contract(
    reason="which form a real DSM answers for a missing path is not captured: "
    "batonogov/terraform-provider-synology-dsm file.go handles both an API error 408 (GetFileInfo) and an entry "
    "with code 408 (parseFileInfo)"
)
@pytest.mark.parametrize("fails_call", [True, False], ids=["error-408", "entry-408"])
def test_dsm_folder_takes_a_missing_path_in_either_form(make_dsm, fails_call):
    dsm = make_dsm(behaviours={"file_station_missing_path_fails_call": fails_call})
    shared_folder(dsm)
    dsm.reset_counters()
    args = dsm.connection(path="/volume1/docker/anki-server")
    checked = run_module("dsm_folder", args, check=True)
    assert not checked.failed and checked["changed"], checked.get("msg")
    made = run_module("dsm_folder", args)
    assert not made.failed and made["changed"], made.get("msg")
    assert (dsm.home / "volumes" / "volume1" / "docker" / "anki-server").is_dir()
    assert dsm.counters()["writes"] == {"SYNO.FileStation.CreateFolder.create": 1}
    assert dsm.counters()["errors"].get("408", 0) == (2 if fails_call else 0)


@pytest.mark.unverified_contract(
    reason="perm.posix as the octal digits written as a decimal number (70 for 0070) is batonogov's reading "
    "(CLAUDE.md, PathPermissions.PosixMode), not a live capture of a mode below 0100"
)
def test_dsm_folder_mode_below_0100_converges(dsm):
    shared_folder(dsm)
    folder = dsm.home / "volumes" / "volume1" / "docker" / "group-only"
    args = dsm.connection(path="/volume1/docker/group-only", mode="0070")
    made = run_module("dsm_folder", args)
    assert not made.failed, made.get("msg")
    assert oct(folder.stat().st_mode & 0o777) == "0o70" and made["folder"]["mode"] == "0070"
    dsm.reset_counters()
    again = run_module("dsm_folder", dict(args, mode="070"))
    assert again["changed"] is False and dsm.counters()["writes"] == {}
