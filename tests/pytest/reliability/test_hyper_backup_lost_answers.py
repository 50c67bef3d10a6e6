"""Case 7: a lost answer at each step of the Hyper Backup create flow never makes a second repository, and
state=absent removes what the module made (the simulated DSM applies the create and loses its answer)."""

import pytest
from harness.runner import run_module

ARGS = {
    "name": "anki",
    "sources": ["/volume1/docker/anki-server"],
    "destination": {"type": "image_local", "share": "backups"},
}


def share(dsm, name):
    result = run_module("dsm_shared_folder", dsm.connection(name=name, volume="/volume1"))
    assert not result.failed, result.get("msg")
    return dsm.home / "volumes" / "volume1" / name


@pytest.fixture
def deployed_nas(dsm):
    (share(dsm, "docker") / "anki-server").mkdir()
    share(dsm, "backups")
    dsm.reset_counters()
    return dsm


def backup_store(dsm):
    return dsm.state()["state"].get("hyper_backup", {})


def hyper_backup(dsm, **overrides):
    return run_module("dsm_hyper_backup", dsm.connection(**dict(ARGS, **overrides)))


@pytest.mark.parametrize("api", ["SYNO.Backup.Repository", "SYNO.Backup.Task"])
def test_a_lost_create_answer_is_found_again_without_a_second_repository(deployed_nas, api):
    deployed_nas.faults(next_create_504_html={"count": 1, "api": api})
    created = hyper_backup(deployed_nas)
    assert not created.failed, created.get("msg")
    assert created["changed"] and created["backup_task"]["name"] == "anki"
    store = backup_store(deployed_nas)
    assert len(store["repos"]) == 1 and len(store["tasks"]) == 1
    assert deployed_nas.counters()["writes"]["SYNO.Backup.Repository.create"] == 1

    deployed_nas.reset_counters()
    again = hyper_backup(deployed_nas)
    assert again["changed"] is False and deployed_nas.counters()["writes"] == {}


def test_a_run_cut_off_after_the_repository_reuses_it_and_absent_removes_everything(deployed_nas):
    # The run stops between Repository.create and Task.create (here DSM refuses a source folder that is
    # not there yet; DSM killed or Ctrl-C leave the same state): only the repository exists.
    first = hyper_backup(deployed_nas, sources=["/volume1/docker/not-yet"])
    assert first.failed
    assert len(backup_store(deployed_nas)["repos"]) == 1 and backup_store(deployed_nas)["tasks"] == {}

    for _attempt in range(2):
        rerun = hyper_backup(deployed_nas)
        assert not rerun.failed, rerun.get("msg")
    store = backup_store(deployed_nas)
    assert len(store["repos"]) == 1 and len(store["tasks"]) == 1

    removed = hyper_backup(deployed_nas, state="absent")
    assert removed["changed"]
    assert backup_store(deployed_nas)["repos"] == {} and backup_store(deployed_nas)["tasks"] == {}


def test_absent_removes_an_orphan_repository_of_the_task(deployed_nas):
    assert hyper_backup(deployed_nas, sources=["/volume1/docker/not-yet"]).failed
    assert len(backup_store(deployed_nas)["repos"]) == 1

    removed = hyper_backup(deployed_nas, state="absent")
    assert not removed.failed, removed.get("msg")
    assert removed["changed"] and backup_store(deployed_nas)["repos"] == {}
    assert hyper_backup(deployed_nas, state="absent")["changed"] is False
