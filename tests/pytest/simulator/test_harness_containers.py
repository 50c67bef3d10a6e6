"""harness.containers.run_container: the containers a test starts itself never outlive a failed start."""

import socket
import uuid

import docker
import pytest
from harness.containers import run_container

pytestmark = pytest.mark.docker


def test_a_container_whose_start_fails_is_removed(docker_client):
    name = f"ankinas-test-start-fails-{uuid.uuid4().hex[:8]}"
    with socket.socket() as taken:  # the port the container asks for is held: its start fails, its create did not
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(docker.errors.APIError):
            run_container(
                docker_client, "ankinas/debian:bookworm", "true", name=name, ports={"80/tcp": ("127.0.0.1", port)}
            )
    assert docker_client.containers.list(all=True, filters={"name": name}) == []


def test_a_started_container_is_returned_running(docker_client):
    container = run_container(docker_client, "ankinas/debian:bookworm", "sleep infinity", init=True, detach=True)
    try:
        assert container.status == "running"
    finally:
        container.remove(force=True, v=True)
