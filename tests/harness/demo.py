"""The end of `make demo`: real Anki clients sync through the simulated NAS's HTTPS reverse proxy.

    python -m harness.demo https://anki.nas.test:8443/

For each user of the demo inventory, a client uploads a small collection through the proxy and a fresh
client downloads it back. TLS is verified for real against the test CA (SSL_CERT_FILE); the host name
reaches 127.0.0.1 through a local CONNECT tunnel (HTTPS_PROXY), so no /etc/hosts entry is needed.
"""

import os
import sys
import tempfile
from pathlib import Path

import yaml

from harness import anki_client
from harness.connect_proxy import ConnectProxy

ROOT = Path(__file__).resolve().parents[2]
DEMO_VARS = ROOT / "inventories" / "demo" / "group_vars" / "synology" / "main.yml"


def main():
    url = sys.argv[1]
    home = Path(os.environ.get("SIMNAS_HOME", ROOT / ".cache" / "simnas"))
    users = yaml.safe_load(DEMO_VARS.read_text())["anki_sync_server_users"]
    os.environ["SSL_CERT_FILE"] = str(home / "ca" / "ca.crt")
    failures = 0
    with ConnectProxy() as tunnel:
        os.environ["HTTPS_PROXY"] = tunnel.url
        for user in users:
            notes = anki_client.generate_notes(3, f"demo note of {user['name']}")
            with tempfile.TemporaryDirectory() as directory:
                collection = anki_client.make_collection(directory, notes)
                done = anki_client.sync(collection, user["name"], user["password"], url)
            downloaded = anki_client.download_notes(user["name"], user["password"], url)
            ok = downloaded == sorted(notes)
            failures += not ok
            print(
                f"  {user['name']}: {done} of {len(notes)} notes, then a fresh client downloaded "
                f"{len(downloaded)} back through {url}: {'ok' if ok else 'MISMATCH'}"
            )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
