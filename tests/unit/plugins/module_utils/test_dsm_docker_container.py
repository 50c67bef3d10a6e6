"""The NAS's containers read through SYNO.Docker.Container in the Docker Engine's shapes (_dsm_docker_container):
what the detection's filter reads (names, ports, mounts, labels) from DSM's list and get answers."""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_docker_container import inspect, listed

ENTRY = {"id": "96c9f882", "name": "anki", "image": "jeankhawand/anki-sync-server:25.07", "status": "running"}
DETAILS = {
    "Name": "/anki",
    "State": {"Status": "running", "Running": True},
    "Config": {"Image": "jeankhawand/anki-sync-server:25.07", "Env": ["SYNC_USER1=a:b"], "Labels": {"x": "y"}},
    "HostConfig": {"PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "27701"}]}},
    "Mounts": [{"Type": "bind", "Source": "/volume1/docker/anki", "Destination": "/anki_data", "RW": True}],
}
PROFILE = {
    "port_bindings": [{"host_port": 27701, "container_port": 8080, "type": "tcp"}],
    "volume_bindings": [{"host_volume_file": "/volume1/docker/anki", "mount_point": "/anki_data", "type": "rw"}],
    "env_variables": [{"key": "SYNC_USER1", "value": "a:b"}],
}


def test_the_engines_inspect_in_details_gives_the_list_shape():
    container = listed(ENTRY, {"details": DETAILS, "profile": PROFILE})
    assert container["Names"] == ["/anki"] and container["State"] == "running" and container["Labels"] == {"x": "y"}
    assert container["Ports"] == [{"IP": "127.0.0.1", "PrivatePort": 8080, "PublicPort": 27701, "Type": "tcp"}]
    assert container["Mounts"] == [
        {"Type": "bind", "Source": "/volume1/docker/anki", "Destination": "/anki_data", "RW": True}
    ]
    assert "Env" not in container


def test_without_host_config_and_mounts_the_profile_gives_them():
    details = {key: value for key, value in DETAILS.items() if key not in ("HostConfig", "Mounts")}
    container = listed(dict(ENTRY, status="stopped"), {"details": details, "profile": PROFILE})
    assert container["Ports"] == [{"IP": "", "PrivatePort": 8080, "PublicPort": 27701, "Type": "tcp"}]
    assert container["Mounts"][0]["Source"] == "/volume1/docker/anki"


def test_inspect_keeps_details_and_takes_the_environment_from_the_profile_when_missing():
    assert inspect({"details": DETAILS})["Config"]["Env"] == ["SYNC_USER1=a:b"]
    bare = {key: value for key, value in DETAILS.items() if key != "Config"}
    assert inspect({"details": bare, "profile": PROFILE})["Config"]["Env"] == ["SYNC_USER1=a:b"]
