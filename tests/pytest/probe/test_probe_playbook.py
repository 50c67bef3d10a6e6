"""playbooks/probe.yml and site.yml's contract check, on a simulated NAS (its own home and free ports) that site.yml
deployed with Container Manager, so that every contract has something to read: a project, the snapshot task, a
Hyper Backup task, the data folder, a reverse-proxy rule.

- the probe reports every contract the simulated NAS offers as holding, writes nothing, logs out, and its capture
  (and its output) hold none of the demo's secrets, names, host names or serials;
- with the NAS answering one shape otherwise (the simulator's `reshape` fault), the probe names exactly that
  contract, and site.yml stops before any change naming it;
- every read of site.yml (the first run and a rerun) is a contract of the table, with the version and the parameters
  it sends.
"""

import contextlib
import json
import uuid

import docker
import pytest
import requests
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_contracts as table
from harness.runner import ROOT, run_playbook
from simnas import supervisor
from simnas.dsm.registry import APIS
from simnas.server import free_port

pytestmark = pytest.mark.docker

INVENTORY = str(ROOT / "inventories" / "demo")
#: what the capture and the output must never carry: the demo's secrets, names, host names, the NAS's serial
NEVER_SHOWN = (
    supervisor.DEMO_DSM_PASSWORD,
    supervisor.DEMO_PORTAINER_API_KEY,
    "alice-demo-password",
    "bob-demo-password",
    "SIM0000000001",  # the simulated NAS's serial (SYNO.DSM.Info, SYNO.Core.System)
    "anki.nas.test",  # the reverse-proxy rule's host, the certificates' names
    "127.0.0.1",
    "/volume1",
)
#: the same, for the capture only: also the names of the shares, tasks, users and the project
NEVER_CAPTURED = (*NEVER_SHOWN, "docker", "backups", "anki-server", "alice", "bob", "admin", "ankinas-anki-snapshot")
LIST_STATUS_DROPPED = {"api": "SYNO.Docker.Project", "method": "list", "path": "*.status", "drop": True}


class ProbeNAS:
    def __init__(self, env, home):
        self.env = env
        self.home = home
        suffix = uuid.uuid4().hex[:8]
        self.name = f"ankinas-probe-{suffix}"
        self.overrides = {
            "anki_sync_server_container_name": self.name,
            "anki_sync_server_network": self.name,
            "anki_sync_server_host_port": free_port(),
            "anki_sync_server_hash_iterations": 1000,
            "anki_sync_server_check_timeout": 60,
        }

    def play(self, playbook, **extra):
        process = run_playbook(
            ROOT / "playbooks" / playbook, dict(self.overrides, **extra), env=self.env, inventory=INVENTORY
        )
        output = process.stdout + process.stderr
        for secret in NEVER_SHOWN[:4]:
            assert secret not in output, f"a secret of the inventory is in the output of {playbook}"
        return process

    def probe(self, capture_dir):
        process = self.play("probe.yml", probe_capture_dir=str(capture_dir))
        assert process.returncode == 0, process.stdout[-4000:]
        capture_file = capture_dir / "dsm-probe-1.json"
        return process, capture_file.read_text()

    def control(self, path, payload=None):
        url = f"https://127.0.0.1:{self.env['SIMNAS_DSM_PORT']}/_sim/{path}"
        ca = f"{self.env['SIMNAS_HOME']}/ca/ca.crt"
        if payload is None:
            answer = requests.get(url, verify=ca, timeout=30)
        else:
            answer = requests.post(url, json=payload, verify=ca, timeout=30)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, docker_client, anki_server_images, ssh_nas_image):
    home = tmp_path_factory.mktemp("probe")
    # Container Manager and Hyper Backup seeded, as installed in Package Center: an install's own reads (the install
    # queue, the proposed volume) are not contracts of the table yet (see package_catalog's note), and this suite
    # holds every read of a run to the table. Molecule's container_manager scenario installs them through site.yml.
    seeded = {"SIMNAS_DSM_INSTALLED_PACKAGES": "FileStation,ContainerManager,HyperBackup"}
    with supervisor.running(home / "simnas", ANKINAS_DEPLOY_METHOD="container_manager", **seeded) as env:
        nas = ProbeNAS(env, home)
        try:
            # A snapshot now runs the snapshot task once, so that its history has a run to check.
            first = nas.play("site.yml", hyper_backup_snapshot_now=True)
            assert first.returncode == 0, first.stdout[-4000:]
            nas.first_reads = nas.control("counters")["read_params"]
            yield nas
        finally:
            for container in docker_client.containers.list(all=True, filters={"name": nas.name}):
                container.remove(force=True, v=True)
            for network in docker_client.networks.list(names=[nas.name]):
                with contextlib.suppress(docker.errors.NotFound):
                    network.remove()


def offered_by_the_simulator(contract):
    spec = APIS.get(contract.api)
    return spec is not None and "dsm7" in spec.versions


def test_the_probe_reports_every_contract_as_holding_writes_nothing_and_captures_no_value(deployed, tmp_path):
    deployed.control("reset-counters", {})
    process, text = deployed.probe(tmp_path)

    counters = deployed.control("counters")
    assert counters["writes"] == {}, "the probe changed the NAS"
    assert counters["logins_succeeded"] == 1 and counters["logouts"] == 1
    assert deployed.control("state")["sessions"] == 0

    capture = json.loads(text)
    results = {call["contract"]: call["result"] for call in capture["calls"]}
    assert list(results) == [contract.id for contract in table.CONTRACTS]
    expected = {c.id: "holds" if offered_by_the_simulator(c) else "not offered" for c in table.CONTRACTS}
    assert results == expected
    assert capture["dsm"] == "DSM 7.2.2-72806 Update 3" and capture["model"] == "DS920+"
    for call in capture["calls"]:
        if call["result"] == "holds":
            assert call.get("shape") or call.get("error") == 408, call["contract"]  # 408: a missing path
    # the report: one line per contract, then the summary
    for contract in table.CONTRACTS:
        assert f"{contract.id}: {contract.api} {contract.method}" in process.stdout
    assert f"{sum(1 for r in expected.values() if r == 'holds')} holds" in process.stdout

    for value in NEVER_CAPTURED:
        assert value not in text, f"the capture carries {value!r}"
    for value in NEVER_SHOWN:
        assert value not in process.stdout, f"the probe's output carries {value!r}"


def test_a_shape_answered_otherwise_is_named_by_the_probe_and_stops_site_yml_before_any_change(deployed, tmp_path):
    deployed.control("faults", {"reshape": LIST_STATUS_DROPPED})
    try:
        process, text = deployed.probe(tmp_path)
        results = {call["contract"]: call for call in json.loads(text)["calls"]}
        differing = {contract_id: call for contract_id, call in results.items() if call["result"] == "differs"}
        assert list(differing) == ["project_list"]
        assert differing["project_list"]["differences"] == ["answer.*.status is missing"]
        assert "project_list: SYNO.Docker.Project list v1" in process.stdout
        assert "DIFFERS: answer.*.status is missing" in process.stdout

        # A change is pending (the payload limit is part of the project's content), and none is made.
        before = deployed.control("state")["state"]
        deployed.control("reset-counters", {})
        stopped = deployed.play("site.yml", anki_sync_server_max_sync_payload_megs=256)
        assert stopped.returncode != 0
        assert "project_list (SYNO.Docker.Project list v1): answer.*.status is missing" in stopped.stdout
        assert "nothing was changed" in stopped.stdout
        assert deployed.control("counters")["writes"] == {}
        assert deployed.control("state")["state"]["docker_projects"] == before["docker_projects"]
        assert deployed.control("state")["sessions"] == 0
    finally:
        deployed.control("faults", {"reshape": None})

    # As DSM answers again, the same inventory goes through: a rerun, which changes nothing. Every read it makes,
    # and every read of the first run (which made everything), is a contract of the table: the API, the method, the
    # version and the parameter names.
    deployed.control("reset-counters", {})
    rerun = deployed.play("site.yml")
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    counters = deployed.control("counters")
    assert counters["writes"] == {}
    assert_reads_are_contracts(counters["read_params"])
    assert_reads_are_contracts(deployed.first_reads)


def assert_reads_are_contracts(read_params):
    """Every read the simulator saw ({API.method: ["v<version> <parameter names>", ...]}) is a contract's."""
    contracts = {}
    for contract in table.CONTRACTS:
        for version in contract.versions:
            key = f"{contract.api}.{contract.method}"
            contracts.setdefault(key, set()).add(f"v{version} {','.join(sorted(contract.params))}")
    not_contracts = {"SYNO.API.Auth.login", "SYNO.API.Auth.logout"}  # the session, checked by logging in
    uncovered = {
        name: sorted(set(seen) - contracts.get(name, set()))
        for name, seen in read_params.items()
        if name not in not_contracts and set(seen) - contracts.get(name, set())
    }
    assert not uncovered, f"reads of site.yml that no contract of the table describes: {uncovered}"
