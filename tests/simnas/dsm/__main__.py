"""Run the simulated DSM in the foreground (demo, molecule):

    python -m simnas.dsm --state $SIMNAS_HOME/dsm.json --https-port 5001 --http-port 5000 \
        --user admin:secret [--otp-code 123456 | --otp-secret BASE32] [--personality dsm6] \
        [--nginx [--frontend-port 443:8443]] [--no-real-dsm] [--behaviour NAME=VALUE] \
        [--absent-api SYNO.Docker.Project] \
        [--installed-packages FileStation,HyperBackup] [--not-offered ContainerManager] [--external-ip 203.0.113.10]

HTTPS uses a leaf of the simulated NAS's test CA ($SIMNAS_HOME/ca/ca.crt), which also signs the NAS's certificates.
Root scripts of Task Scheduler run in the NAS's container of $SIMNAS_HOME (simnas.sshnas; the supervisor starts it):
while it is down, a run fails with exit code 127, as a NAS that is off runs nothing. Ctrl-C stops it.
--nginx renders the reverse-proxy rules into a real nginx ($SIMNAS_HOME/nginx, see simnas.nginx), stopped
with the simulator; --frontend-port RULE:LISTEN moves a rule port's listener (e.g. 443:8443). The real-DSM behaviours
(simnas.dsm.behaviours) are on unless --no-real-dsm; --behaviour NAME=VALUE tunes one. --absent-api NAME leaves an
API out (a NAS without the package that provides it: SYNO.Docker.Project without Container Manager).
--installed-packages (ids, comma-separated; "" for none) is what a fresh NAS has (default: what DSM ships, File
Station; Container Manager and Hyper Backup are Package Center installs), --not-offered what this model's Package
Center catalog lacks (simnas.dsm.apis.package_center).
"""

import argparse
import contextlib
import os
import signal
import threading
from pathlib import Path

from simnas import sshnas
from simnas.ca import TestCA
from simnas.dsm.apis.reverse_proxy import attach_nginx
from simnas.dsm.app import create_app
from simnas.dsm.behaviours import parse_assignment
from simnas.server import RunningServer


def main(argv=None):
    home = Path(os.environ.get("SIMNAS_HOME", ".cache/simnas"))
    parser = argparse.ArgumentParser(prog="python -m simnas.dsm", description=__doc__.splitlines()[0])
    parser.add_argument("--state", default=str(home / "dsm-state.json"), help="state file (persists restarts)")
    parser.add_argument("--volumes-root", default=str(home / "volumes"), help="where /volumeN lives")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--https-port", type=int, default=0, help="0: no HTTPS")
    parser.add_argument("--http-port", type=int, default=0, help="0: no HTTP")
    parser.add_argument("--personality", choices=("dsm7", "dsm6"), default="dsm7")
    parser.add_argument("--user", action="append", default=[], help="NAME:PASSWORD (repeatable)")
    parser.add_argument("--otp-code", help="a fixed 2-step verification code for every user")
    parser.add_argument("--otp-secret", help="a TOTP secret (base32) for every user")
    parser.add_argument("--autoblock-attempts", type=int, default=5)
    parser.add_argument("--session-lifetime", type=float, help="seconds of inactivity before 106")
    parser.add_argument("--nginx", action="store_true", help="serve the reverse-proxy rules with a real nginx")
    parser.add_argument("--frontend-port", action="append", default=[], help="RULE_PORT:LISTEN_PORT (repeatable)")
    parser.add_argument("--no-real-dsm", action="store_true", help="turn every real-DSM behaviour off")
    parser.add_argument(
        "--behaviour", action="append", default=[], type=parse_assignment, help="NAME=VALUE: tune one (repeatable)"
    )
    parser.add_argument("--absent-api", action="append", default=[], help="an API this NAS lacks (repeatable)")
    parser.add_argument("--installed-packages", help="packages a fresh NAS has: ids, comma-separated")
    parser.add_argument("--not-offered", default="", help="packages this model's catalog lacks: ids, comma-separated")
    parser.add_argument("--external-ip", default="203.0.113.10", help="the WAN address DSM detects")
    args = parser.parse_args(argv)
    if not (args.https_port or args.http_port):
        parser.error("give --https-port and/or --http-port")

    users = {}
    for item in args.user or ["admin:admin-password"]:
        name, _colon, password = item.partition(":")
        users[name] = {"password": password}
        if args.otp_code:
            users[name]["otp_code"] = args.otp_code
        if args.otp_secret:
            users[name]["otp_secret"] = args.otp_secret
    app = create_app(
        state_path=args.state,
        volumes_root=args.volumes_root,
        personality=args.personality,
        users=users,
        autoblock_attempts=args.autoblock_attempts,
        session_lifetime=args.session_lifetime,
        real_dsm=not args.no_real_dsm,
        behaviours=dict(args.behaviour),
        nas=sshnas.RootShell(home),
        ca_dir=home / "ca",
        absent_apis=args.absent_api,
        installed_packages=None if args.installed_packages is None else _ids(args.installed_packages),
        not_offered=_ids(args.not_offered),
        external_ip=args.external_ip,
    )
    nginx = None
    if args.nginx:
        port_map = dict(item.split(":", 1) for item in args.frontend_port)
        nginx = attach_nginx(app.config["SIMULATOR"], home / "nginx", frontend_port_map=port_map)
    servers = []
    if args.http_port:
        servers.append(RunningServer(app, args.host, args.http_port))
    if args.https_port:
        cert, key = TestCA(home / "ca").leaf("dsm", "localhost", "127.0.0.1", args.host)
        servers.append(RunningServer(app, args.host, args.https_port, certfile=cert, keyfile=key))
    try:
        for server in servers:
            server.start()
            print(f"simulated DSM ({args.personality}) on {server.url}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        for server in servers:
            server.stop()
    finally:
        # Also when a port is taken: no nginx outlives the simulator.
        if nginx is not None:
            nginx.stop()


def _ids(text):
    return [item.strip() for item in text.split(",") if item.strip()]


if __name__ == "__main__":
    main()
