"""The simulated NAS renders its reverse-proxy rules into a real nginx: what clients see through it."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FQDN, curl, rule_args, served_common_name

pytestmark = pytest.mark.simulator


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


@pytest.mark.unverified_contract(
    reason="per-rule frontend.https.http2: no DSM 7 capture lists it (dsm-webapi.md §2.5, §7.2)"
)
def test_rule_options_reach_the_wire(nas_nginx, backend):
    nas = nas_nginx
    headers = [{"name": "X-Test", "value": 'quoted "value"'}, {"name": "X-Client", "value": "$remote_addr"}]
    assert not nas.run(**rule_args(destination_port=backend, custom_headers=headers, certificate=FQDN)).failed
    status, answer, body = curl(nas, "/echo", extra=["--http2"])
    assert status.startswith("HTTP/2 200"), (status, body)
    assert answer["strict-transport-security"] == "max-age=15768000"
    seen = json.loads(body)["headers"]
    assert seen["x-test"] == 'quoted "value"' and seen["x-client"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "https" and seen["host"] == f"{FQDN}:{nas.https_port}"
    # DSM's WebSocket preset passes an HTTP/1.1 upgrade request on.
    body = curl(nas, "/echo", extra=["--http1.1", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade"]).body
    seen = json.loads(body)["headers"]
    assert seen["upgrade"] == "websocket" and seen["connection"] == "upgrade"

    # Each change reloads nginx: HSTS, HTTP/2 and the WebSocket headers go away.
    assert nas.run(**rule_args(destination_port=backend, hsts=False, http2=False, websocket=False, certificate=FQDN))[
        "changed"
    ]
    status, answer = curl(nas, "/echo", extra=["--http2"])[:2]
    assert status.startswith("HTTP/1.1 200"), status
    assert "strict-transport-security" not in answer
    body = curl(nas, "/echo", extra=["--http1.1", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade"]).body
    assert "upgrade" not in json.loads(body)["headers"]


def test_large_sync_bodies_pass(nas_nginx, backend, tmp_path):
    # A full Anki upload is one request with the whole collection: no client_max_body_size at the proxy.
    nas_nginx.run(**rule_args(destination_port=backend, certificate=FQDN))
    payload = tmp_path / "collection.bin"
    payload.write_bytes(b"\0" * (24 << 20))
    reply = curl(nas_nginx, "/sync/upload", extra=["--data-binary", f"@{payload}"])
    assert reply.status.startswith("HTTP/2 200"), (reply.status, reply.body[:200])
    assert json.loads(reply.body)["body"] == 24 << 20


def test_timeouts_are_applied(nas_nginx, backend):
    nas_nginx.run(**rule_args(destination_port=backend, proxy_read_timeout=1, certificate=FQDN))
    status = curl(nas_nginx, "/slow").status
    assert status.startswith("HTTP/2 504"), status
    assert "proxy_read_timeout 1s;" in nas_nginx.nginx.conf.read_text()


def test_frontend_port_is_remapped_and_unbound_rules_serve_the_default_certificate(nas_nginx, backend):
    nas = nas_nginx
    nas.run(**rule_args(destination_port=backend, source_host="plain.nas.test"))
    rule = nas.rules()[0]
    assert rule["frontend"]["port"] == 443  # DSM keeps the rule's port; only the listener moves
    assert f"listen 127.0.0.1:{nas.https_port} ssl" in nas.nginx.conf.read_text()
    # DSM's default certificate does not name the host.
    refused = curl(nas, "/", host="plain.nas.test")
    assert refused.status is None and "plain.nas.test" in refused.body
    assert served_common_name(nas, "plain.nas.test", verify=False) == "synology"
    assert curl(nas, "/", host="plain.nas.test", extra=["--insecure"]).status.startswith("HTTP/2 200")


def test_deleted_rule_is_gone_from_nginx(nas_nginx, backend):
    nas_nginx.run(**rule_args(destination_port=backend, certificate=FQDN))
    assert curl(nas_nginx)[0].startswith("HTTP/2 200")
    nas_nginx.run(description="Anki sync server", state="absent")
    assert FQDN not in nas_nginx.nginx.conf.read_text()
    assert curl(nas_nginx)[0] is None  # no server on the port any more
