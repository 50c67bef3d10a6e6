"""The simulated DSM itself: state that survives a restart, File Station folders, the CLI."""

import json
import os
import subprocess
import sys

import pytest
import requests
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMClient
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
