"""One simulated NAS for the benchmarks: its own SIMNAS_HOME and ports, started and stopped with
simnas.supervisor, and the simulators' call counters."""

import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

from simnas.server import free_port


class SimNas:
    def __init__(self, home):
        self.home = Path(home)
        self.dsm_port = free_port()
        self.portainer_port = free_port()
        self.https_port = free_port()  # nginx's listener for the rules' port 443
        self.env = {
            "SIMNAS_HOME": str(self.home),
            "SIMNAS_DSM_PORT": str(self.dsm_port),
            "SIMNAS_PORTAINER_PORT": str(self.portainer_port),
            "SIMNAS_PROXY_PORT": str(self.https_port),
            "SIMNAS_SSH_PORT": str(free_port()),
        }

    def _supervisor(self, *args):
        command = [sys.executable, "-m", "simnas.supervisor", *args, "--home", str(self.home)]
        subprocess.run(command, check=True, env=dict(os.environ, **self.env), capture_output=True, text=True)

    def start(self):
        if self.home.exists():
            shutil.rmtree(self.home)
        self._supervisor(
            "start",
            "--dsm-port",
            str(self.dsm_port),
            "--portainer-port",
            str(self.portainer_port),
            "--proxy-port",
            str(self.https_port),
            "--ssh-port",
            self.env["SIMNAS_SSH_PORT"],
        )
        return self

    def stop(self, remove=True):
        self._supervisor("stop")
        if remove and self.home.exists():
            shutil.rmtree(self.home, ignore_errors=True)

    @property
    def ca(self):
        return str(self.home / "ca" / "ca.crt")

    def _control(self, port, path, method="GET"):
        context = ssl.create_default_context(cafile=self.ca)
        request = urllib.request.Request(
            f"https://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request, context=context, timeout=30) as response:  # noqa: S310 - our simulator
            body = response.read()
        return json.loads(body) if body else {}

    def reset_counters(self):
        self._control(self.dsm_port, "/_sim/reset-counters", "POST")
        self._control(self.portainer_port, "/_sim/reset", "POST")

    def counters(self):
        """{"dsm": {...}, "portainer": {...}} as the simulators count them."""
        return {
            "dsm": self._control(self.dsm_port, "/_sim/counters"),
            "portainer": self._control(self.portainer_port, "/_sim/counters"),
        }


def dsm_split(counters):
    """(logins, reads, writes, {api.method: n}) of the DSM simulator's counters; logins and logouts are
    counted as logins/reads as the simulator does (SYNO.API.Auth is a read API)."""
    reads, writes = counters.get("reads", {}), counters.get("writes", {})
    calls = {**{f"{k} (r)": v for k, v in reads.items()}, **{f"{k} (w)": v for k, v in writes.items()}}
    return counters.get("logins_succeeded", 0), sum(reads.values()), sum(writes.values()), calls


def portainer_split(counters):
    """(auth attempts, reads, writes, {route: n}) of the Portainer simulator's counters."""
    return (
        counters.get("auth_attempts", 0),
        counters.get("reads", 0),
        counters.get("writes", 0),
        counters.get("calls", {}),
    )
