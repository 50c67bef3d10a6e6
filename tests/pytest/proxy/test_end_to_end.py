"""End to end: the sync server container behind the simulated NAS's reverse proxy, with a real Anki client.

The rule is the setup guide's (HTTPS 443 -> http://localhost:<container port>, HSTS, HTTP/2, WebSocket
headers, the anki.nas.test certificate), made by the module. The Anki client is the real Rust client of the
PyPI `anki` package, run in its own process with SSL_CERT_FILE set to the test CA (rustls ignores
REQUESTS_CA_BUNDLE). anki.nas.test does not resolve here, so the client goes through a CONNECT proxy
(HTTPS_PROXY) that opens every tunnel to 127.0.0.1: SNI and certificate checks stay real, /etc/hosts stays
untouched.
"""

import subprocess
import sys

import pytest
from harness.connect_proxy import ConnectProxy
from proxy_helpers import FQDN, curl, rule_args

pytestmark = pytest.mark.docker

USER, PASSWORD = "alice", "e2e-secret"
CLIENT = f"""
import sys
from harness import anki_client
endpoint, directory = sys.argv[1], sys.argv[2]
notes = anki_client.generate_notes(500, "e2e")
path = anki_client.make_collection(directory, notes)
print(anki_client.sync(path, "{USER}", "{PASSWORD}", endpoint))
print(anki_client.download_notes("{USER}", "{PASSWORD}", endpoint) == sorted(notes))
"""


def test_anki_client_syncs_through_the_reverse_proxy(proxy_dsm_with_nginx, run_anki_container, tmp_path):
    server = run_anki_container({USER: PASSWORD})
    created = proxy_dsm_with_nginx.run(**rule_args(destination_port=server.port, certificate=FQDN))
    assert created["changed"] and not created.failed, created.get("msg")

    health = curl(proxy_dsm_with_nginx, "/health")
    assert health.status.startswith("HTTP/2 200"), health
    assert health.headers["strict-transport-security"] == "max-age=15768000"

    endpoint = f"https://{FQDN}:{proxy_dsm_with_nginx.https_port}/"
    with ConnectProxy() as tunnel:
        env = tunnel.client_env(proxy_dsm_with_nginx.ca_path)
        synced = subprocess.run(
            [sys.executable, "-c", CLIENT, endpoint, str(tmp_path / "client")],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert synced.returncode == 0, synced.stderr[-3000:] + proxy_dsm_with_nginx.nginx.error_log.read_text()[-2000:]
        assert synced.stdout.split() == ["full", "upload", "True"], synced.stdout
        assert tunnel.tunnels and all(
            target == f"{FQDN}:{proxy_dsm_with_nginx.https_port}" for target in tunnel.tunnels
        )
    # The requests really went through nginx.
    access = (proxy_dsm_with_nginx.nginx.directory / "logs" / "access.log").read_text()
    assert "POST /sync/upload" in access and "POST /sync/download" in access
