"""Shared fixtures: the Docker Engine, the locally built images and containers of the Anki sync server."""

import contextlib
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import docker
import pytest
from simnas.server import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Overridable to run the same tests against another build of the image (e.g. a deliberately broken one).
ANKI_IMAGE = os.environ.get("ANKINAS_TEST_ANKI_IMAGE", "jeankhawand/anki-sync-server")
# A fast healthcheck for tests: the image's own command, probed every half second (the image says 30 s).
FAST_HEALTHCHECK = {"interval": 500_000_000, "timeout": 5_000_000_000, "retries": 3, "start_period": 0}


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env()
    client.ping()
    yield client
    client.close()


@pytest.fixture(scope="session")
def local_images(docker_client):
    """Builds the images of the Anki sync server when missing or out of date (the script skips current ones)."""
    subprocess.run([os.path.join(ROOT, "scripts", "build-images.sh"), "anki-sync-server"], check=True)


class AnkiContainer:
    """A running sync server container; endpoint is the client base URL (with the trailing slash)."""

    def __init__(self, container, port):
        self.container = container
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}/"

    def exec(self, *cmd):
        """Runs cmd in the container (as root); its stdout, or an AssertionError with its output."""
        result = self.container.exec_run(list(cmd))
        output = result.output.decode()
        assert result.exit_code == 0, f"{cmd} exited {result.exit_code}: {output}"
        return output

    def remove(self):
        """Removes the container now (e.g. to recreate it on the same data); teardown then skips it."""
        self.container.remove(force=True, v=True)

    def logs(self):
        return self.container.logs().decode(errors="replace")

    def health_status(self):
        self.container.reload()
        return self.container.attrs["State"].get("Health", {}).get("Status")

    def wait_ready(self, timeout=30):
        """Waits until GET /health answers 200; fails early, with the logs, if the container stops."""
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            try:
                with opener.open(self.endpoint + "health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            self.container.reload()
            assert self.container.status in ("created", "running"), f"container {self.container.status}:\n{self.logs()}"
            assert time.monotonic() < deadline, f"no /health answer within {timeout}s:\n{self.logs()}"
            time.sleep(0.2)

    def wait_healthy(self, timeout=30):
        """Waits until Docker reports the container healthy (its HEALTHCHECK passed)."""
        deadline = time.monotonic() + timeout
        while (status := self.health_status()) != "healthy":
            assert status != "unhealthy", f"Docker reports the container unhealthy: {self.container.attrs['State']}"
            assert time.monotonic() < deadline, f"not healthy within {timeout}s (status {status!r})"
            time.sleep(0.2)


@pytest.fixture
def run_anki_container(docker_client, local_images):
    """run(users=..., data_dir=..., tag=..., env=..., port=...) starts a sync server container.

    users maps names to passwords (SYNC_USER1, SYNC_USER2, ... in order); data_dir is bind-mounted on
    /anki_data; the host port is a free one unless given. Every container started is removed at teardown
    (with its anonymous volumes), whatever the test's outcome.
    """
    started = []

    def run(users, data_dir=None, tag="25.07", env=None, port=None, wait=True):
        environment = {f"SYNC_USER{i}": f"{name}:{password}" for i, (name, password) in enumerate(users.items(), 1)}
        environment.update(env or {})
        port = port or free_port()
        container = docker_client.containers.run(
            f"{ANKI_IMAGE}:{tag}",
            name=f"ankinas-test-anki-{uuid.uuid4().hex[:10]}",
            detach=True,
            environment=environment,
            ports={"8080/tcp": ("127.0.0.1", port)},
            volumes={str(data_dir): {"bind": "/anki_data", "mode": "rw"}} if data_dir else None,
            healthcheck=FAST_HEALTHCHECK,
            labels={"org.ankinas.test": "pytest"},
        )
        started.append(container)
        server = AnkiContainer(container, port)
        if wait:
            server.wait_ready()
        return server

    yield run
    for container in started:
        with contextlib.suppress(docker.errors.NotFound):  # removed by the test already
            container.remove(force=True, v=True)
