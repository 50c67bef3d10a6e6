"""Shared fixtures of every suite: the Docker Engine, the locally built images, containers of the Anki sync server, the
simulated DSM and Portainer, the NAS's SSH host, the reverse proxy with its real nginx, and one sync server behind it
(anki_notes). A folder's conftest.py adds what only its tests use."""

import contextlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import docker
import pytest
import requests
import zstandard
from harness import anki_client
from harness.connect_proxy import ConnectProxy
from harness.containers import run_container
from harness.runner import run_module
from proxy_helpers import FQDN, list_rules
from simnas import sshnas
from simnas.ca import TestCA
from simnas.dsm import create_app as create_dsm_app
from simnas.dsm.apis import web
from simnas.dsm.apis.package_center import USER_INSTALLED
from simnas.dsm.apis.reverse_proxy import attach_nginx
from simnas.portainer import SimConfig, create_app
from simnas.server import RunningServer, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Overridable to run the same tests against another build of the image (e.g. a deliberately broken one).
ANKI_IMAGE = os.environ.get("ANKINAS_TEST_ANKI_IMAGE", "jeankhawand/anki-sync-server")
# A fast healthcheck for tests: the image's own command, probed every half second (the image says 30 s). Failures
# in the first two minutes do not count (a server that starts slowly on a loaded machine is not unhealthy): the
# first probe that passes makes the container healthy.
FAST_HEALTHCHECK = {"interval": 500_000_000, "timeout": 5_000_000_000, "retries": 3, "start_period": 120_000_000_000}
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

    def wait_ready(self, timeout=120):
        """Waits until GET /health answers 200; fails early, with the logs, if the container stops."""
        wait_health(self.endpoint + "health", self.container, timeout)

    def wait_healthy(self, timeout=120):
        """Waits until Docker reports the container healthy (its HEALTHCHECK passed). Unhealthy on the way is not
        final (probes that time out on a loaded machine; the next passing one makes it healthy): at the deadline the
        failure shows Docker's health log."""
        deadline = time.monotonic() + timeout
        while (status := self.health_status()) != "healthy":
            assert time.monotonic() < deadline, (
                f"not healthy within {timeout}s (status {status!r}): {self.container.attrs['State'].get('Health')}"
            )
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
        container = run_container(
            docker_client,
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


# --- The reverse proxy: a simulated DSM with dsm_reverse_proxy at hand, and its real nginx when asked for ----------
# proxy_dsm is a simulated DSM 7 (its certificates signed by its own test CA, `.ca`, which the clients trust), with the
# reverse-proxy module at hand (`.run()`); proxy_dsm_with_nginx also renders its reverse-proxy rules into a real nginx
# whose frontend port 443 listens on a free port (`proxy_dsm_with_nginx.https_port`), stopped after the test. For
# modules/test_dsm_reverse_proxy.py, test_dsm_certificate.py and the reverse-proxy suite (proxy/).
PROXY_MODULE = "dsm_reverse_proxy"


@pytest.fixture
def make_proxy_dsm(make_dsm, tmp_path, _no_stray_nginx):
    """make_proxy_dsm(nginx=False, http2=True, **Simulator options): a SimulatedDSM (.sim, .run(), .rules(), .writes()).

    http2 sets DSM's global HTTP/2 switch (a simulated NAS starts with it off; tests of other things want it on).
    """
    started = []

    def make(nginx=False, http2=True, **options):
        dsm = make_dsm(**options)
        with dsm.sim.lock:
            web.settings(dsm.sim.state.data)["enable_spdy"] = http2  # DSM's global HTTP/2 switch
        dsm.run = lambda check=False, diff=False, **args: run_module(
            PROXY_MODULE, dsm.connection(**args), check=check, diff=diff
        )
        dsm.rules = lambda: list_rules(dsm)
        dsm.writes = lambda: dsm.counters()["writes"]
        if nginx:
            dsm.https_port = free_port()
            dsm.nginx = attach_nginx(dsm.sim, tmp_path / "nginx", frontend_port_map={443: dsm.https_port})
            started.append(dsm.nginx)
        return dsm

    yield make
    for nginx in started:
        nginx.stop()


@pytest.fixture
def proxy_dsm(make_proxy_dsm):
    return make_proxy_dsm()


@pytest.fixture
def proxy_dsm_with_nginx(make_proxy_dsm):
    return make_proxy_dsm(nginx=True)


class Echo(BaseHTTPRequestHandler):
    """A backend that answers the request headers it got and the size of the body."""

    def _answer(self):
        if self.path == "/slow":
            time.sleep(3)
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            received += len(self.rfile.read(min(1 << 20, length - received)))
        body = json.dumps({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": received}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def backend():
    """The port of an Echo backend on 127.0.0.1, the upstream of the reverse-proxy tests' rules."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture
def _no_stray_nginx(tmp_path):
    """A test of make_proxy_dsm leaves no nginx of its own behind (checked after make_proxy_dsm stopped its own)."""
    yield
    left = subprocess.run(["pgrep", "-af", "nginx: master"], capture_output=True, text=True, check=False).stdout
    assert str(tmp_path) not in left, left


# --- One sync server behind the simulated NAS's nginx, per test module: anki_notes and the notes playbook ---------
# The rule (HTTPS 443 -> the container, the anki.nas.test certificate) is made by dsm_reverse_proxy on a simulated
# DSM; the module and the "devices" (real clients of the PyPI `anki` package) reach https://anki.nas.test through a
# CONNECT proxy with the test CA. Each test takes users of its own (`server.new_user()`), so tests stay independent
# of their order.
NOTES_USERS = 12
TESTS = Path(__file__).resolve().parents[1]
DEVICE_SYNC = """
import sys
from harness import anki_client
path, user, password, endpoint, media = sys.argv[1:]
print(anki_client.sync(path, user, password, endpoint, media=media == "True"))
"""


class NotesServer:
    def __init__(self, endpoint, ca_path, tunnel, nginx, passwords, cache_root):
        self.endpoint = endpoint
        self.ca_path = ca_path
        self.tunnel = tunnel
        self.nginx = nginx
        self.passwords = passwords
        self.cache_root = cache_root
        self._free = iter(sorted(passwords))

    def new_user(self):
        user = next(self._free, None)
        assert user is not None, f"all {NOTES_USERS} users of the suite's server are taken: raise NOTES_USERS"
        return user

    def args(self, user, **options):
        """The module's options for user (their own cache directory under the suite's)."""
        args = {
            "url": self.endpoint,
            "user": user,
            "password": self.passwords[user],
            "ca_path": self.ca_path,
            "cache_dir": str(self.cache_root),
        }
        args.update(options)
        return args

    def proxy_env(self):
        return {"HTTPS_PROXY": self.tunnel.url, "https_proxy": self.tunnel.url, "NO_PROXY": "", "no_proxy": ""}

    def run(self, args, check=False, diff=False):
        """Runs anki_notes; returns (result, the requests nginx saw meanwhile as 'METHOD /path' lines)."""
        mark = self.log_size()
        result = run_module("anki_notes", args, check=check, diff=diff, env=self.proxy_env(), timeout=300)
        return result, self.requests_since(mark)

    def device(self, directory, user, notes=(), media=False):
        """A device: a client collection of its own holding notes (front, back), synced once."""
        path = anki_client.make_collection(str(directory), list(notes))
        self.device_sync(path, user, media=media)
        return path

    def device_sync(self, path, user, media=False):
        """Syncs a device in a process of its own: the Rust client reads the proxy settings once per process."""
        env = dict(os.environ, SSL_CERT_FILE=self.ca_path, **self.proxy_env())
        env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
        done = subprocess.run(
            [sys.executable, "-c", DEVICE_SYNC, path, user, self.passwords[user], self.endpoint, str(media)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:] + self.nginx.error_log.read_text()[-2000:]
        return done.stdout.strip()

    def log_size(self):
        return self.access_log().stat().st_size

    def access_log(self):
        return self.nginx.directory / "logs" / "access.log"

    def requests_since(self, mark):
        with self.access_log().open() as handle:
            handle.seek(mark)
            lines = handle.read().splitlines()
        return [line.split('"')[1].rsplit(" ", 1)[0] for line in lines if '"' in line]

    def raw_download(self, user):
        """The server's collection file as the download request answers it (a sync protocol client of our own)."""
        session = requests.Session()
        session.proxies = {"https": self.tunnel.url}
        session.trust_env = False

        def call(method, hkey, body):
            header = {"v": anki_client.PROTOCOL_VERSION, "k": hkey, "c": "ankinas-test", "s": ""}
            answer = session.post(
                self.endpoint + "sync/" + method,
                data=zstandard.ZstdCompressor().compress(json.dumps(body).encode()),
                headers={"anki-sync": json.dumps(header)},
                verify=self.ca_path,
                timeout=60,
            )
            answer.raise_for_status()
            return zstandard.ZstdDecompressor().decompressobj().decompress(answer.content)

        hkey = json.loads(call("hostKey", "", {"u": user, "p": self.passwords[user]}))["key"]
        return call("download", hkey, {})


@pytest.fixture(scope="module")
def proxied_sync_server(tmp_path_factory, docker_client, anki_server_images):
    home = tmp_path_factory.mktemp("notes")
    passwords = {f"notes{index}": "pw-" + secrets.token_hex(6) for index in range(1, NOTES_USERS + 1)}
    environment = {f"SYNC_USER{i}": f"{name}:{pw}" for i, (name, pw) in enumerate(sorted(passwords.items()), 1)}
    port = free_port()
    container = run_container(
        docker_client,
        "jeankhawand/anki-sync-server:25.07",
        name=f"ankinas-test-notes-{uuid.uuid4().hex[:10]}",
        detach=True,
        environment=environment,
        ports={"8080/tcp": ("127.0.0.1", port)},
        labels={"org.ankinas.test": "pytest"},
    )
    admin_password = "pw-" + secrets.token_hex(8)
    # The NAS's own CA signs its certificates and its HTTPS: the clients trust it. No root script runs here (nas=None).
    dsm_ca = TestCA(home / "ca")
    app = create_dsm_app(users={"admin": admin_password}, state_path=home / "dsm.json", ca_dir=home / "ca")
    cert, key = dsm_ca.leaf("dsm", "localhost", "127.0.0.1")
    dsm = RunningServer(app, certfile=cert, keyfile=key).start()
    https_port = free_port()
    nginx = attach_nginx(app.config["SIMULATOR"], home / "nginx", frontend_port_map={443: https_port})
    tunnel = ConnectProxy().start()
    try:
        wait_health(f"http://127.0.0.1:{port}/health", container)
        rule = run_module(
            "dsm_reverse_proxy",
            {
                "dsm_url": dsm.url,
                "dsm_username": "admin",
                "dsm_password": admin_password,
                "dsm_ca_path": str(dsm_ca.cert_path),
                "description": "Anki sync server",
                "source_host": FQDN,
                "destination_port": port,
                "certificate": FQDN,
            },
        )
        assert rule["changed"] and not rule.failed, rule.get("msg")
        yield NotesServer(
            f"https://{FQDN}:{https_port}/", str(dsm_ca.cert_path), tunnel, nginx, passwords, home / "cache"
        )
    finally:
        tunnel.stop()
        nginx.stop()
        dsm.stop()
        container.remove(force=True, v=True)


def wait_health(url, container, timeout=120):
    """Waits until url (a sync server's /health) answers 200; fails early, with the logs, if container stops."""
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        container.reload()
        # An assertion's message, and so the logs, is only read when it fails.
        running = container.status in ("created", "running")
        assert running, f"container {container.status}:\n{container.logs().decode(errors='replace')}"
        assert time.monotonic() < deadline, (
            f"no /health answer within {timeout}s:\n{container.logs().decode(errors='replace')}"
        )
        time.sleep(0.2)
