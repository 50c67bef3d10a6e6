"""The simulated Portainer CE API (the subset this collection uses), as a Flask app.

It follows /work/shared/reference/portainer-and-anki-sync-server.md Part A: JWT and API-key auth
(422 on bad credentials, rate-limited /api/auth), environments, compose stacks deployed FOR REAL on
the local Docker Engine, the Docker API proxy, error bodies {message, details}, and a "personality"
(the version it claims) that switches the routes older Portainer versions lack.

/_sim/... is the control API of the tests: state, call counters, reset, faults, configuration.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from flask import Flask, Response, g, jsonify, request

from simnas.portainer.dockerhost import DeployError, DockerHost
from simnas.portainer.store import Store

JWT_LIFETIME = 8 * 3600
RESOURCE_CONTROL_STACK = 6
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


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


class APIError(Exception):
    def __init__(self, status, message, details=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or message


def normalize_stack_name(name):
    return re.sub(r"[^-_a-z0-9]", "", name.lower())


def _version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def create_app(config):
    """The simulated Portainer for one SimConfig; app.config["SIM"] holds the live simulator."""
    sim = Simulator(config)
    app = Flask("simnas.portainer")
    app.config["SIM"] = sim
    sim.register(app)
    return app


class Simulator:
    def __init__(self, config):
        self.config = config
        self.store = Store(config.state_path)
        self.store.ensure_admin(config.admin_username, config.admin_password, config.api_key)
        self.store.ensure_endpoint(config.endpoint_name, config.docker_url)
        self.docker = DockerHost(config.data_dir, config.docker_url, config.compose_command)
        self.counters = Counters()
        self.faults = []
        self._auth_attempts = {}  # client address -> attempt times
        self._banned_until = {}
        self._lock = threading.Lock()

    # --- plumbing -------------------------------------------------------------------------------
    def register(self, app):
        app.before_request(self._before)
        app.after_request(self._after)
        app.register_error_handler(APIError, lambda exc: self._error(exc.status, exc.message, exc.details))
        # Portainer's router (gorilla/mux) answers unknown routes in plain text.
        app.register_error_handler(404, lambda exc: Response("404 page not found\n", 404, mimetype="text/plain"))
        app.register_error_handler(405, lambda exc: Response("Method Not Allowed\n", 405, mimetype="text/plain"))
        routes = [
            ("/api/auth", "POST", self.auth),
            ("/api/system/status", "GET", self.system_status),
            ("/api/status", "GET", self.status),
            ("/api/system/version", "GET", self.system_version),
            ("/api/users/admin/check", "GET", self.admin_check),
            ("/api/endpoints", "GET", self.endpoints),
            ("/api/endpoints/<int:endpoint_id>", "GET", self.endpoint),
            ("/api/endpoints/<int:endpoint_id>/docker/<path:docker_path>", "GET", self.docker_proxy),
            ("/api/stacks", "GET", self.stacks),
            ("/api/stacks", "POST", self.create_stack_old_route),
            ("/api/stacks/create/standalone/string", "POST", self.create_stack),
            ("/api/stacks/<int:stack_id>", "GET", self.stack),
            ("/api/stacks/<int:stack_id>", "PUT", self.update_stack),
            ("/api/stacks/<int:stack_id>", "DELETE", self.delete_stack),
            ("/api/stacks/<int:stack_id>/file", "GET", self.stack_file),
            ("/api/stacks/<int:stack_id>/start", "POST", self.start_stack),
            ("/api/stacks/<int:stack_id>/stop", "POST", self.stop_stack),
            ("/_sim/state", "GET", self.sim_state),
            ("/_sim/counters", "GET", self.sim_counters),
            ("/_sim/reset", "POST", self.sim_reset),
            ("/_sim/faults", "POST", self.sim_add_fault),
            ("/_sim/config", "POST", self.sim_configure),
            ("/_sim/endpoints", "POST", self.sim_add_endpoint),
            ("/_sim/endpoints/<int:endpoint_id>", "DELETE", self.sim_remove_endpoint),
        ]
        for rule, method, view in routes:
            app.add_url_rule(rule, endpoint=f"{method} {rule}", view_func=view, methods=[method])

    def _before(self):
        if request.path.startswith("/_sim/"):
            return None
        for fault in self.faults:
            if fault["times"] > 0 and fault["method"] == request.method and fault["path"] == request.path:
                fault["times"] -= 1
                g.fault = True
                return self._error(fault["status"], fault.get("message", "Simulated fault"))
        return None

    def _after(self, response):
        if request.path.startswith("/_sim/"):
            return response
        route = request.url_rule.rule if request.url_rule else request.path
        key = f"{request.method} {route}"
        with self._lock:
            self.counters.calls[key] += 1
            if request.path == "/api/auth":
                self.counters.auth_attempts += 1
            elif request.method in WRITE_METHODS:
                self.counters.writes += 1
            else:
                self.counters.reads += 1
            self.counters.log.append({"call": key, "path": request.path, "status": response.status_code})
        return response

    @staticmethod
    def _error(status, message, details=None):
        return jsonify({"message": message, "details": details or message}), status

    def _old(self, major, minor):
        """Whether the claimed version is older than major.minor."""
        return _version_tuple(self.config.version) < (major, minor)

    def _missing_route(self):
        status = self.config.missing_route_status
        text = "404 page not found\n" if status == 404 else "Method Not Allowed\n"
        return Response(text, status, mimetype="text/plain")

    def _payload(self):
        body = request.get_json(force=True, silent=True)  # Portainer ignores the Content-Type
        if not isinstance(body, dict):
            raise APIError(400, "Invalid request payload", "Invalid JSON body")
        # Go's encoding/json matches keys case-insensitively.
        return {key.lower(): value for key, value in body.items()}

    def _int_query(self, name, optional=False):
        raw = request.args.get(name)
        if raw is None or raw == "":
            if optional:
                return None
            raise APIError(400, f"Invalid query parameter: {name}", f"Missing query parameter: {name}")
        try:
            return int(raw)
        except ValueError:
            raise APIError(400, f"Invalid query parameter: {name}", "Invalid number") from None

    # --- authentication -------------------------------------------------------------------------
    def _user(self):
        """The authenticated user of the request, or APIError 401."""
        api_key = request.headers.get("X-API-Key")
        if api_key:
            user = self.store.user_for_api_key(api_key)
            if user is None:
                raise APIError(401, "Invalid API key", "Unauthorized")
            return user
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            user = self._verify_jwt(auth[7:])
            if user is None:
                raise APIError(401, "Invalid JWT token", "Unauthorized")
            return user
        raise APIError(401, "A valid authorisation token is missing", "Unauthorized")

    def _make_jwt(self, user):
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {"id": user["Id"], "username": user["Username"], "role": user["Role"]}
        claims["exp"] = int(time.time()) + JWT_LIFETIME
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        return signing_input + "." + _b64(self._sign(signing_input))

    def _sign(self, text):
        return hmac.new(self.store.data["jwt_secret"].encode(), text.encode(), hashlib.sha256).digest()

    def _verify_jwt(self, token):
        try:
            signing_input, signature = token.rsplit(".", 1)
            if not hmac.compare_digest(_b64(self._sign(signing_input)), signature):
                return None
            claims = json.loads(base64.urlsafe_b64decode(signing_input.split(".")[1] + "=="))
        except (ValueError, IndexError):
            return None
        if claims.get("exp", 0) < time.time():
            return None
        return self.store.user_by_id(claims.get("id"))

    def _rate_limited(self):
        """Portainer's auth rate limiter: too many attempts ban the client address for a long time."""
        client, now = request.remote_addr, time.monotonic()
        with self._lock:
            if self._banned_until.get(client, 0) > now:
                return True
            recent = [t for t in self._auth_attempts.get(client, []) if now - t < self.config.auth_window]
            recent.append(now)
            self._auth_attempts[client] = recent
            if len(recent) > self.config.auth_limit:
                self._banned_until[client] = now + self.config.auth_ban
                return True
        return False

    def auth(self):
        if self._rate_limited():
            raise APIError(403, "Access denied", "Access denied")
        payload = self._payload()
        username, password = payload.get("username"), payload.get("password")
        if not username or not password:
            raise APIError(400, "Invalid request payload", "Invalid username or password")
        user = self.store.check_password(username, password)
        if user is None:
            raise APIError(422, "Invalid credentials", "Unauthorized")
        return jsonify({"jwt": self._make_jwt(user)})

    # --- system ---------------------------------------------------------------------------------
    def system_status(self):
        if self._old(2, 17):
            return self._missing_route()
        return jsonify({"Version": self.config.version, "InstanceID": "simnas-portainer"})

    def status(self):
        return jsonify({"Version": self.config.version, "InstanceID": "simnas-portainer"})

    def system_version(self):
        self._user()
        return jsonify({"ServerVersion": self.config.version, "ServerEdition": "CE", "DatabaseVersion": "simulated"})

    def admin_check(self):
        return Response(status=204)

    # --- environments ---------------------------------------------------------------------------
    def endpoints(self):
        self._user()
        endpoints = self.store.data["endpoints"]
        if request.args.get("name"):
            endpoints = [e for e in endpoints if e["Name"] == request.args["name"]]
        response = jsonify(endpoints)
        response.headers["X-Total-Count"] = str(len(endpoints))
        response.headers["X-Total-Available"] = str(len(self.store.data["endpoints"]))
        return response

    def _endpoint_or_404(self, endpoint_id):
        endpoint = self.store.endpoint(endpoint_id)
        if endpoint is None:
            raise APIError(
                404,
                "Unable to find an environment with the specified identifier inside the database",
                "Object not found inside the database",
            )
        return endpoint

    def endpoint(self, endpoint_id):
        self._user()
        return jsonify(self._endpoint_or_404(endpoint_id))

    def docker_proxy(self, endpoint_id, docker_path):
        self._user()
        endpoint = self._endpoint_or_404(endpoint_id)
        if endpoint["URL"] != self.config.docker_url:
            raise APIError(502, "Unable to proxy the request via the Docker API", "The environment is unreachable")
        status, body, content_type = self.docker.proxy_get(docker_path, request.query_string.decode())
        return Response(body, status, content_type=content_type)

    # --- stacks ---------------------------------------------------------------------------------
    def _stack_or_404(self, stack_id):
        stack = self.store.stack(stack_id)
        if stack is None:
            raise APIError(
                404,
                "Unable to find a stack with the specified identifier inside the database",
                "Object not found inside the database",
            )
        return stack

    def stacks(self):
        self._user()
        stacks = self.store.data["stacks"]
        filters = request.args.get("filters")
        if filters:
            try:
                wanted = json.loads(filters)
            except ValueError:
                raise APIError(400, "Invalid query parameter: filters", "Invalid JSON") from None
            if wanted.get("EndpointID"):
                stacks = [s for s in stacks if s["EndpointId"] == wanted["EndpointID"]]
        return jsonify(stacks)

    def stack(self, stack_id):
        self._user()
        return jsonify(self._stack_or_404(stack_id))

    def stack_file(self, stack_id):
        self._user()
        self._stack_or_404(stack_id)
        return jsonify({"StackFileContent": self.store.stack_file(stack_id)})

    def create_stack_old_route(self):
        # POST /api/stacks?type=2&method=string: the only create route before 2.19, deprecated after.
        if self._int_query("type") != 2 or request.args.get("method") != "string":
            raise APIError(400, "Invalid query parameter: method", "The simulator supports type=2&method=string only")
        return self._create_stack()

    def create_stack(self):
        if self._old(2, 19):
            return self._missing_route()
        return self._create_stack()

    def _create_stack(self):
        user = self._user()
        endpoint_id = self._int_query("endpointId")
        self._endpoint_or_404(endpoint_id)
        payload = self._payload()
        name = normalize_stack_name(payload.get("name") or "")
        content = payload.get("stackfilecontent") or ""
        if not name:
            raise APIError(400, "Invalid request payload", "Invalid stack name")
        if not content:
            raise APIError(400, "Invalid request payload", "Invalid stack file content")
        env = _env_pairs(payload.get("env"))
        with self.store.lock:
            taken = any(
                s["EndpointId"] == endpoint_id and normalize_stack_name(s["Name"]) == name
                for s in self.store.data["stacks"]
            )
            if taken or self.docker.project_in_use(name):
                message = f"A stack with the normalized name '{name}' already exists"
                raise APIError(409, message, message)
            stack_id = self.store.next_id("stack")
            self.store.save()
            try:
                self.docker.write_files(stack_id, content, env)
                self.docker.up(stack_id, name)
            except DeployError as exc:
                # Portainer removes what a failed deploy left behind, and the stack record with it.
                self._down_quietly(stack_id, name)
                self.docker.remove_files(stack_id)
                raise APIError(500, str(exc), str(exc)) from None
            stack = {
                "Id": stack_id,
                "Name": name,
                "Type": 2,
                "EndpointId": endpoint_id,
                "SwarmId": "",
                "EntryPoint": "docker-compose.yml",
                "Env": env,
                "ResourceControl": {
                    "Id": stack_id,
                    "ResourceId": f"{endpoint_id}_{name}",
                    "Type": RESOURCE_CONTROL_STACK,
                    "AdministratorsOnly": True,
                    "Public": False,
                    "UserAccesses": [],
                    "TeamAccesses": [],
                },
                "Status": 1,
                "ProjectPath": str(self.docker.project_dir(stack_id)),
                "CreationDate": int(time.time()),
                "CreatedBy": user["Username"],
                "UpdateDate": 0,
                "UpdatedBy": "",
                "AdditionalFiles": None,
                "AutoUpdate": None,
                "Option": None,
                "GitConfig": None,
                "FromAppTemplate": bool(payload.get("fromapptemplate")),
                "Namespace": "",
            }
            self.store.put_stack(stack, content)
        return jsonify(stack)

    def _down_quietly(self, stack_id, name):
        with contextlib.suppress(DeployError):
            self.docker.down(stack_id, name)

    def update_stack(self, stack_id):
        user = self._user()
        endpoint_id = self._int_query("endpointId")
        self._endpoint_or_404(endpoint_id)
        payload = self._payload()
        content = payload.get("stackfilecontent") or ""
        if not content:
            raise APIError(400, "Invalid request payload", "Invalid stack file content")
        env = _env_pairs(payload.get("env"))
        with self.store.lock:
            stack = dict(self._stack_or_404(stack_id))
            old_content, old_env = self.store.stack_file(stack_id), stack["Env"]
            try:
                self.docker.write_files(stack_id, content, env)
                self.docker.up(stack_id, stack["Name"], pull=bool(payload.get("pullimage")))
            except DeployError as exc:
                # Portainer rolls the file back when the new one does not deploy.
                self.docker.write_files(stack_id, old_content, old_env)
                raise APIError(500, str(exc), str(exc)) from None
            stack.update({"Env": env, "UpdateDate": int(time.time()), "UpdatedBy": user["Username"], "Status": 1})
            self.store.put_stack(stack, content)
        return jsonify(stack)

    def delete_stack(self, stack_id):
        self._user()
        # Portainer parses endpointId as optional; without it the stack counts as orphaned and the
        # handler looks up environment 0.
        endpoint_id = self._int_query("endpointId", optional=True) or 0
        with self.store.lock:
            stack = self._stack_or_404(stack_id)
            if self.store.endpoint(endpoint_id) is None:
                raise APIError(
                    404,
                    "Unable to find the endpoint associated to the stack inside the database",
                    "Object not found inside the database",
                )
            try:
                self.docker.down(stack_id, stack["Name"])
            except DeployError as exc:
                raise APIError(500, "Unable to remove stack", str(exc)) from None
            self.docker.remove_files(stack_id)
            self.store.remove_stack(stack_id)
        return Response(status=204)

    def start_stack(self, stack_id):
        self._user()
        self._endpoint_or_404(self._int_query("endpointId"))
        with self.store.lock:
            stack = dict(self._stack_or_404(stack_id))
            # As in Portainer, the label check runs first and does not exclude the stack's own containers.
            if self.docker.project_in_use(stack["Name"]):
                raise APIError(409, f"A stack with the name '{stack['Name']}' is already running")
            if stack["Status"] == 1:
                raise APIError(400, "Stack is already active")
            try:
                self.docker.up(stack_id, stack["Name"])
            except DeployError as exc:
                raise APIError(500, "Unable to start stack", str(exc)) from None
            stack["Status"] = 1
            self.store.put_stack(stack, self.store.stack_file(stack_id))
        return jsonify(stack)

    def stop_stack(self, stack_id):
        self._user()
        self._endpoint_or_404(self._int_query("endpointId"))
        with self.store.lock:
            stack = dict(self._stack_or_404(stack_id))
            if stack["Status"] == 2:
                raise APIError(400, "Stack is already inactive")
            try:
                self.docker.down(stack_id, stack["Name"])
            except DeployError as exc:
                raise APIError(500, "Unable to stop stack", str(exc)) from None
            stack["Status"] = 2
            self.store.put_stack(stack, self.store.stack_file(stack_id))
        return jsonify(stack)

    # --- control API of the tests ---------------------------------------------------------------
    def sim_state(self):
        data = self.store.data
        users = [{k: v for k, v in u.items() if k != "password_hash"} for u in data["users"]]
        return jsonify(
            {"users": users, "endpoints": data["endpoints"], "stacks": data["stacks"], "files": data["files"]}
        )

    def sim_counters(self):
        with self._lock:
            return jsonify(self.counters.as_dict())

    def sim_reset(self):
        """Forget counters, faults and the rate limiter's memory (not the stacks)."""
        with self._lock:
            self.counters = Counters()
            self.faults = []
            self._auth_attempts.clear()
            self._banned_until.clear()
        return jsonify({"ok": True})

    def sim_add_fault(self):
        """{"method", "path", "status", "times"=1, "message"?}: the next `times` matching calls fail."""
        fault = request.get_json()
        fault.setdefault("times", 1)
        self.faults.append(fault)
        return jsonify(fault)

    def sim_configure(self):
        """Change the personality at run time: version, missing_route_status, auth_limit, auth_window, auth_ban."""
        allowed = {"version", "missing_route_status", "auth_limit", "auth_window", "auth_ban"}
        changes = request.get_json()
        unknown = set(changes) - allowed
        if unknown:
            return self._error(400, "Unknown settings", ", ".join(sorted(unknown)))
        for key, value in changes.items():
            setattr(self.config, key, value)
        return jsonify({key: getattr(self.config, key) for key in sorted(allowed)})

    def sim_add_endpoint(self):
        body = request.get_json()
        return jsonify(
            self.store.add_endpoint(body["Name"], body.get("URL", self.config.docker_url), body.get("Type", 1))
        )

    def sim_remove_endpoint(self, endpoint_id):
        with self.store.lock:
            self.store.data["endpoints"] = [e for e in self.store.data["endpoints"] if e["Id"] != endpoint_id]
            self.store.save()
        return Response(status=204)


def _env_pairs(env):
    pairs = []
    for pair in env or []:
        pair = {key.lower(): value for key, value in pair.items()}
        pairs.append({"name": str(pair.get("name", "")), "value": str(pair.get("value", ""))})
    return pairs


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
