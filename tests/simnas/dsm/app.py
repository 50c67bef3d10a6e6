"""The simulated DSM Web API: a Flask app that is as strict as the DSM Web API notes say DSM is.

- /webapi/<cgi>: the DSM Web API (discovery, Auth, and the APIs registered in simnas.dsm.apis);
- /_sim/...: the control endpoint of the tests (state, counters, faults; seed: what a user made by hand in DSM's
  UI, stored as DSM lists it, see simnas.dsm.seed; backup-history {task, hours_ago}: a Hyper Backup task's last
  backup as if it never ran (hours_ago null) or ran that long ago). A real DSM has none of it.

Faults (POST /_sim/faults, JSON): `expire_sessions: true` drops every session now (next call: 119);
the others are armed for the next matching requests, as a count, `true` (once) or
{"count": n, "api": "SYNO.X"} to hit one API only ({"api": ..., "method": ...}: one method of it):
- `html_error_page`: answer an HTML page instead of JSON (HTTP 200, or {"status": 502});
- `empty_body`: answer HTTP 200 with an empty body;
- `next_create_504_html`: apply the next create, then answer 504 with an HTML page;
- `slow_seconds`: wait that long before answering (`slow_count` requests, default 1);
- `busy`: refuse the next writes with a "busy" code before acting, {"count": n, "api": "SYNO.Core.Share",
  "code": 3328} (3328 is get_lock_failed in DSM's error table, synology-community/go-synology
  pkg/api/errors.go; SYNO.Core.Share answers it to overlapping writes: dsm-webapi.md §0.4, §5.1,
  batonogov/terraform-provider-synology-dsm internal/client/share.go mutateShare);
- `idle_sessions: true`: every open session has been idle too long (next call: 106), as a
  session_lifetime would make it, without waiting for a clock;
- `reshape`: answer one API method in another shape, {"api": "SYNO.Docker.Project", "method": "list",
  "path": "*.status", "drop": true} (or "value": <JSON> to replace the value instead), for every answer until
  it is turned off ({"reshape": null}) or for "count" answers. The path's parts are keys, "*" (every value of
  an object) and "[]" (every item of a list). A test's way to make the NAS answer otherwise than the contracts
  of the collection's _dsm_contracts.py expect (the probe and site.yml's check must then name that contract).

After a certificate or web-service change DSM restarts its web server (real-DSM behaviours, declared below):
the write's own answer is lost (`httpd_restart_loses_answer`: the connection drops after the change is applied,
counted in counters["lost_answers"]) and for `httpd_restart_seconds` every Web API connection is dropped
without an answer (counted in counters["dropped_connections"]); see simnas.dsm.apis.certificate and web.
Multipart uploads are dispatched from the api/version/method of the URL query (real-DSM behaviour
`multipart_dispatch_from_query`, declared in apis/certificate.py).

Transport rules enforced (dsm-webapi.md §0, §1):
- an API answers only on its own CGI path (102), inside its versions (104), with its methods (103);
- DSM 7 reads the session from the `_sid` query parameter or the `id` cookie, never from the POST
  body (a body-only sid gets 119); DSM 6 also reads the body;
- writes need the session's SynoToken (X-SYNO-TOKEN header or SynoToken query parameter);
- requestFormat JSON APIs parse every parameter value as a JSON literal (a value that is not valid
  JSON is taken as a string, as DSM does, §0.2); SYNO.API.Auth takes plain strings. Parameters a
  method declares `quoted` must come as quoted JSON strings: SYNO.Core.Share `name` (§5.1: synology-csi
  share.go strconv.Quote; atom2ueki/mcp-server-synology create_share, live DSM 7.3.2);
- secrets a method declares (`secret`, e.g. Hyper Backup's remote `pwd`) come over plain HTTP only
  inside DSM's encryption envelope (SYNO.API.Encryption, §1.2, §4.3, see apis/encryption.py); in the
  clear they are not used (the call then fails as without them);
- writes only over POST: a write sent with GET answers 105 (§1.4 lists the wrong HTTP method as a
  cause of 105; jaxzin/ansible-synology-collection login.yml and every public write use POST);
- accounts that are not administrators (users={"bob": {"password": ..., "admin": False}}) log in, but
  every API declared admin_only answers them 105 (§1.4 "session lacks permission (non-admin ...)", §2
  "Admin only", §5.1 "create (admin; POST)"); discovery, Auth, SYNO.DSM.Info and File Station are not;
- logout ends the session only when it names the session name the login used (§1.3 "session=<same
  as login>", §1.2 "Logout must use the same session name"); DSM documents no error for a wrong name,
  so the simulator answers success and keeps the session open (the hostile reading: only the session
  table shows it, GET /_sim/state `sessions`).
"""

import contextlib
import copy
import json
import os
import secrets
import socket
import threading
import time
from collections import defaultdict
from pathlib import Path

from flask import Flask, Response, g, has_request_context, request

from simnas.dsm import apis, seed
from simnas.dsm.apis import certificate, encryption, package_center
from simnas.dsm.behaviours import Behaviours, behaviour
from simnas.dsm.registry import APIS, DROP, EMPTY_BODY, GATEWAY_TIMEOUT, PERSONALITIES, DSMError, Later, PlainText

apis.load_all()

#: the DSM each personality pretends to be (SYNO.DSM.Info / SYNO.Core.System answers)
SYSTEMS = {
    "dsm7": {"model": "DS920+", "version": "72806", "version_string": "DSM 7.2.2-72806 Update 3"},
    "dsm6": {"model": "DS918+", "version": "25556", "version_string": "DSM 6.2.4-25556 Update 7"},
}

HTTPD_RESTART_SECONDS = behaviour(
    "httpd_restart_seconds",
    real=2.0,
    off=0.0,
    source="okkes/munniv2 infra/modules/dsm.mjs DSM_RETRY ('one minute of patience: what a DSM web-server restart "
    "after a certificate change costs', live DSM 7.3); batonogov/terraform-provider-synology-dsm "
    "internal/client/certificate.go settleCertificate (90 s budget); the restart_httpd flag of the answers "
    "(acme.sh deploy/synology_dsm.sh); dsm-webapi.md §0.4",
    what="after a certificate bind, an import, a Let's Encrypt certificate or a web-service change, every Web API "
    "connection drops for this many seconds (up to about a minute on a real NAS, scaled down)",
)
RESTART_LOSES_ANSWER = behaviour(
    "httpd_restart_loses_answer",
    real=True,
    off=False,
    source="okkes/munniv2 infra/modules/dsm.mjs ensureWildcardCertificate ('DSM restarts its web server on a "
    "default change - the answer may not arrive; the list tells', live DSM 7.3); dsm-webapi.md §10.1 #9",
    what="the write that restarts DSM's web server loses its own answer: the change is applied, the connection "
    "drops (off: answered, then the restart)",
)

HTML_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Sorry, the page you are looking for is not found.</title></head>"
    "<body><h1>Sorry, the page you are looking for is not found.</h1></body></html>"
)
#: what a front nginx answers when the CGI behind it takes longer than its proxy timeout
HTML_GATEWAY_TIMEOUT = (
    "<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center>"
    "<hr><center>nginx</center></body></html>"
)


def _new_counters():
    return {
        "logins_attempted": 0,
        "logins_succeeded": 0,
        "logins_failed": 0,
        "logouts": 0,
        "login_versions": {},
        "reads": {},
        #: API.method -> the distinct "v<version> <parameter names>" its reads came with (what a read sends)
        "read_params": {},
        "writes": {},
        "errors": {},
        "dropped_connections": 0,
        "lost_answers": 0,
        "transport": {
            "sid_in_query": 0,
            "sid_in_cookie": 0,
            "sid_in_body": 0,
            "token_in_header": 0,
            "token_in_query": 0,
        },
    }


class State:
    """The NAS's persistent state (shares, device tokens, what later APIs add), kept in a JSON file."""

    def __init__(self, path):
        self.path = Path(path) if path else None
        self.data = {}
        if self.path and self.path.exists():
            self.data = json.loads(self.path.read_text())

    def save(self):
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)


class Context:
    """What a handler sees of one call."""

    def __init__(self, sim, params, version, session, cookie_sid, raw=None):
        self.sim = sim
        self.params = params
        #: the parameters as sent, before the JSON-literal decoding (for the few DSM reads raw)
        self.raw = raw if raw is not None else dict(params)
        self.version = version
        self.session = session
        self.cookie_sid = cookie_sid
        self.state = sim.state.data
        self.personality = sim.personality
        self.remote_addr = request.remote_addr
        #: set by a handler to add a Set-Cookie header
        self.cookies = {}


class Simulator:
    def __init__(
        self,
        state_path=None,
        volumes_root=None,
        personality="dsm7",
        users=None,
        autoblock_attempts=5,
        session_lifetime=None,
        absent_apis=(),
        volumes=("volume1",),
        real_dsm=True,
        behaviours=None,
        nas=None,
        ca_dir=None,
        installed_packages=None,
        not_offered=(),
        volume_free_bytes=None,
        ddns_custom_providers=None,
        external_ip="203.0.113.10",
        myds_account=None,
        synology_ddns_hostname=None,
    ):
        if personality not in PERSONALITIES:
            raise ValueError("personality must be one of {}".format(", ".join(PERSONALITIES)))
        self.personality = personality
        self.system = SYSTEMS[personality]
        self.lock = threading.RLock()
        self.state = State(state_path)
        # The NAS's files live in its own home: beside the state file unless given (never $SIMNAS_HOME, the demo's).
        home = Path(state_path).parent if state_path else None
        if volumes_root is None and home is None:
            raise ValueError("a simulated DSM needs volumes_root= (or state_path=, whose folder then holds them)")
        self.volumes_root = Path(volumes_root) if volumes_root is not None else home / "volumes"
        #: the test CA of this NAS's certificates (simnas.dsm.apis.certificate): its own, never the demo's
        self.ca_dir = Path(ca_dir) if ca_dir is not None else (home or self.volumes_root.parent) / "ca"
        self.ca = None
        #: where Task Scheduler runs root scripts: the NAS's container (simnas.sshnas.RootShell); None runs none
        self.nas = nas
        for volume in volumes:
            (self.volumes_root / volume).mkdir(parents=True, exist_ok=True)
        # users: name -> password, or name -> {"password", "otp_secret" (TOTP) or "otp_code" (fixed)}
        self.users = {
            name: ({"password": spec} if isinstance(spec, str) else dict(spec))
            for name, spec in (users or {"admin": "admin-password"}).items()
        }
        self.autoblock_attempts = autoblock_attempts
        self.session_lifetime = session_lifetime
        self.absent_apis = set(absent_apis)
        self.sessions = {}
        self.failed_logins = defaultdict(int)
        self.blocked = set()
        self.used_otp_codes = set()
        self.counters = _new_counters()
        self.faults = {}
        self.httpd_down_until = 0.0
        #: the real-DSM behaviours (simnas.dsm.behaviours): on unless real_dsm=False, tuned by behaviours=
        self.behaviours = Behaviours(real_dsm, behaviours)
        # Package Center (apis/package_center.py): the packages a fresh NAS has (ids, or {id: version}; None: the
        # default set), the catalog entries this model is not offered, and the free bytes per volume.
        self.installed_packages = installed_packages
        self.not_offered = set(not_offered)
        self.volume_free_bytes = dict(volume_free_bytes or {})
        # DDNS (apis/ddns.py): custom providers {name: query URL} (listed as USER_<name>), the WAN address DSM
        # detects, the Synology Account DSM is signed in to (None: none) and a *.synology.me name registered.
        self.ddns_custom_providers = dict(ddns_custom_providers or {})
        self.external_ip = external_ip
        self.myds_account = myds_account
        self.synology_ddns_hostname = synology_ddns_hostname
        package_center.center(self)  # seeds a fresh NAS's packages (and checks installed_packages) now

    # --- helpers for handlers ------------------------------------------------------------------
    def apis(self):
        """The APIs this NAS has, as SYNO.API.Info describes them."""
        found = {}
        absent = self.absent_apis | package_center.missing_apis(self)
        for name, spec in APIS.items():
            if name in absent or self.personality not in spec.versions:
                continue
            low, high = spec.versions[self.personality]
            entry = {"maxVersion": high, "minVersion": low, "path": spec.paths_for(self.personality)[0]}
            if self.personality in spec.json_format:
                entry["requestFormat"] = "JSON"
            found[name] = entry
        return found

    def volume_dir(self, vol_path):
        """The directory of /volumeN on this machine, or None when the NAS has no such volume."""
        if not isinstance(vol_path, str) or not vol_path.startswith("/volume") or "/" in vol_path[1:]:
            return None
        directory = self.volumes_root / vol_path[1:]
        return directory if directory.is_dir() else None

    def new_session(self, account):
        sid = secrets.token_urlsafe(24)
        session = {"sid": sid, "account": account, "token": secrets.token_urlsafe(9), "used": time.time()}
        self.sessions[sid] = session
        return session

    def count(self, key, name=None):
        if name is None:
            self.counters[key] += 1
        else:
            self.counters[key][name] = self.counters[key].get(name, 0) + 1

    def restart_httpd(self):
        """DSM restarts its web server: connections drop for httpd_restart_seconds from now, and the write that
        caused it (when called while answering one) loses its answer if httpd_restart_loses_answer."""
        self.httpd_down_until = time.monotonic() + float(self.behaviours[HTTPD_RESTART_SECONDS] or 0)
        if has_request_context():
            g.httpd_restarted = True

    # --- faults --------------------------------------------------------------------------------
    def set_faults(self, faults):
        """Arm faults. Each is a count (or true for one) or {count, api, ...}; see the module docstring."""
        with self.lock:
            if faults.pop("expire_sessions", False):
                self.sessions.clear()
            if faults.pop("idle_sessions", False):
                for session in self.sessions.values():
                    session["idle"] = True
            slow_count = faults.pop("slow_count", 1)
            for key, value in faults.items():
                if value in (None, False, 0):
                    self.faults.pop(key, None)
                elif isinstance(value, dict):
                    self.faults[key] = dict(value)
                elif key == "slow_seconds":
                    self.faults[key] = {"seconds": float(value), "count": int(slow_count)}
                else:
                    self.faults[key] = {"count": 1 if value is True else int(value)}

    def _take_fault(self, key, api, method=None):
        """Consume one use of a counted fault ({count, api, method} or a plain count) that matches api and method."""
        fault = self.faults.get(key)
        if not fault:
            return None
        spec = fault
        if spec.get("api") and spec["api"] != api:
            return None
        if spec.get("method") and spec["method"] != method:
            return None
        remaining = spec.get("count", 1) - 1
        if remaining > 0:
            self.faults[key] = dict(spec, count=remaining)
        else:
            self.faults.pop(key)
        return spec

    def _reshape(self, api, method, data):
        """The `reshape` fault: the answer of api.method with a key dropped or a value replaced (a copy)."""
        fault = self.faults.get("reshape")
        if not fault or fault.get("api") != api or fault.get("method") != method:
            return data
        if data is None or data is EMPTY_BODY or isinstance(data, PlainText):
            return data
        if "count" in fault:
            self._take_fault("reshape", api)
        data = copy.deepcopy(data)
        _reshape_at(data, [part for part in str(fault.get("path", "")).split(".") if part], fault)
        return data

    # --- the Web API ---------------------------------------------------------------------------
    def handle(self, cgi):
        if time.monotonic() < self.httpd_down_until:
            with self.lock:
                self.counters["dropped_connections"] += 1
            return _drop_connection()
        params = {key: request.args[key] for key in request.args}
        params.update({key: request.form[key] for key in request.form})
        if request.files and self.behaviours[certificate.MULTIPART_FROM_QUERY]:
            # DSM dispatches a multipart upload from the URL before it parses the body.
            for key in ("api", "version", "method"):
                params.pop(key, None)
                if key in request.args:
                    params[key] = request.args[key]
        api_name = params.pop("api", None)
        with self.lock:
            slow = self._take_fault("slow_seconds", api_name, params.get("method"))
        if slow:
            time.sleep(slow.get("seconds", 1))
        with self.lock:
            html = self._take_fault("html_error_page", api_name)
            if html:
                return Response(HTML_ERROR_PAGE, status=int(html.get("status", 200)), mimetype="text/html")
            if self._take_fault("empty_body", api_name):
                return Response("", status=200, mimetype="application/json")
            cookies = {}
            try:
                data, spec, method = self._dispatch(cgi, api_name, params, cookies)
            except DSMError as exc:
                return self._error(exc)
            if not isinstance(data, Later):
                data = self._reshape(api_name, method, data)
            if spec.write:
                self.state.save()
                if method == "create" and self._take_fault("next_create_504_html", api_name):
                    # The create landed; the answer is lost on the way back, as behind a proxy timeout.
                    return Response(HTML_ERROR_PAGE, status=504, mimetype="text/html")
                if g.get("httpd_restarted") and self.behaviours[RESTART_LOSES_ANSWER]:
                    self.counters["lost_answers"] += 1
                    return _drop_connection()
            if not isinstance(data, Later):
                return _answer(data, cookies)
        # DSM works inside this request: wait for the work without the lock, so the NAS answers other calls.
        try:
            data = data.finish()
        except DSMError as exc:
            with self.lock:
                return self._error(exc)
        if data is DROP:
            with self.lock:
                self.counters["dropped_connections"] += 1
            return _drop_connection()
        return _answer(data, cookies)

    def _error(self, exc):
        self.count("errors", str(exc.code))
        error = {"code": exc.code}
        if exc.errors is not None:
            error["errors"] = exc.errors
        return Response(json.dumps({"success": False, "error": error}), mimetype="application/json")

    def _dispatch(self, cgi, api_name, params, cookies):
        version, method = params.pop("version", None), params.pop("method", None)
        if not api_name or not version or not method:
            raise DSMError(101)
        spec = APIS.get(api_name)
        if spec is None or api_name in self.absent_apis or self.personality not in spec.versions:
            raise DSMError(102)
        if api_name in package_center.missing_apis(self):
            raise DSMError(102)  # the package that brings the API is not installed
        if cgi not in spec.paths_for(self.personality):
            raise DSMError(102)
        try:
            version = int(version)
        except ValueError:
            raise DSMError(101) from None
        low, high = spec.versions[self.personality]
        if not low <= version <= high:
            raise DSMError(104)
        method_spec = spec.methods.get(method)
        if method_spec is None or (method_spec.versions and version not in method_spec.versions):
            raise DSMError(103)
        name = f"{api_name}.{method}"
        self.count("writes" if method_spec.write else "reads", name)
        if not method_spec.write:
            sent = "v{} {}".format(version, ",".join(sorted(set(params) - {"_sid", "SynoToken"})))
            seen = self.counters["read_params"].setdefault(name, [])
            if sent not in seen:
                seen.append(sent)
        if method_spec.write and request.method != "POST":
            raise DSMError(105)

        session, cookie_sid = None, None
        if method_spec.session:
            session, cookie_sid = self._session(params)
            if spec.admin_only and not self.users.get(session["account"], {}).get("admin", True):
                raise DSMError(105)
            if method_spec.write and not self._token_ok(session, params):
                raise DSMError(spec.missing_token_code)
            if method_spec.cookie and self.personality == "dsm7" and not cookie_sid:
                raise DSMError(3300)
        params.pop("_sid", None)
        params.pop("SynoToken", None)
        if request.scheme == "http":
            # Over plain HTTP DSM takes secrets from the encryption envelope only: one sent in the clear
            # is not used (dsm-webapi.md §4.3; the web UI and dsmctl send it enveloped over HTTP).
            for key in method_spec.secret:
                params.pop(key, None)
        if encryption.CIPHER_KEY in params:
            lifetime = self.behaviours[encryption.TOKEN_LIFETIME]
            params.update(encryption.open_envelope(params.pop(encryption.CIPHER_KEY), lifetime))
        raw = dict(params)
        if self.personality in spec.json_format:
            for key, code in method_spec.quoted.items():
                if key in params and not _is_json_string(params[key]):
                    raise DSMError(code)
            params = {key: _json_literal(value) for key, value in params.items()}
        if method_spec.write:
            busy = self._take_fault("busy", api_name)
            if busy:
                raise DSMError(int(busy.get("code", 3328)))  # refused before acting: nothing changed
        ctx = Context(self, params, version, session, cookie_sid, raw)
        ctx.cookies = cookies
        return method_spec.handler(ctx), method_spec, method

    def _session(self, params):
        transport = self.counters["transport"]
        query_sid = request.args.get("_sid")
        cookie_sid = request.cookies.get("id")
        body_sid = request.form.get("_sid")
        header_token = request.headers.get("X-SYNO-TOKEN")
        query_token = request.args.get("SynoToken")
        for key, present in (
            ("sid_in_query", query_sid),
            ("sid_in_cookie", cookie_sid),
            ("sid_in_body", body_sid),
            ("token_in_header", header_token),
            ("token_in_query", query_token),
        ):
            if present:
                transport[key] += 1
        candidates = [query_sid, cookie_sid]
        if self.personality == "dsm6":
            candidates.append(body_sid)
        sid = next((value for value in candidates if value), None)
        session = self.sessions.get(sid) if sid else None
        if session is None:
            raise DSMError(119)
        now = time.time()
        if session.get("idle") or (self.session_lifetime and now - session["used"] > self.session_lifetime):
            del self.sessions[sid]
            raise DSMError(106)
        session["used"] = now
        return session, cookie_sid

    def _token_ok(self, session, params):
        return session["token"] in (request.headers.get("X-SYNO-TOKEN"), request.args.get("SynoToken"))

    # --- the control endpoint ------------------------------------------------------------------
    def dump(self):
        with self.lock:
            return {
                "personality": self.personality,
                "system": self.system,
                "apis": self.apis(),
                "state": json.loads(json.dumps(self.state.data)),
                "sessions": len(self.sessions),
                "blocked": sorted(self.blocked),
                "faults": dict(self.faults),
                "volumes_root": str(self.volumes_root),
            }


def _answer(data, cookies):
    """The HTTP answer of a handler's data: a JSON envelope, an empty body, plain text or a gateway timeout."""
    if data is GATEWAY_TIMEOUT:
        # DSM goes on with the work; its front nginx gave up waiting for the answer.
        return Response(HTML_GATEWAY_TIMEOUT, status=504, mimetype="text/html")
    if data is EMPTY_BODY:
        return Response("", status=200, mimetype="application/json")
    if isinstance(data, PlainText):
        return Response(data.text, status=200, mimetype="text/plain")
    envelope = {"success": True}
    if data is not None:
        envelope["data"] = data
    response = Response(json.dumps(envelope), mimetype="application/json")
    for key, value in cookies.items():
        response.set_cookie(key, value, httponly=True)
    return response


def _reshape_at(node, parts, fault):
    """Drop (or replace) the value at parts below node; "*" walks every value of an object, "[]" every item."""
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(node, dict):
        children = list(node.values())
    elif head == "[]" and isinstance(node, list):
        children = list(node)
    elif isinstance(node, dict) and head in node:
        if not rest:
            if fault.get("drop"):
                del node[head]
            else:
                node[head] = fault.get("value")
            return
        children = [node[head]]
    else:
        return
    for child in children:
        _reshape_at(child, rest, fault)


def _is_json_string(value):
    try:
        return isinstance(json.loads(value), str)
    except ValueError:
        return False


def _drop_connection():
    """Close the client's connection without an answer, as a web server that is restarting does."""
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    return Response("", status=503)


def _json_literal(value):
    try:
        return json.loads(value)
    except ValueError:
        return value


def create_app(**options):
    """The simulated DSM as a WSGI app; options are Simulator's (state_path, personality, users...)."""
    sim = Simulator(**options)
    app = Flask("simnas.dsm")
    app.config["SIMULATOR"] = sim

    @app.route("/webapi/<path:cgi>", methods=["GET", "POST"])
    def webapi(cgi):
        return sim.handle(cgi)

    @app.get("/_sim/state")
    def sim_state():
        return sim.dump()

    @app.get("/_sim/counters")
    def sim_counters():
        with sim.lock:
            return json.loads(json.dumps(sim.counters))

    @app.post("/_sim/reset-counters")
    def sim_reset_counters():
        with sim.lock:
            sim.counters = _new_counters()
        return {"ok": True}

    @app.post("/_sim/faults")
    def sim_faults():
        sim.set_faults(dict(request.get_json(force=True) or {}))
        return {"faults": dict(sim.faults)}

    @app.get("/_sim/behaviours")
    def sim_behaviours():
        with sim.lock:
            return sim.behaviours.describe()

    @app.post("/_sim/behaviours")
    def sim_set_behaviours():
        with sim.lock:
            try:
                sim.behaviours.set(dict(request.get_json(force=True) or {}))
            except KeyError as exc:
                return {"error": str(exc)}, 400
            return sim.behaviours.describe()

    @app.post("/_sim/backup-history")
    def sim_backup_history():
        from simnas.dsm.apis import backup

        payload = dict(request.get_json(force=True) or {})
        return {"changed": backup.set_history(sim, payload.get("task"), payload.get("hours_ago"))}

    @app.post("/_sim/seed")
    def sim_seed():
        try:
            return seed.seed(sim, dict(request.get_json(force=True) or {}))
        except DSMError as exc:
            return {"error": {"code": exc.code}}, 400

    @app.post("/_sim/unblock")
    def sim_unblock():
        with sim.lock:
            sim.blocked.clear()
            sim.failed_logins.clear()
        return {"ok": True}

    return app
