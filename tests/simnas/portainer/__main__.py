"""Run the simulated Portainer in the foreground over HTTPS (the demo's Portainer).

    python -m simnas.portainer --state $SIMNAS_HOME/portainer/state.json --port 9443

The certificate comes from the test CA in $SIMNAS_HOME/ca (trust ca.crt to call it).
"""

import argparse
import contextlib
import os
from pathlib import Path

from simnas.ca import TestCA
from simnas.portainer.app import SimConfig, create_app
from simnas.server import RunningServer


def main(argv=None):
    home = Path(os.environ.get("SIMNAS_HOME", ".cache/simnas"))
    parser = argparse.ArgumentParser(prog="python -m simnas.portainer", description=__doc__.splitlines()[0])
    parser.add_argument("--state", default=str(home / "portainer" / "state.json"), help="persisted state (JSON)")
    parser.add_argument("--data", help="stack project folders (default: next to the state file)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9443)
    parser.add_argument("--admin-username", default="admin")
    parser.add_argument(
        "--admin-password", default=os.environ.get("SIMNAS_PORTAINER_PASSWORD", "simnas-portainer-admin")
    )
    parser.add_argument("--api-key", default=os.environ.get("SIMNAS_PORTAINER_API_KEY"), help="an API key (ptr_...)")
    parser.add_argument("--endpoint-name", default="local")
    parser.add_argument("--docker-url", default=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    parser.add_argument("--version", default="2.21.4", help="the Portainer version to imitate (2.18.4: old routes)")
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    args = parser.parse_args(argv)

    state = Path(args.state)
    config = SimConfig(
        state_path=str(state),
        data_dir=args.data or str(state.parent / "data"),
        admin_username=args.admin_username,
        admin_password=args.admin_password,
        api_key=args.api_key,
        endpoint_name=args.endpoint_name,
        docker_url=args.docker_url,
        version=args.version,
    )
    certfile = keyfile = None
    if not args.http:
        certfile, keyfile = TestCA(home / "ca").leaf("portainer", "localhost", args.host)
    server = RunningServer(create_app(config), args.host, args.port, certfile, keyfile)
    print(f"simulated Portainer {args.version} on {server.url} (state {state})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
