"""The simulated DSM against the collection's table of DSM contracts (plugins/module_utils/_dsm_contracts.py):
every contract the simulator serves holds there, on both personalities, on a NAS that has one of everything the
contracts read (so that no list is checked empty); the probe writes nothing; a reshaped answer is named.

The table describes what DSM is observed to answer: a contract that fails here is a simulator kinder or other than
DSM (fix the simulator), or a contract that describes the simulator instead of DSM (fix the table, with evidence).
"""

import json

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_contracts as table
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_container_project import ProjectClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_file_station import FolderClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_probe import (
    DIFFERS,
    HOLDS,
    NOT_CHECKED,
    NOT_OFFERED,
    Probe,
)
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_task_scheduler import TaskClient, task_fields
from simnas.dsm.registry import APIS

pytestmark = [pytest.mark.simulator, pytest.mark.docker]

NAMES = {
    "project": "anki-sync-server",
    "task": "ankinas-anki-snapshot-anki",
    "backup_task": "anki",
    "backup_share": "backups",
    "data_folder": "/volume1/docker/anki-server",
}
#: the list each listing contract answers, which the seeded NAS fills
LISTED = {
    "share_list": "shares",
    "reverse_proxy_list": "entries",
    "certificate_list": "certificates",
    "task_list": "tasks",
    "backup_task_list": "task_list",
    "backup_repository_list": "repo_list",
    "package_list": "packages",
    "container_list": "containers",
}
LOCAL = {"target_type": "image", "transfer_type": "image_local", "share": "backups"}
COMPOSE = "services:\n  anki:\n    image: ankinas/contract-probe:none\n"


def served(contract, personality):
    """Whether the simulator has the API, a version the modules call, and the method in that version (and so for
    the contracts whose answers this one needs)."""
    return callable_here(contract, personality) and all(
        served(table.BY_ID[needed], personality) for needed in contract.after
    )


def callable_here(contract, personality):
    """Whether the simulator has the API, a version the modules call, and the method in that version."""
    spec = APIS.get(contract.api)
    if spec is None or personality not in spec.versions or contract.method not in spec.methods:
        return False
    low, high = spec.versions[personality]
    allowed = spec.methods[contract.method].versions
    return any(low <= version <= high and (allowed is None or version in allowed) for version in contract.versions)


def seed(dsm, client):
    """One of everything the contracts read: shares, the data folder, a project, a rule, a root task that ran once,
    a Hyper Backup task."""
    for name in ("docker", "backups"):
        shareinfo = {"name": name, "vol_path": "/volume1"}
        client.call("SYNO.Core.Share", "create", {"name": name, "shareinfo": shareinfo}, version=1, write=True)
    FolderClient(client).make("/docker/anki-server")
    if client.has_api("SYNO.Docker.Project"):
        ProjectClient(client).create(NAMES["project"], "/docker/anki-server", COMPOSE)
    rule = {
        "description": "Anki Sync Server",
        "frontend": {"fqdn": "anki.nas.test", "port": 443, "protocol": 1, "acl": None, "https": {"hsts": True}},
        "backend": {"fqdn": "localhost", "port": 27701, "protocol": 0},
        "customize_headers": [],
        "proxy_connect_timeout": 60,
        "proxy_read_timeout": 60,
        "proxy_send_timeout": 60,
        "proxy_http_version": 1,
        "proxy_intercept_errors": False,
    }
    client.call("SYNO.Core.AppPortal.ReverseProxy", "create", {"entry": rule}, version=1, write=True)
    if client.has_api("SYNO.Core.TaskScheduler.Root"):
        tasks = TaskClient(client, dsm.password)
        tasks.save(task_fields(NAMES["task"], "true"))
        tasks.run(tasks.find(NAMES["task"])["id"], NAMES["task"], wait_timeout=60)
    candidate = client.call("SYNO.Backup.Target", "get_candidate_dir", LOCAL, version=1)["candidate_dir"]
    repo = client.call(
        "SYNO.Backup.Repository", "create", dict(LOCAL, target_id=candidate, name="anki"), version=1, write=True
    )
    task = dict(
        LOCAL,
        action="create",
        name="anki",
        repo_id=repo["repo_id"],
        target_id=candidate,
        source={"app_list": [], "file_list": ["/docker/anki-server"]},
        backup_params={"enable_data_compress": True, "enable_notify": False},
    )
    client.call("SYNO.Backup.Task", "create", task, version=1, write=True)


@pytest.fixture(params=["dsm7", "dsm6"])
def seeded(request, make_dsm):
    dsm = make_dsm(personality=request.param)
    client = DSMClient(**dsm.client_options())
    seed(dsm, client)
    dsm.reset_counters()
    yield dsm, client, request.param
    client.close()


def test_every_contract_the_simulator_serves_holds_there(seeded):
    dsm, client, personality = seeded
    probe = Probe(client, NAMES)
    results = {result["id"]: result for result in probe.run(table.CONTRACTS)}
    assert list(results) == [contract.id for contract in table.CONTRACTS]

    wrong = []
    for contract in table.CONTRACTS:
        result = results[contract.id]
        if served(contract, personality):
            if result["result"] != HOLDS:
                wrong.append(f"{contract.id}: {result['result']} {result['differences']} {result['reason']}")
            answer = probe.answers[contract.id]
            if contract.id in LISTED:
                assert answer[LISTED[contract.id]], f"{contract.id} was checked on an empty list"
            if contract.id == "project_list":
                assert answer, "project_list was checked without a project"
        elif APIS.get(contract.api) is None or personality not in APIS[contract.api].versions:
            assert result["result"] == NOT_OFFERED, contract.id
        elif callable_here(contract, personality):
            assert result["result"] == NOT_CHECKED, contract.id  # what it reads comes from a contract not served
        else:
            # offered, but not in a version the modules call (DSM 6's Task Scheduler): named as a difference
            assert result["result"] == DIFFERS and "the modules call" in result["differences"][0], contract.id
    assert not wrong, "contracts the simulator serves that do not hold there:\n" + "\n".join(wrong)

    counters = dsm.counters()
    assert counters["writes"] == {}, "the probe changed the NAS"
    assert sum(counters["reads"].values()) >= len([c for c in table.CONTRACTS if served(c, personality)])


def test_a_reshaped_answer_is_the_one_contract_that_differs(seeded):
    dsm, client, _personality = seeded
    dsm.faults(reshape={"api": "SYNO.Core.Share", "method": "list", "path": "shares.[].vol_path", "value": 1})
    results = Probe(client, NAMES).run(table.CONTRACTS)
    differing = {result["id"]: result["differences"] for result in results if result["result"] == DIFFERS}
    assert differing.pop("share_list") == ["answer.shares[].vol_path is an int, expected str"]
    assert all("the modules call" in found[0] for found in differing.values()), differing  # DSM 6's versions only

    dsm.faults(reshape=None)
    assert {r["id"]: r["result"] for r in Probe(client, NAMES).run(table.CONTRACTS)}["share_list"] == HOLDS


def test_the_capture_carries_shapes_and_no_value(seeded):
    dsm, client, personality = seeded
    probe = Probe(client, NAMES)
    probe.run(table.CONTRACTS)
    text = json.dumps(probe.capture())
    for value in (dsm.password, "anki.nas.test", "anki-sync-server", "SIM0000000001", "backups", "/docker", "true"):
        assert value not in text, value
    assert json.loads(text)["dsm"].startswith("DSM 7" if personality == "dsm7" else "DSM 6")
