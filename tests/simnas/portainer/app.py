"""The simulated Portainer CE API (the subset this collection uses), as a Flask app.

It follows /work/shared/reference/portainer-and-anki-sync-server.md Part A: JWT and API-key auth
(422 on bad credentials, rate-limited /api/auth), environments, compose stacks deployed FOR REAL on
the local Docker Engine, the Docker API proxy, error bodies {message, details}, and a "personality"
(the version it claims) that switches the routes older Portainer versions lack.

The routes live in simnas.portainer.resources, one module per resource (auth, system, endpoints,
docker_proxy, stacks), registered in simnas.portainer.registry; this module is the router around them:
- a route the claimed version lacks answers as Portainer's router does (404 text, or 405 behind a proxy);
- an authenticated route checks the JWT or API key before its handler, as Portainer's bouncer does;
- errors answer {"message", "details"} with their status; unknown routes answer gorilla/mux's plain text;
- every API call is counted (reads, writes, auth attempts, a log) and may be failed by an armed fault.
/_sim/... (resources/control.py) is the control API of the tests: state, counters, reset, faults, configuration.
"""

import threading
from collections import Counter
from dataclasses import dataclass, field

from flask import Flask, Response, jsonify, request

from simnas.portainer import resources
from simnas.portainer.dockerhost import DockerHost
from simnas.portainer.registry import ROUTES, APIError, Call, missing_route, version_tuple
from simnas.portainer.resources.auth import authenticate
from simnas.portainer.store import Store

resources.load_all()

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CONTROL_PREFIX = "/_sim/"


@dataclass
class SimConfig:
    state_path: str
    data_dir: str
    admin_username: str = "admin"
    admin_password: str = "simnas-portainer-admin"
    api_key: str | None = None
    endpoint_name: str = "local"
    docker_url: str = "unix:///var/run/docker.sock"
    #: the version the simulator claims; below 2.19 the new create route is missing, below 2.17 /api/system/status
    version: str = "2.21.4"
    #: what a missing route answers in an old personality (gorilla/mux: 404; some proxies: 405)
    missing_route_status: int = 404
    #: /api/auth rate limiter: more than `auth_limit` attempts within `auth_window` seconds ban the client
    auth_limit: int = 10
    auth_window: float = 1.0
    auth_ban: float = 3600.0
    compose_command: tuple = ("docker-compose",)


@dataclass
class Counters:
    calls: Counter = field(default_factory=Counter)
    reads: int = 0
    writes: int = 0
    auth_attempts: int = 0
    log: list = field(default_factory=list)

    def as_dict(self):
        return {
            "calls": dict(self.calls),
            "reads": self.reads,
            "writes": self.writes,
            "auth_attempts": self.auth_attempts,
            "log": list(self.log),
        }


def create_app(config):
    """The simulated Portainer for one SimConfig; app.config["SIM"] holds the live simulator."""
    sim = Simulator(config)
    app = Flask("simnas.portainer")
    app.config["SIM"] = sim
    sim.register(app)
    return app


class Simulator:
    """The state behind the routes: configuration, store, Docker Engine, counters, faults, rate limiter."""

    def __init__(self, config):
        self.config = config
        self.store = Store(config.state_path)
        self.store.ensure_admin(config.admin_username, config.admin_password, config.api_key)
        self.store.ensure_endpoint(config.endpoint_name, config.docker_url)
        self.docker = DockerHost(config.data_dir, config.docker_url, config.compose_command)
        self.counters = Counters()
        self.faults = []
        #: Portainer is down (the server crashed, its host went away): the next this many API calls fail
        self.down = {"times": 0, "status": 502}
        self.auth_attempt_times = {}  # client address -> times of its recent /api/auth attempts
        self.banned_until = {}
        self.lock = threading.Lock()

    def reset(self):
        """Forget counters, faults and the rate limiter's memory (not the stacks)."""
        with self.lock:
            self.counters = Counters()
            self.faults = []
            self.down = {"times": 0, "status": 502}
            self.auth_attempt_times.clear()
            self.banned_until.clear()

    def register(self, app):
        app.before_request(self._take_fault)
        app.after_request(self._count)
        app.register_error_handler(APIError, lambda exc: _error(exc.status, exc.message, exc.details))
        # Portainer's router (gorilla/mux) answers unknown routes in plain text.
        app.register_error_handler(404, lambda exc: Response("404 page not found\n", 404, mimetype="text/plain"))
        app.register_error_handler(405, lambda exc: Response("Method Not Allowed\n", 405, mimetype="text/plain"))
        for spec in ROUTES.values():
            app.add_url_rule(
                spec.rule, endpoint=f"{spec.method} {spec.rule}", view_func=self._view(spec), methods=[spec.method]
            )

    def _view(self, spec):
        def view(**url_args):
            if spec.since and version_tuple(self.config.version) < spec.since:
                return missing_route(self.config.missing_route_status)
            user = authenticate(self, request) if spec.authenticated else None
            answer = spec.handler(Call(self, request, user), **url_args)
            return answer if isinstance(answer, Response) else jsonify(answer)

        return view

    def _take_fault(self):
        if request.path.startswith(CONTROL_PREFIX):
            return None
        if self.down["times"] > 0:
            self.down["times"] -= 1
            return _error(self.down["status"], "Portainer is down (simulated)")
        for fault in self.faults:
            if fault["times"] > 0 and fault["method"] == request.method and fault["path"] == request.path:
                fault["times"] -= 1
                if fault.get("down"):
                    # From this call on Portainer is gone: every API call fails, whatever it is.
                    self.down = {"times": int(fault["down"]), "status": fault["status"]}
                return _error(fault["status"], fault.get("message", "Simulated fault"))
        return None

    def _count(self, response):
        if request.path.startswith(CONTROL_PREFIX):
            return response
        route = request.url_rule.rule if request.url_rule else request.path
        key = f"{request.method} {route}"
        with self.lock:
            self.counters.calls[key] += 1
            if request.path == "/api/auth":
                self.counters.auth_attempts += 1
            elif request.method in WRITE_METHODS:
                self.counters.writes += 1
            else:
                self.counters.reads += 1
            self.counters.log.append({"call": key, "path": request.path, "status": response.status_code})
        return response


def _error(status, message, details=None):
    return jsonify({"message": message, "details": details or message}), status
