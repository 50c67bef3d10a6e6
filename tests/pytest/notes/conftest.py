"""Fixtures of the anki_notes suite: ONE sync server container behind the simulated NAS's real nginx, shared.

The rule (HTTPS 443 -> the container, the anki.nas.test certificate) is made by dsm_reverse_proxy on a simulated
DSM; the module and the "devices" (real clients of the PyPI `anki` package) reach https://anki.nas.test through a
CONNECT proxy with the test CA. Each test takes users of its own (`server.new_user()`), so tests stay independent
of their order.
"""

import itertools
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import requests
import zstandard
from harness import anki_client
from harness.connect_proxy import ConnectProxy
from harness.runner import run_module
from simnas.ca import TestCA
from simnas.dsm import create_app as create_dsm_app
from simnas.dsm.apis.reverse_proxy import attach_nginx
from simnas.server import RunningServer, free_port

FQDN = "anki.nas.test"
USERS = 12
TESTS = Path(__file__).resolve().parents[2]
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
        assert user is not None, f"all {USERS} users of the suite's server are taken: raise USERS"
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
    passwords = {f"notes{index}": "pw-" + secrets.token_hex(6) for index in range(1, USERS + 1)}
    environment = {f"SYNC_USER{i}": f"{name}:{pw}" for i, (name, pw) in enumerate(sorted(passwords.items()), 1)}
    port = free_port()
    container = docker_client.containers.run(
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


def wait_health(url, container, timeout=30):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _attempt in itertools.count():
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        container.reload()
        assert container.status in ("created", "running"), container.logs().decode(errors="replace")
        assert _attempt * 0.2 < timeout, f"no /health answer within {timeout}s"
        time.sleep(0.2)
