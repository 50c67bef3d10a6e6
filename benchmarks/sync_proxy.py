"""Full syncs of 10, 100 and 400 MB collections, direct and through the NAS's HTTPS reverse proxy, on their own.

    python -m benchmarks.sync_proxy [--sizes 10,100,400] [--quick] [--unbuffered]

A sync server container (free port, unique name), a simulated DSM with its real nginx, and the reverse-proxy rule
made by the collection's own module (ankinas.synology.dsm_reverse_proxy, the role's defaults: 60 s timeouts,
HTTP/1.1 upstream), the certificate of anki.nas.test from the test CA; clients reach it through a CONNECT tunnel
as in benchmarks/run.py. --unbuffered adds a plain nginx in front of the container that streams request bodies
(`proxy_request_buffering off`), to show what a proxy without request buffering gives (see findings.md).
benchmarks/run.py calls benchmarks.sync.transfer_rows() with its own endpoints instead.
"""

import argparse
import contextlib
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks import report, sync

FQDN = "anki.nas.test"


@contextlib.contextmanager
def unbuffered_nginx(directory, upstream_port, timeout=60):
    """A plain-HTTP nginx in front of 127.0.0.1:upstream_port that streams request bodies; its base URL."""
    from simnas.server import free_port
    from simnas.waiting import wait_until

    directory = Path(directory)
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    port = free_port()
    (directory / "nginx.conf").write_text(
        f"""worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    client_max_body_size 0;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_http_version 1.1;
            proxy_request_buffering off;
            proxy_read_timeout {timeout}s;
            proxy_send_timeout {timeout}s;
        }}
    }}
}}
"""
    )
    process = subprocess.Popen(["nginx", "-p", str(directory), "-c", str(directory / "nginx.conf")])
    try:
        wait_until((directory / "nginx.pid").exists, 10, "the unbuffered nginx to start")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def proxied_server(home, users):
    """{label: (endpoint, env)} of one sync server: direct, and behind the simulated NAS's nginx; torn down after."""
    from harness.connect_proxy import ConnectProxy
    from harness.runner import run_module
    from simnas.ca import TestCA
    from simnas.dsm import create_app as create_dsm_app
    from simnas.dsm.apis.reverse_proxy import attach_nginx
    from simnas.server import RunningServer, free_port

    from benchmarks.notes import start_server

    home = Path(home)
    ca = TestCA(home / "ca")
    admin = "pw-" + secrets.token_hex(8)
    app = create_dsm_app(users={"admin": admin}, state_path=home / "dsm.json", volumes_root=home / "volumes")
    app.config["SIMULATOR"].ca = ca
    cert, key = ca.leaf("dsm", "localhost", "127.0.0.1")
    https_port = free_port()
    with contextlib.ExitStack() as stack:
        container, port = start_server(users, "sync")
        stack.callback(container.remove, force=True, v=True)
        dsm = RunningServer(app, certfile=cert, keyfile=key).start()
        stack.callback(dsm.stop)
        nginx = attach_nginx(app.config["SIMULATOR"], home / "nginx", frontend_port_map={443: https_port})
        stack.callback(nginx.stop)
        tunnel = stack.enter_context(ConnectProxy())
        rule = run_module(
            "dsm_reverse_proxy",
            {
                "dsm_url": dsm.url,
                "dsm_username": "admin",
                "dsm_password": admin,
                "dsm_ca_path": str(ca.cert_path),
                "description": "Anki sync server",
                "source_host": FQDN,
                "destination_port": port,
                "certificate": FQDN,
            },
        )
        if rule.failed:
            raise RuntimeError(f"dsm_reverse_proxy failed: {rule.get('msg')}")
        env = {"SSL_CERT_FILE": str(ca.cert_path), "HTTPS_PROXY": tunnel.url, "https_proxy": tunnel.url}
        yield port, {"direct": (f"http://127.0.0.1:{port}/", {}), "HTTPS proxy": (f"https://{FQDN}:{https_port}/", env)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,400", help="collection sizes in MB (comma-separated)")
    parser.add_argument("--quick", action="store_true", help="10 MB only")
    parser.add_argument("--unbuffered", action="store_true", help="also through an nginx without request buffering")
    args = parser.parse_args(argv)
    sizes = [10] if args.quick else [int(size) for size in args.sizes.split(",") if size]
    users = [{"name": f"bench{n}", "password": "bench-" + secrets.token_hex(6)} for n in range(1, 4)]
    work = Path(tempfile.mkdtemp(prefix="ankinas-bench-sync-"))
    try:
        with proxied_server(work / "nas", users) as (port, endpoints), contextlib.ExitStack() as stack:
            if args.unbuffered:
                url = stack.enter_context(unbuffered_nginx(work / "unbuffered", port))
                endpoints["nginx without request buffering (http)"] = (url, {})
            rows = sync.transfer_rows(endpoints, users, sizes, work / "transfers")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report.table(rows))


if __name__ == "__main__":
    main()
