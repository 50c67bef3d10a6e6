"""The simulated DSM's SYNO.Docker.Container list and get against the real Docker Engine, in the shapes the public
captures show (the sources are in simnas/dsm/apis/docker_container.py): a container of the Engine is listed with
DSM's fields, and get gives its settings (profile) and the Engine's inspect (details)."""

import uuid

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMClient

pytestmark = [pytest.mark.simulator, pytest.mark.docker]
API = "SYNO.Docker.Container"
#: every key of a listed container in the answer captured on DSM 7.1.1 (ApaipaiLtd/dsm_helper DockerContainer.dart)
LISTED_KEYS = {
    "State",
    "cmd",
    "created",
    "enable_service_portal",
    "exporting",
    "finish_time",
    "id",
    "image",
    "is_ddsm",
    "is_package",
    "name",
    "services",
    "status",
    "up_status",
    "up_time",
}


@pytest.fixture
def stopped_container(docker_client, anki_server_images, tmp_path):
    name = f"ankinas-dsmlist-{uuid.uuid4().hex[:8]}"
    container = docker_client.containers.create(
        "jeankhawand/anki-sync-server:25.07",
        name=name,
        environment={"SYNC_USER1": "alice:secret"},
        ports={"8080/tcp": ("127.0.0.1", 0)},
        volumes={str(tmp_path): {"bind": "/anki_data", "mode": "rw"}},
        labels={"org.ankinas.managed-by": "ankinas.synology"},
    )
    yield container
    container.remove(force=True)


def test_list_wants_offset_limit_and_type(dsm):
    client = DSMClient(**dsm.client_options())
    with pytest.raises(DSMAPIError) as caught:
        client.call(API, "list", {"offset": 0, "limit": -1}, version=1)
    assert caught.value.code == 114


def test_a_stopped_container_is_listed_with_type_all_in_dsms_shape(dsm, stopped_container):
    client = DSMClient(**dsm.client_options())
    data = client.call(API, "list", {"offset": 0, "limit": -1, "type": "all"}, version=1)
    assert set(data) == {"containers", "limit", "offset", "total"}
    (listed,) = [entry for entry in data["containers"] if entry["name"] == stopped_container.name]
    assert set(listed) == LISTED_KEYS
    assert listed["id"] == stopped_container.id
    assert listed["image"] == "jeankhawand/anki-sync-server:25.07"
    assert listed["status"] == "stopped"
    assert listed["State"]["Running"] is False


def test_get_gives_the_settings_and_the_engines_inspect(dsm, stopped_container, tmp_path):
    client = DSMClient(**dsm.client_options())
    data = client.call(API, "get", {"name": stopped_container.name}, version=1)
    profile, details = data["profile"], data["details"]
    assert profile["image"] == "jeankhawand/anki-sync-server:25.07"
    assert {"key": "SYNC_USER1", "value": "alice:secret"} in profile["env_variables"]
    binding = {"host_volume_file": str(tmp_path), "mount_point": "/anki_data", "type": "rw"}
    assert profile["volume_bindings"] == [binding]
    assert [port["container_port"] for port in profile["port_bindings"]] == [8080]
    assert details["Name"] == "/" + stopped_container.name
    assert details["Config"]["Labels"]["org.ankinas.managed-by"] == "ankinas.synology"
    assert "SYNC_USER1=alice:secret" in details["Config"]["Env"]
    assert [(m["Source"], m["Destination"]) for m in details["Mounts"]] == [(str(tmp_path), "/anki_data")]
    assert details["status"] == "stopped"


@pytest.mark.unverified_contract(reason="no capture shows HostConfig inside details; the Engine's inspect has it")
def test_get_details_carry_the_host_config(dsm, stopped_container):
    client = DSMClient(**dsm.client_options())
    details = client.call(API, "get", {"name": stopped_container.name}, version=1)["details"]
    assert details["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostIp"] == "127.0.0.1"


def test_get_of_an_unknown_container_answers_117(dsm):
    client = DSMClient(**dsm.client_options())
    with pytest.raises(DSMAPIError) as caught:
        client.call(API, "get", {"name": f"no-such-{uuid.uuid4().hex[:8]}"}, version=1)
    assert caught.value.code == 117
