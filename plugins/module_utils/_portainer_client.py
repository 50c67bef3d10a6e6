# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one Portainer CE HTTP API client of this collection.

PRIVATE to the collection: it can change at any time.

Built on the standard library only (module_utils/_http.py), so the execution host needs no extra packages.
Authentication is an API key (header X-API-Key, Portainer 2.11+) or ONE POST /api/auth per client:
the auth route is rate-limited (10 attempts, then "Access denied" for an hour), so the client never
retries it. Reads are retried a few times on connection errors and 502/503/504; writes are sent once,
because a write that timed out may still have been applied.
"""

import json
import re
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from ansible_collections.ankinas.synology.plugins.module_utils._http import Opener, is_untrusted_certificate
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

#: environment types that run Docker (1 = Docker API or socket, 2 = agent on Docker)
DOCKER_ENDPOINT_TYPES = (1, 2)
#: stack type of a standalone Docker Compose stack
COMPOSE_STACK_TYPE = 2

_RETRIED_STATUSES = (502, 503, 504)
_READ_ATTEMPTS = 4
_BACKOFF_SECONDS = 0.5


class PortainerAPIError(ResourceError):
    """A failed Portainer API call: method, path (never the query string or body), status, message."""

    def __init__(self, method, path, status, message, details=None, hint=None):
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.details = details
        text = f"Portainer API {method} {path} failed"
        text += f" with HTTP {status}: {message}" if status else f": {message}"
        if details and details != message:
            text += f" ({details})"
        if hint:
            text += ". " + hint
        super().__init__(text)


def normalize_stack_name(name):
    """Portainer's NormalizeStackName: lowercase, then drop everything outside [-_a-z0-9]."""
    return re.sub(r"[^-_a-z0-9]", "", name.lower())


class PortainerClient:
    """Talks to one Portainer over HTTPS; one instance per module run."""

    def __init__(
        self,
        url,
        api_key=None,
        username=None,
        password=None,
        validate_certs=True,
        ca_path=None,
        timeout=30,
        sleep=time.sleep,
    ):
        self.base_url = url.rstrip("/")
        self._api_key = api_key
        self._username = username
        self._password = password
        self._validate_certs = validate_certs
        self._ca_path = ca_path
        self._http = None  # the Opener, made at the first request (it reads the CA file)
        self._timeout = timeout
        self._sleep = sleep
        self._jwt = None
        self._auth_failed = None
        self._version = None

    # --- transport --------------------------------------------------------------------------------
    def request(self, method, path, query=None, body=None, expected=(200,), authenticated=True):
        """Send one request and return the decoded JSON answer (None for an empty body).

        `path` starts with /api; `query` is a dict (values that are dicts or lists are JSON-encoded,
        as Portainer expects for `filters`). Raises PortainerAPIError on any status not in `expected`.
        """
        headers = {"Accept": "application/json"}
        if authenticated:
            headers.update(self._auth_headers())
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        url = self.base_url + path
        if query:
            url += "?" + urlencode(
                {k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in query.items()}
            )
        # Only reads are retried: a write that failed on the way back may have been applied.
        attempts = _READ_ATTEMPTS if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            try:
                status, raw = self._send(method, url, data, headers)
            except _TransientError as exc:
                if attempt == attempts:
                    hint = exc.hint
                    if method != "GET":
                        hint = "The request was sent once and may have been applied; re-run the task to converge"
                    raise PortainerAPIError(method, path, exc.status, exc.message, hint=hint) from None
                self._sleep(_BACKOFF_SECONDS * 2 ** (attempt - 1))
                continue
            if status in expected:
                return _decode(raw, method, path, status)
            message, details = _error_text(raw)
            hint = "Check portainer_api_key (or portainer_username and portainer_password)" if status == 401 else None
            raise PortainerAPIError(method, path, status, message, details, hint=hint)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method, url, data, headers):
        """(status, body bytes); raises _TransientError for what is worth retrying."""
        try:
            if self._http is None:
                self._http = Opener(self._validate_certs, self._ca_path)
            response = self._http.open(url, data=data, headers=headers, method=method, timeout=self._timeout)
            return response.status, response.read()
        except HTTPError as exc:
            raw = exc.read() if exc.fp else b""
            if exc.code in _RETRIED_STATUSES:
                message, details = _error_text(raw)
                raise _TransientError(exc.code, (details and f"{message} ({details})") or message) from None
            return exc.code, raw
        except (TimeoutError, URLError, OSError) as exc:
            if is_untrusted_certificate(exc):  # retrying does not help
                raise PortainerAPIError(
                    method,
                    _path_of(url, self.base_url),
                    None,
                    f"TLS failed ({exc.reason})",
                    hint="Check portainer_ca_path (or set portainer_validate_certs=false for a test instance)",
                ) from None
            reason = getattr(exc, "reason", exc)
            raise _TransientError(
                None,
                f"cannot reach {self.base_url}: {reason}",
                hint="Check portainer_url and that Portainer is running",
            ) from None

    # --- authentication ---------------------------------------------------------------------------
    def _auth_headers(self):
        if self._api_key:
            return {"X-API-Key": self._api_key}
        if self._jwt is None:
            self._login()
        return {"Authorization": f"Bearer {self._jwt}"}

    def _login(self):
        # One attempt per client, never a loop: Portainer locks the caller out after 10 attempts.
        if self._auth_failed:
            raise self._auth_failed
        if not (self._username and self._password):
            raise ResourceError(
                "no Portainer credentials: set portainer_api_key, or portainer_username and portainer_password"
            )
        try:
            answer = self.request(
                "POST",
                "/api/auth",
                body={"Username": self._username, "Password": self._password},
                authenticated=False,
            )
        except PortainerAPIError as exc:
            if exc.status == 422:
                exc = PortainerAPIError(
                    exc.method,
                    exc.path,
                    exc.status,
                    f"Portainer refused the credentials of user '{self._username}'",
                    exc.message,
                    hint="Fix portainer_username/portainer_password (or use portainer_api_key); no retry was made, "
                    "because Portainer locks out clients after repeated failed logins",
                )
            elif exc.status == 403:
                exc = PortainerAPIError(
                    exc.method,
                    exc.path,
                    exc.status,
                    exc.message,
                    exc.details,
                    hint="Portainer's login rate limiter has locked this client out after too many attempts; "
                    "wait for the lock to expire or use portainer_api_key",
                )
            self._auth_failed = exc
            raise exc from None
        self._jwt = (answer or {}).get("jwt")
        if not self._jwt:
            raise PortainerAPIError("POST", "/api/auth", 200, "the answer carries no jwt")

    # --- system -----------------------------------------------------------------------------------
    def version(self):
        """Portainer's version string; /api/system/status (2.17+), else the deprecated /api/status."""
        if self._version is None:
            try:
                answer = self.request("GET", "/api/system/status", authenticated=False)
            except PortainerAPIError as exc:
                if exc.status != 404:
                    raise
                answer = self.request("GET", "/api/status", authenticated=False)
            self._version = str((answer or {}).get("Version") or "")
        return self._version

    def version_at_least(self, *wanted):
        numbers = tuple(int(part) for part in re.findall(r"\d+", self.version())[:3])
        return bool(numbers) and numbers >= wanted

    # --- environments -----------------------------------------------------------------------------
    def endpoints(self):
        return self.request("GET", "/api/endpoints") or []

    def resolve_endpoint(self, wanted=None):
        """The environment named or numbered `wanted`; by default the only local Docker environment."""
        endpoints = self.endpoints()
        if wanted not in (None, ""):
            wanted = str(wanted)
            for endpoint in endpoints:
                if wanted in (str(endpoint.get("Id")), endpoint.get("Name")):
                    return endpoint
            raise ResourceError(
                f"Portainer has no environment named or numbered '{wanted}' (it has: {_names(endpoints)}); "
                "fix the option endpoint"
            )
        local = [
            endpoint
            for endpoint in endpoints
            if endpoint.get("Type") in DOCKER_ENDPOINT_TYPES
            and str(endpoint.get("URL", "")).startswith(("unix://", "npipe://"))
        ]
        if len(local) == 1:
            return local[0]
        if not local:
            raise ResourceError(
                f"Portainer has no local Docker environment (it has: {_names(endpoints)}); "
                "create one, or set the option endpoint"
            )
        raise ResourceError(
            f"Portainer has several local Docker environments ({_names(local)}); set the option endpoint to one of them"
        )

    # --- stacks -----------------------------------------------------------------------------------
    def find_stack(self, name, endpoint_id):
        """The stack whose normalised name is `name` on environment `endpoint_id`, or None."""
        wanted = normalize_stack_name(name)
        stacks = self.request("GET", "/api/stacks", query={"filters": {"EndpointID": endpoint_id}}) or []
        for stack in stacks:
            if stack.get("EndpointId") == endpoint_id and normalize_stack_name(stack.get("Name", "")) == wanted:
                return stack
        return None

    def stack(self, stack_id):
        return self.request("GET", f"/api/stacks/{stack_id}")

    def stack_file(self, stack_id):
        return (self.request("GET", f"/api/stacks/{stack_id}/file") or {}).get("StackFileContent", "")

    def create_compose_stack(self, endpoint_id, name, content, env):
        """Create and deploy a standalone compose stack from a string; returns the stack.

        2.19+ has /api/stacks/create/standalone/string; older versions (and 404/405 from the new
        route) take the same body on the old POST /api/stacks?type=2&method=string.
        """
        body = {"Name": name, "StackFileContent": content, "Env": _pairs(env), "FromAppTemplate": False}
        query = {"endpointId": endpoint_id}
        try:
            if self.version_at_least(2, 19):
                try:
                    return self.request("POST", "/api/stacks/create/standalone/string", query=query, body=body)
                except PortainerAPIError as exc:
                    if exc.status not in (404, 405):
                        raise
            old_query = dict(query, type=COMPOSE_STACK_TYPE, method="string")
            return self.request("POST", "/api/stacks", query=old_query, body=body)
        except PortainerAPIError as exc:
            if exc.status != 409:
                raise
            # The caller looked for the stack first and did not find it. If it is listed now, a concurrent
            # run made it in between; otherwise the name is taken by something these credentials cannot see.
            if self.find_stack(name, endpoint_id) is not None:
                hint = (
                    f"a stack named {name!r} appeared on this environment while this task ran (another run at the "
                    "same time?); run the task again, it then updates that stack"
                )
            else:
                hint = (
                    "Portainer lists no stack of that name on this environment that these credentials can see, so "
                    "the name is taken by a compose project that Portainer does not manage (containers labelled "
                    f"com.docker.compose.project={normalize_stack_name(name)}) or by a stack these credentials cannot "
                    "see; remove it or choose another name"
                )
            raise PortainerAPIError(exc.method, exc.path, exc.status, exc.message, exc.details, hint=hint) from None

    def update_compose_stack(self, stack_id, endpoint_id, content, env, pull_image=False):
        body = {"StackFileContent": content, "Env": _pairs(env), "PullImage": bool(pull_image)}
        return self.request("PUT", f"/api/stacks/{stack_id}", query={"endpointId": endpoint_id}, body=body)

    def delete_stack(self, stack_id, endpoint_id):
        # endpointId is parsed as optional by Portainer, but without it the stack counts as orphaned.
        self.request("DELETE", f"/api/stacks/{stack_id}", query={"endpointId": endpoint_id}, expected=(200, 204))

    # --- Docker Engine API through Portainer's proxy ----------------------------------------------
    def project_containers(self, endpoint_id, project):
        """Containers (all states) labelled as members of compose project `project`."""
        return (
            self.request(
                "GET",
                f"/api/endpoints/{endpoint_id}/docker/containers/json",
                query={"all": "1", "filters": {"label": [f"com.docker.compose.project={project}"]}},
            )
            or []
        )

    def inspect_container(self, endpoint_id, container_id):
        return self.request("GET", f"/api/endpoints/{endpoint_id}/docker/containers/{container_id}/json")


class _TransientError(Exception):
    def __init__(self, status, message, hint=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint


def _pairs(env):
    return [{"name": key, "value": value} for key, value in sorted((env or {}).items())]


def _names(endpoints):
    return ", ".join(f"'{e.get('Name')}' (id {e.get('Id')})" for e in endpoints) or "none"


def _path_of(url, base_url):
    return url[len(base_url) :].split("?", 1)[0]


def _decode(raw, method, path, status):
    if not raw or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise PortainerAPIError(method, path, status, "the answer is not JSON; is portainer_url a Portainer?") from None


def _error_text(raw):
    """(message, details) from Portainer's {"message", "details"} error body, or a short raw text."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("message") or body.get("details") or body.get("err")):
        return body.get("message") or body.get("err"), body.get("details")
    text = raw.decode("utf-8", "replace").strip() if raw else ""
    return (text[:200] or "no message"), None
