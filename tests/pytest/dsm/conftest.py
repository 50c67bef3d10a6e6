"""Fixtures of the DSM suite: a simulated DSM per test, over HTTPS (test CA) and plain HTTP."""

import secrets

import pytest
import requests
from simnas.ca import TestCA
from simnas.dsm import create_app
from simnas.server import RunningServer

ADMIN = "admin"


class SimulatedDSM:
    """A running simulated DSM: its URLs, the connection arguments of the modules, its control endpoint."""

    def __init__(self, https, http, ca_path, password, home):
        self.https, self.http = https, http
        self.url, self.http_url = https.url, http.url
        self.ca_path = str(ca_path)
        self.password = password
        self.home = home

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


@pytest.fixture(scope="session")
def dsm_ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def make_dsm(dsm_ca, tmp_path):
    """make_dsm(**Simulator options) -> SimulatedDSM; admin's password is random unless users= is given."""
    running = []

    def make(**options):
        password = "pw-" + secrets.token_hex(8)
        options.setdefault("users", {ADMIN: password})
        options.setdefault("state_path", tmp_path / "dsm-state.json")
        options.setdefault("volumes_root", tmp_path / "volumes")
        app = create_app(**options)
        cert, key = dsm_ca.leaf("dsm", "localhost", "127.0.0.1")
        https = RunningServer(app, certfile=cert, keyfile=key).start()
        http = RunningServer(app).start()
        user = options["users"][ADMIN]
        dsm = SimulatedDSM(https, http, dsm_ca.cert_path, user if isinstance(user, str) else user["password"], tmp_path)
        dsm.sim = app.config["SIMULATOR"]  # for suites that attach more to the NAS (tests/pytest/proxy)
        running.append(dsm)
        return dsm

    yield make
    for dsm in running:
        dsm.stop()


@pytest.fixture
def dsm(make_dsm):
    """A simulated DSM 7 with one administrator."""
    return make_dsm()
