"""Issue 29, case 9: DSM's answers the collection met without a name or a retry.

- Two runs creating one Hyper Backup task at the same time: the one that comes second met "DSM error 4405
  (unknown error code)" (the name is taken). It now finds the task the other run made, takes it over, removes the
  repository it made for nothing, and both runs end with one task and one repository.
- A busy answer (3328, "get_lock_failed" in DSM's error table: the change did not start) on a reverse-proxy
  update: it was not retried and read "unknown error code". Every write is retried on it now.
"""

import threading

import pytest
from harness.runner import run_module
from simnas.waiting import wait_until

BACKUP = {
    "name": "anki",
    "sources": ["/volume1/docker/anki-server"],
    "destination": {"type": "image_local", "share": "backups"},
    "schedule": {"frequency": "daily", "time": "03:00"},
}


def share(dsm, name):
    result = run_module("dsm_shared_folder", dsm.connection(name=name, volume="/volume1"))
    assert not result.failed, result.get("msg")
    return dsm.home / "volumes" / "volume1" / name


@pytest.fixture
def backup_nas(dsm):
    (share(dsm, "docker") / "anki-server").mkdir()
    share(dsm, "backups")
    dsm.reset_counters()
    return dsm


def test_two_runs_creating_one_backup_task_end_with_one_task(backup_nas):
    dsm = backup_nas
    # The first run is held inside its destination check (Target get_candidate_dir, before its creates) while the
    # second run makes the task; then the first one creates its own and meets the name in use.
    dsm.faults(slow_seconds={"seconds": 8, "count": 1, "api": "SYNO.Backup.Target"})
    first = {}
    runner = threading.Thread(target=lambda: first.update(run_module("dsm_hyper_backup", dsm.connection(**BACKUP))))
    runner.start()
    try:
        # The simulator takes the fault when the call arrives, then sleeps before it answers.
        wait_until(lambda: "slow_seconds" not in dsm.state()["faults"], 30, "the first run's destination check")
        second = run_module("dsm_hyper_backup", dsm.connection(**BACKUP))
        assert not second.failed, second.get("msg")
    finally:
        runner.join(60)
    assert "4405" not in str(first.get("msg")), first.get("msg")
    assert not first.get("failed"), first.get("msg")
    assert first["backup_task"]["name"] == "anki"
    assert "at the same time" in str(first.get("warnings")), first.get("warnings")
    store = dsm.state()["state"]["hyper_backup"]
    assert [task["name"] for task in store["tasks"].values()] == ["anki"]
    assert len(store["repos"]) == 1, store["repos"]

    dsm.reset_counters()
    again = run_module("dsm_hyper_backup", dsm.connection(**BACKUP))
    assert again["changed"] is False and dsm.counters()["writes"] == {}


def test_a_busy_answer_on_a_reverse_proxy_update_is_retried(dsm):
    rule = {"description": "Anki busy", "source_host": "anki-busy.nas.test", "destination_port": 27701}
    created = run_module("dsm_reverse_proxy", dsm.connection(**rule))
    assert not created.failed, created.get("msg")
    dsm.reset_counters()
    dsm.faults(busy={"count": 2, "api": "SYNO.Core.AppPortal.ReverseProxy", "code": 3328})
    updated = run_module("dsm_reverse_proxy", dsm.connection(proxy_read_timeout=120, **rule))
    assert not updated.failed, updated.get("msg")
    assert updated["changed"] and updated["changed_keys"] == ["proxy_read_timeout"]
    assert dsm.counters()["writes"]["SYNO.Core.AppPortal.ReverseProxy.update"] == 3  # refused twice, then applied
    assert run_module("dsm_reverse_proxy", dsm.connection(proxy_read_timeout=120, **rule))["changed"] is False


def test_a_lasting_busy_answer_is_named(dsm):
    rule = {"description": "Anki busy", "source_host": "anki-busy.nas.test", "destination_port": 27701}
    dsm.faults(busy={"count": 99, "api": "SYNO.Core.AppPortal.ReverseProxy", "code": 3328})
    refused = run_module("dsm_reverse_proxy", dsm.connection(**rule), timeout=180)
    assert refused.failed
    assert "DSM error 3328" in refused["msg"] and "unknown error code" not in refused["msg"], refused["msg"]
    assert "busy" in refused["msg"]
    dsm.faults(busy=None)
