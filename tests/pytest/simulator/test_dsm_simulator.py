"""The simulated DSM itself: state that survives a restart, File Station folders, the CLI."""

import json
import os
import subprocess
import sys

import pytest
import requests
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMClient
from simnas.dsm import behaviours
from simnas.server import free_port
from simnas.waiting import wait_until

pytestmark = pytest.mark.simulator


def answers(url):
    try:
        return requests.get(url, timeout=1).ok
    except requests.ConnectionError:
        return False


def client_for(dsm):
    return DSMClient(**dsm.client_options())


def create_docker_share(client):
    shareinfo = {"name": "docker", "vol_path": "/volume1"}
    client.call("SYNO.Core.Share", "create", {"name": "docker", "shareinfo": shareinfo}, version=1, write=True)


def test_state_survives_a_restart(make_dsm, tmp_path):
    first = make_dsm()
    client = client_for(first)
    create_docker_share(client)
    first.stop()
    second = make_dsm(users={"admin": first.password})
    shares = client_for(second).call("SYNO.Core.Share", "list", version=1)["shares"]
    assert [share["name"] for share in shares] == ["docker"]


def test_file_station_creates_real_folders_and_reports_item_errors(dsm):
    client = client_for(dsm)
    create_docker_share(client)
    data = client.call(
        "SYNO.FileStation.CreateFolder",
        "create",
        {"folder_path": ["/docker/anki"], "name": ["data"], "force_parent": True},
        version=2,
        write=True,
    )
    assert data["folders"] == [{"isdir": True, "name": "data", "path": "/docker/anki/data"}]
    assert (dsm.home / "volumes" / "volume1" / "docker" / "anki" / "data").is_dir()
    try:
        client.call(
            "SYNO.FileStation.CreateFolder", "create", {"folder_path": ["/nope"], "name": ["x"]}, version=2, write=True
        )
    except DSMAPIError as exc:
        assert exc.code == 1100
        assert str(exc) == (
            "SYNO.FileStation.CreateFolder create failed: DSM error 1100 (Failed to create a folder); "
            "item errors: 408 at /nope/x"
        )
    else:
        raise AssertionError("a folder in a missing share was created")


def test_cli_serves_https_and_http(tmp_path):
    https_port, http_port = free_port(), free_port()
    env_home = {"SIMNAS_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simnas.dsm",
            "--https-port",
            str(https_port),
            "--http-port",
            str(http_port),
            "--user",
            "admin:cli-password",
        ],
        env={**os.environ, **env_home},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{http_port}/_sim/state"), 10, "the simulated DSM CLI to answer")
        client = DSMClient(
            url=f"https://127.0.0.1:{https_port}",
            username="admin",
            password="cli-password",
            ca_path=str(tmp_path / "ca" / "ca.crt"),
        )
        assert client.dsm_major() == 7
        shareinfo = {"name": "docker", "vol_path": "/volume1"}
        client.call("SYNO.Core.Share", "create", {"name": "docker", "shareinfo": shareinfo}, version=1, write=True)
        client.close()
        assert "docker" in json.loads((tmp_path / "dsm-state.json").read_text())["shares"]
        assert (tmp_path / "volumes" / "volume1" / "docker").is_dir()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def probe_behaviour():
    """A behaviour declared for this test only (the real ones belong to the APIs that use them)."""
    name = behaviours.behaviour("test_probe_seconds", real=6.0, off=0.0, source="this test", what="a probe")
    yield name
    del behaviours.BEHAVIOURS[name]


def test_real_dsm_behaviours_are_on_by_default_and_tuned_per_simulator(probe_behaviour, make_dsm):
    assert behaviours.Behaviours()[probe_behaviour] == 6.0
    assert behaviours.Behaviours(real_dsm=False)[probe_behaviour] == 0.0
    assert behaviours.Behaviours(overrides={probe_behaviour: 2})[probe_behaviour] == 2
    with pytest.raises(KeyError, match="no_such_behaviour"):
        behaviours.Behaviours(overrides={"no_such_behaviour": 1})

    dsm = make_dsm(behaviours={probe_behaviour: None})  # None: off
    control = dsm.https.url + "/_sim/behaviours"
    assert requests.get(control, verify=dsm.ca_path, timeout=5).json()[probe_behaviour]["value"] == 0.0
    answer = requests.post(control, json={probe_behaviour: 3.5}, verify=dsm.ca_path, timeout=5)
    assert answer.json()[probe_behaviour]["value"] == 3.5
    assert dsm.sim.behaviours[probe_behaviour] == 3.5
    refused = requests.post(control, json={"no_such_behaviour": 1}, verify=dsm.ca_path, timeout=5)
    assert refused.status_code == 400
