"""Shared fixtures: the Docker Engine, the locally built images and containers of the Anki sync server."""

import contextlib
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import docker
import pytest
import requests
from simnas import sshnas
from simnas.ca import TestCA
from simnas.dsm import create_app as create_dsm_app
from simnas.dsm.apis.package_center import USER_INSTALLED
from simnas.portainer import SimConfig, create_app
from simnas.server import RunningServer, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Overridable to run the same tests against another build of the image (e.g. a deliberately broken one).
ANKI_IMAGE = os.environ.get("ANKINAS_TEST_ANKI_IMAGE", "jeankhawand/anki-sync-server")
# A fast healthcheck for tests: the image's own command, probed every half second (the image says 30 s).
FAST_HEALTHCHECK = {"interval": 500_000_000, "timeout": 5_000_000_000, "retries": 3, "start_period": 0}
#: DSM's slow actions scaled down to seconds (simnas.dsm.behaviours; the demo keeps the real values): a build that
#: pulls takes 3 s and loses its answer after 2 s, as a 90 s pull loses it after 30 s on a real NAS. For the
#: simulated DSMs of the fixtures and, through SIMNAS_DSM_BEHAVIOURS, those the supervisor starts for a test.
#: Also the web-server restart after a certificate change (up to a minute), a root task's queue (minutes), Let's
#: Encrypt (minutes) and a Package Center install (minutes: a fresh supervisor NAS installs Container Manager and
#: Hyper Backup in each site.yml run that needs them). Tests of one of them set their own.
SCALED_BEHAVIOURS = {
    "package_install_seconds": 1.0,
    "project_build_pull_seconds": 3.0,
    "project_drop_after_seconds": 2.0,
    "httpd_restart_seconds": 0.3,
    "root_task_run_delay_seconds": 1.0,
    "letsencrypt_answer_504_then_issue_seconds": 1.0,
}
os.environ.setdefault("SIMNAS_DSM_BEHAVIOURS", json.dumps(SCALED_BEHAVIOURS))

#: The longest test files, longest first (each file's time in build/test-logs/pytest.xml, on two cores). pytest-xdist
#: (--dist loadfile) hands files to the workers in collection order: started first, the long files do not end the
#: run alone on one worker while the others idle. Files not listed follow in collection order.
LONGEST_FILES = (
    "reliability/test_switches_and_data.py",
    "reliability/test_checks_and_status.py",
    "reliability/test_site_faults.py",
    "adoption/test_guide_nas.py",
    "test_site_check_mode.py",
    "site/test_default_method.py",
    "container_manager/test_queued_root_run.py",
    "roles/test_anki_sync_server.py",
    "backup/test_restore_drill.py",
    "probe/test_probe_playbook.py",
    "reliability/test_guide_nas_without_ssh.py",
    "site/test_newest_ansible_core.py",
)


@pytest.hookimpl(trylast=True)  # after pytest's own ordering by fixture scope, which this keeps within a file
def pytest_collection_modifyitems(items):
    here = os.path.dirname(os.path.abspath(__file__))

    def rank(item):
        relative = os.path.relpath(str(item.path), here)
        return LONGEST_FILES.index(relative) if relative in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)  # stable: each file's tests, and the other files, keep their order


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env()
    client.ping()
    yield client
    client.close()


@pytest.fixture(scope="session")
def anki_server_images(docker_client):
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
def run_anki_container(docker_client, anki_server_images):
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


# --- The simulated Portainer -------------------------------------------------------------------
PORTAINER_API_KEY = "ptr_" + uuid.uuid4().hex
PORTAINER_ADMIN_PASSWORD = "simulated-admin-" + uuid.uuid4().hex[:8]


class PortainerSim:
    """The running simulator and its /_sim control API."""

    def __init__(self, server, ca_path, simulator):
        self.url = server.url
        self.ca_path = str(ca_path)
        self.api_key = PORTAINER_API_KEY
        self.admin_password = PORTAINER_ADMIN_PASSWORD
        self.simulator = simulator
        self.http = requests.Session()

    def control(self, method, path, body=None):
        response = self.http.request(method, self.url + "/_sim/" + path, json=body, verify=self.ca_path, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def counters(self):
        return self.control("GET", "counters")

    def reset(self):
        self.control("POST", "reset")

    def configure(self, **settings):
        return self.control("POST", "config", settings)

    def fault(self, method, path, status, times=1):
        self.control("POST", "faults", {"method": method, "path": path, "status": status, "times": times})

    def stacks(self):
        return self.control("GET", "state")["stacks"]

    def stack_named(self, name):
        return next((s for s in self.stacks() if s["Name"] == name), None)

    def api(self, method, path, **kwargs):
        """A call to the simulated Portainer API with the admin's API key (independent of the module)."""
        headers = {"X-API-Key": self.api_key}
        # verify= per call: a session's verify loses to REQUESTS_CA_BUNDLE from the environment.
        return self.http.request(method, self.url + path, headers=headers, verify=self.ca_path, timeout=120, **kwargs)


@pytest.fixture(scope="session")
def portainer_sim(tmp_path_factory, docker_client):
    """The simulated Portainer over HTTPS, deploying on the local Docker Engine (shared by the suites)."""
    home = tmp_path_factory.mktemp("portainer")
    ca = TestCA(home / "ca")
    certfile, keyfile = ca.leaf("portainer", "localhost", "127.0.0.1")
    config = SimConfig(
        state_path=str(home / "state.json"),
        data_dir=str(home / "data"),
        admin_password=PORTAINER_ADMIN_PASSWORD,
        api_key=PORTAINER_API_KEY,
        docker_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"),
    )
    app = create_app(config)
    server = RunningServer(app, certfile=certfile, keyfile=keyfile).start()
    sim = PortainerSim(server, ca.cert_path, app.config["SIM"])
    yield sim
    for stack in sim.stacks():
        sim.api("DELETE", f"/api/stacks/{stack['Id']}", params={"endpointId": stack["EndpointId"]})
    server.stop()


# --- The simulated DSM (one per test, over HTTPS with its own test CA, and plain HTTP) -------------------
ADMIN = "admin"


class SimulatedDSM:
    """A running simulated DSM: its URLs, the connection arguments of the modules, its control endpoint, its test CA
    (`ca`, in home/ca: it signs the DSM's HTTPS certificate and the NAS's certificates) and its NAS (`nas`, where
    Task Scheduler runs root scripts: the home's NAS container, started on the first script unless one runs)."""

    def __init__(self, https, http, ca, password, home, nas):
        self.https, self.http = https, http
        self.url, self.http_url = https.url, http.url
        self.ca = ca
        self.ca_path = str(ca.cert_path)
        self.password = password
        self.home = home
        self.nas = nas

    def connection(self, **overrides):
        """The connection options of a DSM module for this NAS."""
        args = {"dsm_url": self.url, "dsm_username": ADMIN, "dsm_password": self.password, "dsm_ca_path": self.ca_path}
        args.update(overrides)
        return args

    def client_options(self, **overrides):
        """The same, as DSMClient keyword arguments."""
        options = {"url": self.url, "username": ADMIN, "password": self.password, "ca_path": self.ca_path}
        options.update(overrides)
        return options

    def _control(self, path, payload=None):
        url = self.http_url + "/_sim/" + path
        answer = requests.get(url, timeout=10) if payload is None else requests.post(url, json=payload, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def counters(self):
        return self._control("counters")

    def state(self):
        return self._control("state")

    def faults(self, **faults):
        return self._control("faults", faults)

    def reset_counters(self):
        return self._control("reset-counters", {})

    def stop(self):
        self.https.stop()
        self.http.stop()
        self.nas.stop()


def start_dsm(home, **options):
    """A running simulated DSM in home (its state, volumes, CA and NAS container all there); admin's password is
    random unless users= is given. Stop it with stop()."""
    password = "pw-" + secrets.token_hex(8)
    options.setdefault("users", {ADMIN: password})
    options.setdefault("state_path", home / "dsm-state.json")
    options.setdefault("volumes_root", home / "volumes")
    options.setdefault("ca_dir", home / "ca")
    options.setdefault("nas", sshnas.RootShell(home, start_missing=True))
    # A fresh NAS has only what DSM ships; the module and role tests meet a NAS whose user installed Container
    # Manager (Docker on DSM 6) and Hyper Backup in Package Center. Tests of a fresh NAS pass installed_packages.
    options.setdefault("installed_packages", USER_INSTALLED[options.get("personality", "dsm7")])
    if options.get("real_dsm", True):
        options["behaviours"] = dict(SCALED_BEHAVIOURS, **(options.get("behaviours") or {}))
    app = create_dsm_app(**options)
    ca = TestCA(options["ca_dir"])
    cert, key = ca.leaf("dsm", "localhost", "127.0.0.1")
    https = RunningServer(app, certfile=cert, keyfile=key).start()
    http = RunningServer(app).start()
    user = options["users"][ADMIN]
    password = user if isinstance(user, str) else user["password"]
    dsm = SimulatedDSM(https, http, ca, password, home, options["nas"])
    dsm.sim = app.config["SIMULATOR"]  # for suites that attach more to the NAS (tests/pytest/proxy)
    return dsm


@pytest.fixture
def make_dsm(tmp_path, ssh_nas_image):
    """make_dsm(**Simulator options) -> SimulatedDSM; admin's password is random unless users= is given."""
    running = []

    def make(**options):
        dsm = start_dsm(tmp_path, **options)
        running.append(dsm)
        return dsm

    yield make
    for dsm in running:
        dsm.stop()


@pytest.fixture(scope="module")
def module_dsm(tmp_path_factory, ssh_nas_image):
    """A simulated DSM 7 shared by the tests of one module (for deployments converged step by step)."""
    dsm = start_dsm(tmp_path_factory.mktemp("dsm"))
    yield dsm
    dsm.stop()


@pytest.fixture
def dsm(make_dsm):
    """A simulated DSM 7 with one administrator."""
    return make_dsm()


# --- The simulated NAS's SSH host (a container with sshd; see simnas.sshnas) -----------------------------
class SSHNas:
    """A running SSH host of the simulated NAS: how Ansible logs in, and a shell as its administrator."""

    def __init__(self, home, port, user, password):
        self.home, self.port, self.user, self.password = home, port, user, password

    def connection(self):
        """The inventory's connection variables for this NAS (a real one differs in these only)."""
        return {
            "ansible_connection": "ssh",
            "ansible_host": "127.0.0.1",
            "ansible_port": self.port,
            "ansible_user": self.user,
            "ansible_password": self.password,
            "ansible_ssh_common_args": f"-o HostKeyAlias={sshnas.HOST_ALIAS} -o StrictHostKeyChecking=yes"
            f" -o UserKnownHostsFile={sshnas.known_hosts(self.home)}",
            # No User Home on the NAS: Ansible's files go to /tmp.
            "ansible_remote_tmp": f"/tmp/.ansible-{self.user}",
            "ansible_python_interpreter": "/usr/bin/python3",
        }

    def root(self, command):
        """Runs command as root in the NAS (as a Task Scheduler script runs, not over SSH); the CompletedProcess."""
        return sshnas.run_as_root(self.home, command, timeout=60)

    def shell(self, command):
        """Runs command on the NAS as the administrator, over SSH; the CompletedProcess."""
        ssh = ["sshpass", "-e", "ssh", "-p", str(self.port), "-o", "LogLevel=ERROR"]
        ssh += self.connection()["ansible_ssh_common_args"].split()
        env = dict(os.environ, SSHPASS=self.password)
        return subprocess.run(
            [*ssh, f"{self.user}@127.0.0.1", command], capture_output=True, text=True, env=env, timeout=60, check=False
        )


@pytest.fixture(scope="session")
def ssh_nas_image(docker_client):
    """The NAS's image (simnas.sshnas): every simulated DSM's root scripts run in a container of it."""
    subprocess.run([os.path.join(ROOT, "scripts", "build-images.sh"), "simnas-ssh"], check=True)


@pytest.fixture
def make_ssh_nas(ssh_nas_image, docker_client):
    """make_ssh_nas(home, user, password): the SSH host of a simulated NAS whose /volumeN is home/volumes/volumeN
    (the NAS container of that home, with sshd: a DSM of the same home runs its root scripts there too)."""
    started = []

    def make(home, user, password):
        nas = SSHNas(home, free_port(), user, password)
        sshnas.start(home, nas.port, user, password)
        started.append(home)
        return nas

    yield make
    for home in started:
        sshnas.stop(home)
