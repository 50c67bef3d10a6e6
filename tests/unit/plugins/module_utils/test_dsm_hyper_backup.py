# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hyper Backup's pure logic: option checks, destination and source mappings, schedule and retention wire shapes."""

import re

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_hyper_backup as hb
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

SHARES = {"docker": "/volume1", "backups": "/volume2"}


def options(**changed):
    """The module's options as Ansible hands them over (defaults filled in)."""
    params = {
        "name": "anki",
        "state": "present",
        "sources": ["/volume1/docker/anki-server"],
        "destination": {
            "type": "image_local",
            "share": "backups",
            "host": None,
            "port": 6281,
            "account": None,
            "password": None,
        },
        "schedule": None,
        "retention": None,
        "run_now": False,
        "wait": True,
        "wait_timeout": 3600,
    }
    params.update(changed)
    return params


def remote(**changed):
    destination = {"type": "image_remote", "share": "vault", "host": "vault.lan", "port": 6281, "account": "hb"}
    destination["password"] = "s3cret"
    destination.update(changed)
    return destination


def schedule(**changed):
    return dict({"enabled": True, "frequency": "daily", "time": "03:00", "weekdays": None}, **changed)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"name": " "}, "name must not be empty"),
        ({"state": "absent", "run_now": True}, "run_now cannot be combined with state=absent"),
        ({"sources": []}, "sources must list at least one folder with state=present"),
        ({"destination": None}, "destination is required with state=present"),
        ({"destination": dict(remote(), share="a/b")}, "destination.share must be the name of a shared folder"),
        ({"destination": remote(host=None, password="")}, "image_remote needs destination.host, destination.password"),
        ({"destination": remote(port=0)}, "destination.port must be a port from 1 to 65535"),
        (
            {"destination": dict(options()["destination"], account="hb")},
            "destination.account only apply to destination.type=image_remote",
        ),
        ({"schedule": schedule(time="3 am")}, "schedule.time must be a time of day HH:MM, 00:00 to 23:59"),
        ({"schedule": schedule(frequency="weekly")}, "schedule.weekdays must be a list of days, such as [mon, thu]"),
        ({"schedule": schedule(frequency="weekly", weekdays=[])}, "schedule.weekdays is empty, but"),
        ({"schedule": schedule(weekdays=["mon"])}, "schedule.weekdays only applies to schedule.frequency=weekly"),
        ({"retention": {"enabled": True, "policy": "versions", "max_versions": 0}}, "retention.max_versions must be"),
        ({"wait_timeout": 0}, "wait_timeout must be a positive number of seconds"),
    ],
)
def test_bad_options_fail_naming_the_option(changed, message):
    with pytest.raises(ResourceError, match=re.escape(message)):
        hb.check_params(options(**changed))


def test_good_options_pass():
    hb.check_params(options(destination=remote(), schedule=schedule(frequency="weekly", weekdays=["mon", "thu"])))
    hb.check_params(options(schedule=schedule(weekdays=list(hb.WEEKDAYS))))  # daily on every day is daily
    hb.check_params(options(state="absent", sources=None, destination=None))


def test_destination_wire_parameters_and_their_read_back():
    assert hb.destination_params({"type": "image_local", "share": "backups"}) == {
        "target_type": "image",
        "transfer_type": "image_local",
        "share": "backups",
    }
    wire = hb.destination_params(remote(port=None))
    assert (wire["dest"], wire["port"], wire["account"], wire["pwd"]) == ("vault.lan", 6281, "hb", "s3cret")
    assert list(hb.SECRET_PARAMS) == ["pwd"]
    listed = {
        "transfer_type": "image_remote",
        "remote_url": "https://vault.lan:7000/x",
        "share": "vault",
        "account": "hb",
    }
    assert hb.destination_from_repository(listed) == {
        "type": "image_remote",
        "share": "vault",
        "host": "vault.lan",
        "port": 7000,
        "account": "hb",
    }
    assert hb.destination_from_repository(None) == {"type": "unknown", "share": ""}


def test_a_destination_never_moves_and_own_repositories_are_recognised():
    here = {"type": "image_local", "share": "backups"}
    assert hb.destination_differences({"type": "image_local", "share": "other"}, here) == ["share"]
    assert hb.destination_differences(dict(remote(), port=1), remote()) == ["port"]
    repo = {"name": "anki", "transfer_type": "image_local", "share": "backups", "target_id": "NAS_1"}
    assert hb.is_own_repository(repo, "anki", here) and hb.is_own_repository(repo, "anki", here, "NAS_1")
    assert not hb.is_own_repository(repo, "anki", here, "NAS_2")
    assert not hb.is_own_repository(repo, "other", here)
    assert not hb.is_own_repository(dict(repo, share="x"), "anki", here)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/volume1/docker/anki-server/", ("/docker/anki-server", None)),
        ("/docker//anki-server", ("/docker/anki-server", None)),
        (
            "/volume2/docker/x",
            (None, "names the shared folder 'docker' on /volume2, but that shared folder is on /volume1"),
        ),
        ("/volume1", (None, "is a whole volume; name a shared folder or a folder in one, such as /volume1/docker")),
        ("/volume1/photos/x", (None, "names the shared folder 'photos', which does not exist on the NAS")),
        ("/photos", (None, "names the shared folder 'photos', which does not exist on the NAS")),
        ("/docker/../etc", (None, "must not contain . or ..")),
        ("/", (None, "is the root, not a folder")),
    ],
)
def test_folders_become_share_rooted_paths_or_a_reason(path, expected):
    assert hb.filestation_path(path, SHARES) == expected


def test_check_mode_assumes_a_share_an_earlier_task_would_create():
    assert hb.filestation_path("/volume1/photos/x", SHARES, assume_missing_shares=True) == ("/photos/x", None)
    assert hb.filestation_path("/photos", SHARES, assume_missing_shares=True) == ("/photos", None)


def test_sources_are_read_from_every_listed_shape():
    task = {
        "source": {
            "folder_list": [{"folderPath": "/docker/b"}],
            "file_list": ["/docker/a", {"path": "/docker/b"}, {"folder_path": "/docker/c"}],
        }
    }
    assert hb.sources_from_task(task) == ["/docker/a", "/docker/b", "/docker/c"]
    assert hb.sources_from_task({"source": "junk"}) == [] and hb.sources_from_task(None) == []
    assert hb.set_sources_params_unverified(["/docker/a"]) == {"source": {"app_list": [], "file_list": ["/docker/a"]}}


def test_the_schedule_survives_its_wire_shape_and_weekly_on_every_day_is_daily():
    weekly = hb.normalize_schedule(schedule(frequency="weekly", time="4:30", weekdays=["thu", "mon"]))
    assert weekly == {"enabled": True, "frequency": "weekly", "time": "04:30", "weekdays": ["mon", "thu"]}
    wire = hb.schedule_to_wire_unverified(weekly)["schedule"]
    assert (wire["schedule_enable"], wire["schedule"]["week_name"], wire["schedule"]["hour"]) == (True, "1,4", 4)
    assert hb.schedule_from_wire(wire) == weekly
    every_day = hb.normalize_schedule(schedule(frequency="weekly", weekdays=list(hb.WEEKDAYS)))
    assert every_day["frequency"] == "daily"
    assert hb.schedule_from_wire({"schedule_enable": "true", "hour": "7", "min": 5, "week_name": [0, 6]}) == {
        "enabled": True,
        "frequency": "weekly",
        "time": "07:05",
        "weekdays": ["sun", "sat"],
    }
    assert hb.schedule_from_wire(None)["enabled"] is False


def test_the_retention_survives_its_wire_shape_and_is_read_defensively():
    kept = {"enabled": True, "policy": "smart_recycle", "max_versions": 256}
    wire = hb.retention_to_wire_unverified(kept)["rotate_params"]
    assert wire == {"enable_rotate": True, "rotate_condition": [1, 256]}
    assert hb.retention_from_wire(wire) == kept
    assert hb.retention_from_wire({"rotate_condition": "[0, 30]"}) == {
        "enabled": True,
        "policy": "versions",
        "max_versions": 30,
    }
    assert hb.retention_from_wire({"rotate_policy": "smart", "max_versions": "12", "enable_rotate": "no"}) == {
        "enabled": False,
        "policy": "smart_recycle",
        "max_versions": 12,
    }
    assert hb.retention_from_wire({}) == {"enabled": False, "policy": "versions", "max_versions": 0}
    assert hb.normalize_retention({"enabled": True, "policy": None, "max_versions": None})["max_versions"] == 30


def test_a_backup_has_ended_when_the_task_is_idle_with_a_new_last_backup():
    before = {"status": "none", "last_bkp_time": "2026/01/15 03:00:00", "last_bkp_end_time": "2026/01/15 03:00:05"}
    assert not hb.backup_ended(before, dict(before))
    assert not hb.backup_ended(before, dict(before, status="backup", last_bkp_time="2026/01/16 03:00:00"))
    assert hb.backup_ended(before, dict(before, last_bkp_end_time="2026/01/16 03:00:09"))
    assert hb.backup_ended({"status": None}, {"status": "", "last_bkp_time": "2026/01/16 03:00:00"})


def test_a_short_run_within_the_same_second_is_seen_ending():
    before = {"status": "none", "last_bkp_time": "2026/01/15 03:00:00", "last_bkp_end_time": "2026/01/15 03:00:00"}
    # times alike to the second: a new success version, or having seen the task running, tells the run ended
    assert hb.backup_ended(before, dict(before, last_bkp_success_version="7"))
    assert hb.backup_ended(before, dict(before), seen_running=True)
    assert not hb.backup_ended(before, dict(before, status="backup"), seen_running=True)
