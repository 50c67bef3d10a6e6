"""Fixtures of the reverse-proxy suite: the DSM suite's simulated NAS, with its real nginx when asked for.

The DSM fixtures (make_dsm) come from tests/pytest/conftest.py. `proxy_dsm` is a simulated DSM 7 (its certificates
signed by its own test CA, `.ca`, which the clients trust), with the reverse-proxy module at hand (`.run()`);
`proxy_dsm_with_nginx` also renders its reverse-proxy rules into a real nginx whose frontend port 443 listens on
a free port (`proxy_dsm_with_nginx.https_port`), stopped after the test.
"""

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from harness.runner import run_module
from proxy_helpers import list_rules
from simnas.dsm.apis import web
from simnas.dsm.apis.reverse_proxy import attach_nginx
from simnas.server import free_port

MODULE = "dsm_reverse_proxy"


@pytest.fixture
def make_proxy_dsm(make_dsm, tmp_path):
    """make_proxy_dsm(nginx=False, http2=True, **Simulator options): a SimulatedDSM (.sim, .run(), .rules(), .writes()).

    http2 sets DSM's global HTTP/2 switch (a simulated NAS starts with it off; tests of other things want it on).
    """
    started = []

    def make(nginx=False, http2=True, **options):
        dsm = make_dsm(**options)
        with dsm.sim.lock:
            web.settings(dsm.sim.state.data)["enable_spdy"] = http2  # DSM's global HTTP/2 switch
        dsm.run = lambda check=False, diff=False, **args: run_module(
            MODULE, dsm.connection(**args), check=check, diff=diff
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
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_stray_nginx(tmp_path):
    """Each test leaves no nginx of its own behind."""
    yield
    left = subprocess.run(["pgrep", "-af", "nginx: master"], capture_output=True, text=True, check=False).stdout
    assert str(tmp_path) not in left, left
