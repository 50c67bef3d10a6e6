# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one client of the Synology DSM Web API in this collection.

PRIVATE to the collection: it can change at any time.

What it owns (see docs/DEVELOPING.md and the DSM Web API notes):
- discovery through SYNO.API.Info (paths, versions), cached for the run or taken from a session;
- login with SYNO.API.Auth (v7 on DSM 7, v6 on DSM 6), 2FA and device tokens, logout;
- the session transport that DSM 7.3 requires: _sid and SynoToken in the URL query, the
  X-SYNO-TOKEN header and the id cookie, on every call;
- every API parameter sent as a JSON literal (requestFormat JSON), except the few DSM reads raw
  (a confirmation token) that a call names in raw=;
- secrets a call names in secret_params= inside DSM's encryption envelope when dsm_url is plain HTTP, with a
  key (SYNO.API.Encryption getinfo) fetched again before DSM would refuse its age (360 s);
- multipart uploads with api/version/method in the URL query as well as in the body (DSM dispatches them
  from the URL);
- the envelope, parsed defensively (empty bodies, HTML pages);
- errors that name the API, the method, the DSM code and its meaning, never a secret;
- exactly one re-login on 106/119, no retry at all on login refusals (DSM's auto-block counts
  them), bounded retries with backoff on connection errors and 502/503/504 for reads, and writes
  that are never re-sent before a re-read says they did not land.
"""

import json
import secrets
import ssl
import time
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_envelope
from ansible_collections.ankinas.synology.plugins.module_utils._http import Opener
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

INFO_API = "SYNO.API.Info"
AUTH_API = "SYNO.API.Auth"
ENCRYPTION_API = "SYNO.API.Encryption"

#: the APIs the collection uses, discovered in one SYNO.API.Info query (others are looked up on demand)
COLLECTION_APIS = (
    AUTH_API,
    ENCRYPTION_API,
    INFO_API,
    "SYNO.Backup.Repository",
    "SYNO.Backup.Target",
    "SYNO.Backup.Task",
    "SYNO.Core.AppPortal.ReverseProxy",
    "SYNO.Core.Certificate",
    "SYNO.Core.Certificate.CRT",
    "SYNO.Core.Certificate.LetsEncrypt",
    "SYNO.Core.Certificate.Service",
    "SYNO.Core.DDNS.ExtIP",
    "SYNO.Core.DDNS.Provider",
    "SYNO.Core.DDNS.Record",
    "SYNO.Core.MyDSCenter",
    "SYNO.Core.Package",
    "SYNO.Core.Package.Control",
    "SYNO.Core.Package.Installation",
    "SYNO.Core.Package.Installation.Download",
    "SYNO.Core.Package.Server",
    "SYNO.Core.Package.Uninstallation",
    "SYNO.Core.Region.NTP",
    "SYNO.Core.Share",
    "SYNO.Core.System",
    "SYNO.Core.TaskScheduler",
    "SYNO.Core.TaskScheduler.Root",
    "SYNO.Core.User.PasswordConfirm",
    "SYNO.Core.Web.DSM",
    "SYNO.DSM.Info",
    "SYNO.Docker.Container",
    "SYNO.Docker.Project",
    "SYNO.FileStation.CreateFolder",
    "SYNO.FileStation.List",
)

COMMON_ERRORS = {
    100: "Unknown error",
    101: "No parameter of API, method or version",
    102: "The requested API does not exist",
    103: "The requested method does not exist",
    104: "The requested version does not support the functionality",
    105: "The logged in session does not have permission",
    106: "Session timeout",
    107: "Session interrupted by duplicate login",
    108: "Failed to upload the file",
    109: "The network connection is unstable or the system is busy",
    110: "The network connection is unstable or the system is busy",
    111: "The network connection is unstable or the system is busy",
    114: "Lost parameters for this API",
    115: "Not allowed to upload a file",
    116: "Not allowed to perform for a demo site",
    117: "The network connection is unstable or the system is busy",
    118: "The network connection is unstable or the system is busy",
    119: "Invalid session (SID not found)",
    120: "Invalid parameter value",
    150: "Request source IP does not match the login IP",
    160: "Insufficient application privilege",
    # DSM's own error table names it get_lock_failed (synology-community/go-synology pkg/api/errors.go): the
    # change did not start because another one holds the lock.
    3328: "DSM is busy with another change (it could not take the lock); nothing was changed",
}

AUTH_ERRORS = {
    400: "No such account or incorrect password",
    401: "Disabled account",
    402: "Denied permission",
    403: "2-factor authentication code required",
    404: "Failed to authenticate 2-factor authentication code",
    406: "Enforce to authenticate with 2-factor authentication code",
    407: "Blocked IP source (auto-block)",
    408: "Expired password cannot change",
    409: "Expired password",
    410: "Password must be changed",
    411: "Account locked",
}

#: error tables of single API families (the longest matching prefix wins over the common table): the client's
#: own APIs here; a module passes its APIs' tables to DSMClient(errors=...) (each module_utils file's ERRORS)
API_ERRORS = {
    "SYNO.Core.Share": {
        402: "No such shared folder",
        403: "Invalid input",
        3300: "The shared folder request was rejected (malformed, description over 64 characters, "
        "a previous operation still settling, or the session transport)",
        3301: "A shared folder with this name already exists",
        3304: "The volume does not exist",
        3309: "Too many shared folders",
        3313: "The volume does not exist",
        3319: "The name is already used",
        3320: "Not enough space on the volume",
        3328: "Another shared folder operation is in progress",
    },
    "SYNO.FileStation": {
        400: "Invalid parameter of file operation",
        401: "Unknown error of file operation",
        402: "System is too busy",
        407: "Operation not permitted",
        408: "No such file or directory",
        414: "File already exists",
        418: "Illegal name or path",
        1100: "Failed to create a folder",
        1101: "The number of folders to the parent folder would exceed the system limit",
    },
}

#: what to do about a login refusal; the option names are the ones users set
AUTH_HINTS = {
    400: "check dsm_username and dsm_password. The module does not retry: every failed login counts "
    "toward DSM's auto-block",
    401: "the account is disabled in DSM (Control Panel > User & Group)",
    402: "the account may not use this service; use an administrator account",
    403: "this account uses 2-step verification: set dsm_otp_code (a current code from the authenticator) "
    "or dsm_device_id (a device token that ankinas.synology.dsm_session returned after an earlier OTP login)",
    404: "the code in dsm_otp_code is wrong or was already used (DSM accepts each code once); set a fresh "
    "code, or log in once with ankinas.synology.dsm_session and pass its session to the other tasks",
    406: "DSM requires this account to enrol in 2-step verification: enrol it in DSM first",
    407: "DSM's auto-block has blocked this machine's IP address after too many failed logins; unblock it in "
    "Control Panel > Security > Protection (Allow/Block List) or wait until the block expires, then check "
    "the credentials. The module does not retry while blocked",
    408: "the password has expired and cannot be changed by this account: ask an administrator",
    409: "the password has expired: change it in DSM",
    410: "DSM requires a password change: change it in DSM",
    411: "the account is locked after too many failed attempts",
}

#: 105 on an authenticated call (dsm-webapi.md §1.4): a non-admin account, or Adaptive MFA downgraded the login
NO_PERMISSION_HINT = (
    "dsm_username {account!r} must be in DSM's administrators group (Control Panel > User & Group); if it is, "
    "DSM's Adaptive MFA may have downgraded this login: log in once from this machine with the OTP"
)

SESSION_CODES = (106, 119)

#: codes by which DSM refuses a write, before acting on it, because another change is in progress: sending it
#: again after a pause is safe. Keyed by API prefix ("" is every API), the longest matching prefixes add up.
#: - 3328, every API: get_lock_failed in DSM's error table (go-synology pkg/api/errors.go); SYNO.Core.Share answers
#:   it to overlapping writes (batonogov/terraform-provider-synology-dsm share.go mutateShare retries it, on a
#:   virtual DSM 7.2.2; dsm-webapi.md §0.4). The lock is taken before the change, so any write that meets it
#:   did not start.
#: - 3332, Hyper Backup tasks: is_backing_up_restoring (go-synology pkg/api/errors.go): Task set, delete and backup
#:   are refused while the task backs up or restores.
#: Not here: 3300 (SYNO.Core.Share also answers it to malformed requests, which a retry cannot fix); 109-111, 117,
#: 118 (error_error_system: nothing says the write did not start); 5527 (Let's Encrypt busy: the module never
#: repeats a Let's Encrypt request, which its rate limit counts).
BUSY_CODES = {"": (3328,), "SYNO.Backup.Task": (3332,)}
RETRY_STATUSES = (502, 503, 504)


class DSMAPIError(ResourceError):
    """DSM answered success:false, or did not answer usefully. Safe to show: no secrets inside."""

    def __init__(self, api, method, code=None, meaning=None, hint=None, status=None):
        self.api = api
        self.method = method
        self.code = code
        self.meaning = meaning if meaning is not None else error_meaning(api, code)
        self.hint = hint
        self.status = status
        if code is not None:
            text = f"{api} {method} failed: DSM error {code} ({self.meaning})"
        else:
            text = f"{api} {method} failed: {self.meaning}"
        if hint:
            text += "; " + hint
        super().__init__(text)


class DSMUncertainWriteError(DSMAPIError):
    """A write got no usable answer: DSM may or may not have applied it."""


class DSMNoAnswerError(DSMAPIError):
    """A request got no usable answer after its attempts (DSM unreachable, restarting its web server, a proxy's
    HTML page): nothing DSM decided. Reads that wait for a change retry these (_dsm_module.RESTARTING)."""


def error_meaning(api, code, api_errors=None):
    """The meaning of DSM error code of api, looked up in api_errors (default API_ERRORS) and the common tables."""
    if code is None:
        return "no error code"
    api_errors = API_ERRORS if api_errors is None else api_errors
    # The most specific table first: an API family's own codes reuse numbers of the common table.
    prefixes = sorted((p for p in api_errors if api == p or api.startswith(p + ".")), key=len, reverse=True)
    tables = [api_errors[prefix] for prefix in prefixes]
    if api == AUTH_API:
        tables.append(AUTH_ERRORS)
    for table in tables:
        if code in table:
            return table[code]
    return COMMON_ERRORS.get(code, "unknown error code")


def busy_codes_of(api):
    """The codes by which DSM refuses a write to api as busy, before acting on it (BUSY_CODES)."""
    return tuple(
        code
        for prefix, codes in BUSY_CODES.items()
        if not prefix or api == prefix or api.startswith(prefix + ".")
        for code in codes
    )


def json_literal(value):
    """A parameter value as DSM's requestFormat JSON wants it: strings quoted, objects as JSON."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _NoAnswer(Exception):
    """No DSM envelope came back; `landed` says whether DSM may have acted on the request."""

    def __init__(self, reason, landed):
        super().__init__(reason)
        self.reason = reason
        self.landed = landed


class _Body:
    """The parameters of one call with its transport options (multipart files, a longer timeout, plain text back)."""

    def __init__(self, form, files=None, timeout=None, text=False):
        self.form, self.files, self.timeout, self.text = form, files, timeout, text

    def query(self):
        """What goes in the URL query besides the session: a multipart call's api/version/method (DSM dispatches
        a multipart upload from the URL before it reads the body: acme.sh, N4S4 upload_cert, batonogov)."""
        if not self.files:
            return {}
        return {key: self.form[key] for key in ("api", "version", "method") if key in self.form}

    def encoded(self):
        """(Content-Type, body): form-urlencoded, or multipart/form-data with the files first, then the text
        parts (api/version/method included), the order acme.sh and batonogov send a certificate import in."""
        if not self.files:
            return "application/x-www-form-urlencoded; charset=UTF-8", urlencode(self.form)
        boundary = "ankinas-" + secrets.token_hex(12)
        parts = []
        for name, (file_name, content) in self.files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            )
            parts.append(head.encode() + content + b"\r\n")
        for name, value in self.form.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f"--{boundary}--\r\n".encode())
        return f"multipart/form-data; boundary={boundary}", b"".join(parts)


class DSMClient:
    """A DSM Web API session. Build it, call(), then close() (logs out only a session it opened)."""

    #: attempts for a request that got no answer (connection errors, 502/503/504, HTML instead of JSON)
    attempts = 3
    #: first pause between attempts in seconds; doubles each time
    backoff = 0.5
    #: attempts for a write DSM refused as busy (BUSY_CODES), and the first pause between them
    busy_attempts = 5
    busy_backoff = 1.0
    #: seconds an encryption key (SYNO.API.Encryption getinfo) is used before it is fetched again: DSM refuses an
    #: envelope whose server_time is older than 360 s (Synology's GPL synocgi.h, CIPHERTOKEN_VALID_DURATION)
    cipher_max_age = 300

    def __init__(
        self,
        url,
        username,
        password,
        otp_code=None,
        device_id=None,
        device_name="ankinas",
        validate_certs=True,
        ca_path=None,
        timeout=30,
        session=None,
        enable_device_token=False,
        errors=None,
    ):
        self.url = url.rstrip("/")
        #: {API prefix: {code: meaning}}: the client's own tables and those of the APIs the caller uses
        self.api_errors = dict(API_ERRORS, **(errors or {}))
        self.username = username
        self._password = password
        self._otp_code = otp_code
        self._device_id = device_id
        self.device_name = device_name
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self._http = None  # the Opener, made at the first request (it reads the CA file)
        self.timeout = timeout
        self.enable_device_token = enable_device_token
        self._api_info = {}
        self._queried = set()
        self._sid = None
        self._synotoken = None
        self._cipher = None
        self._cipher_at = 0.0
        self.owns_session = False
        #: a device token DSM issued during this run (the caller decides whether to return it)
        self.issued_device_id = None
        if session:
            self._adopt(session)

    # --- session -------------------------------------------------------------------------------
    def _adopt(self, session):
        if session.get("url") and session["url"].rstrip("/") != self.url:
            raise ResourceError(
                "dsm_session was opened on another NAS ({}) than dsm_url ({}); pass the session of this NAS".format(
                    session["url"], self.url
                )
            )
        if session.get("account") and session["account"] != self.username:
            raise ResourceError("dsm_session belongs to another account than dsm_username")
        self._sid = session["sid"]
        self._synotoken = session["synotoken"]
        self._api_info = dict(session.get("api_info") or {})
        self._queried = set(COLLECTION_APIS) | set(self._api_info)

    def session(self):
        """The session as ankinas.synology.dsm_session returns it (sid and token are secrets)."""
        self.ensure_login()
        session = {
            "url": self.url,
            "account": self.username,
            "sid": self._sid,
            "synotoken": self._synotoken,
            "api_info": dict(self._api_info),
            "dsm_major": self.dsm_major(),
            # How to reach the NAS again (not secret): the dsm_logout callback logs out after an interrupt.
            "validate_certs": self.validate_certs,
            "ca_path": self.ca_path,
        }
        if self.issued_device_id:
            session["device_id"] = self.issued_device_id
        return session

    @property
    def logged_in(self):
        return self._sid is not None

    def ensure_login(self):
        if not self.logged_in:
            self.login()

    def login(self):
        auth = self.require_api(AUTH_API, "login")
        # DSM 7.3 grants control-plane writes to v7 sessions; DSM 6 stops at v6.
        version = 7 if auth["maxVersion"] >= 7 else min(auth["maxVersion"], 6)
        # Auth is not a requestFormat JSON API: account and passwd go as plain form strings.
        form = {
            "api": AUTH_API,
            "version": version,
            "method": "login",
            "account": self.username,
            "passwd": self._password,
            "format": "sid",
            "enable_syno_token": "yes",
        }
        if self._otp_code:
            form["otp_code"] = self._otp_code
            if self.enable_device_token:
                form["enable_device_token"] = "yes"  # noqa: S105 - a flag, not a password
                form["device_name"] = self.device_name
        elif self._device_id:
            form["device_id"] = self._device_id
            form["device_name"] = self.device_name
        self._sid = self._synotoken = None
        try:
            data = self._exchange(AUTH_API, "login", auth["path"], form, authenticated=False, write=False)
        except DSMAPIError as exc:
            if exc.api == AUTH_API and exc.code in AUTH_HINTS:
                raise DSMAPIError(AUTH_API, "login", exc.code, hint=AUTH_HINTS[exc.code]) from None
            raise
        if not data.get("sid"):
            raise DSMAPIError(AUTH_API, "login", meaning="DSM answered success without a session id")
        self._sid = data["sid"]
        token = data.get("synotoken")
        # Without a real token ("--------") DSM rejects writes; fail here with the reason.
        if not token or set(token) == {"-"}:
            raise DSMAPIError(AUTH_API, "login", meaning="DSM issued no SynoToken although enable_syno_token=yes")
        self._synotoken = token
        self.owns_session = True
        # v7 names the device token device_id, v6 names it did.
        issued = data.get("device_id") or data.get("did")
        if issued:
            self.issued_device_id = issued

    def logout(self):
        if not self.logged_in:
            return
        auth = self.api_info(AUTH_API)
        try:
            if auth:
                version = 7 if auth["maxVersion"] >= 7 else min(auth["maxVersion"], 6)
                form = {"api": AUTH_API, "version": version, "method": "logout"}
                self._exchange(AUTH_API, "logout", auth["path"], form, authenticated=True, write=False)
        except DSMAPIError as exc:
            # An expired session is as good as logged out.
            if exc.code not in SESSION_CODES:
                raise
        finally:
            self._sid = self._synotoken = None
            self.owns_session = False

    def close(self):
        """Log out if this client opened the session itself; a session passed in stays open."""
        if self.owns_session:
            self.logout()

    # --- discovery -----------------------------------------------------------------------------
    def api_info(self, name):
        """Discovery entry {path, minVersion, maxVersion, requestFormat?} of an API, or None if absent."""
        if name not in self._queried:
            self.discover([name])
        return self._api_info.get(name)

    def discover(self, names):
        """Look up the APIs of names not looked up yet in one SYNO.API.Info query (the first one asks for the
        collection's APIs too)."""
        missing = set(names) - self._queried
        if not missing:
            return
        wanted = sorted(missing if self._queried else missing | set(COLLECTION_APIS))
        form = {"api": INFO_API, "version": 1, "method": "query", "query": ",".join(wanted)}
        # query.cgi answers on DSM 5, 6 and 7: the safe bootstrap before anything is known.
        found = self._exchange(INFO_API, "query", "query.cgi", form, authenticated=False, write=False)
        for api_name, info in found.items():
            if isinstance(info, dict) and "path" in info and "maxVersion" in info:
                self._api_info[api_name] = info
        self._queried.update(wanted)

    def rediscover(self):
        """Look the collection's APIs up again (a package installed since the login brings its own): {name: info}.

        A session adopted from the play (dsm_session) carries the APIs DSM listed at login; an install makes that
        list stale, and the caller hands the play this one."""
        self._queried = set()
        self._api_info = {name: info for name, info in self._api_info.items() if name not in COLLECTION_APIS}
        self.discover(COLLECTION_APIS)
        return dict(self._api_info)

    def has_api(self, name):
        return self.api_info(name) is not None

    def require_api(self, name, method):
        info = self.api_info(name)
        if info is None:
            raise DSMAPIError(
                name, method, 102, hint="DSM does not offer this API (is the package that provides it installed?)"
            )
        return info

    def dsm_major(self):
        """6 or 7, from SYNO.API.Auth's highest version: the cheapest DSM probe, even before login."""
        return 7 if self.require_api(AUTH_API, "login")["maxVersion"] >= 7 else 6

    # --- calls ---------------------------------------------------------------------------------
    def call(
        self,
        api,
        method,
        params=None,
        version=None,
        write=False,
        confirm=None,
        timeout=None,
        files=None,
        secret_params=(),
        raw=(),
        text=False,
    ):
        """Call api.method and return its data dict.

        version: an int, a tuple of acceptable ints (the highest DSM offers wins) or None (DSM's
        highest). write: the call changes the NAS (it carries the SynoToken and is never re-sent
        blindly). confirm: for a write, a function that re-reads and says whether the write landed;
        without it a write without an answer fails and says so. timeout: seconds for this call when
        DSM works inside the request (Let's Encrypt). files: {part: (file name, bytes)} sends a
        multipart upload (SYNO.Core.Certificate import) whose params are plain text parts.
        secret_params: names of params that go in DSM's encryption envelope when dsm_url is plain
        HTTP (as DSM's web UI sends them). raw: names of parameters DSM reads as plain strings, sent
        as they are. text: the method may answer plain text instead of an envelope (the *_stream
        methods), returned as {"text": ...}.
        """
        busy_codes = busy_codes_of(api) if write else ()
        for attempt in range(1, self.busy_attempts + 1):
            try:
                return self._call(
                    api, method, params, version, write, confirm, timeout, files, secret_params, raw, text
                )
            except DSMAPIError as exc:
                if exc.code not in busy_codes:
                    raise
                if attempt == self.busy_attempts:
                    raise DSMAPIError(
                        api,
                        method,
                        exc.code,
                        meaning=exc.meaning,
                        hint=f"DSM stayed busy through {attempt} attempts; retry when its other operation has ended",
                    ) from None
            time.sleep(self.busy_backoff * 2 ** (attempt - 1))

    def _call(self, api, method, params, version, write, confirm, timeout, files, secret_params, raw, text):
        info = self.require_api(api, method)
        version = self._pick_version(api, method, info, version)
        form = {"api": api, "version": version, "method": method}
        params = dict(params or {})
        hidden = {}
        if urlsplit(self.url).scheme == "http":
            hidden = {name: params.pop(name) for name in secret_params if name in params}
        for key, value in params.items():
            form[key] = str(value) if files or key in raw else json_literal(value)
        self.ensure_login()
        if hidden:
            form.update(self._envelope_of(api, method, hidden))
        body = _Body(form, files, timeout, text)
        try:
            return self._exchange(api, method, info["path"], body, authenticated=True, write=write, confirm=confirm)
        except DSMAPIError as exc:
            if exc.code not in SESSION_CODES:
                raise
        # DSM dropped the session (timeout, reboot, expiry): DSM rejected the request before acting
        # on it, so one fresh login and one more try are safe, also for writes.
        self.login()
        try:
            return self._exchange(api, method, info["path"], body, authenticated=True, write=write, confirm=confirm)
        except DSMAPIError as exc:
            if exc.code in SESSION_CODES:
                raise DSMAPIError(
                    api,
                    method,
                    exc.code,
                    meaning=exc.meaning,
                    hint="DSM rejected a session it had just issued; check that nothing between this machine and "
                    "DSM strips the query string, the X-SYNO-TOKEN header or the id cookie",
                ) from None
            raise

    def _envelope_of(self, api, method, fields):
        """The fields as DSM's encryption envelope (SYNO.API.Encryption getinfo again when its key is old)."""
        if self._cipher is None or time.monotonic() - self._cipher_at > self.cipher_max_age:
            encryption = self.require_api(ENCRYPTION_API, "getinfo")
            form = {"api": ENCRYPTION_API, "version": 1, "method": "getinfo", "format": "module"}
            cipher = self._exchange(
                ENCRYPTION_API, "getinfo", encryption["path"], form, authenticated=True, write=False
            )
            if not all(cipher.get(key) for key in ("cipherkey", "ciphertoken", "public_key", "server_time")):
                raise DSMAPIError(ENCRYPTION_API, "getinfo", meaning="DSM answered no complete encryption key")
            self._cipher, self._cipher_at = cipher, time.monotonic()
        try:
            return _dsm_envelope.envelope(self._cipher, fields)
        except (RuntimeError, ValueError) as exc:
            raise ResourceError(
                f"{api} {method}: dsm_url is plain HTTP, so DSM wants {', '.join(sorted(fields))} in its "
                f"encryption envelope, which could not be built ({to_native(exc)}); use an https:// dsm_url"
            ) from None

    def _pick_version(self, api, method, info, version):
        low, high = info.get("minVersion", 1), info["maxVersion"]
        if version is None:
            return high
        wanted = version if isinstance(version, (tuple, list)) else (version,)
        usable = [v for v in wanted if low <= v <= high]
        if not usable:
            raise DSMAPIError(
                api,
                method,
                104,
                hint="this module needs version {}, DSM offers {} to {}".format("/".join(map(str, wanted)), low, high),
            )
        return max(usable)

    def _exchange(self, api, method, path, form, authenticated, write, confirm=None):
        """One logical request: transport retries for reads, confirm-before-resend for writes."""
        resent = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(api, method, path, form, authenticated, write)
            except _NoAnswer as exc:
                if write and exc.landed:
                    if confirm is None:
                        raise DSMUncertainWriteError(
                            api,
                            method,
                            meaning=exc.reason,
                            hint="DSM may have applied the change; re-run the task to re-read the state",
                        ) from None
                    if confirm():
                        return {}
                    if resent:
                        raise DSMAPIError(api, method, meaning=exc.reason) from None
                    # The re-read shows the write did not land: sending it once more is safe.
                    resent = True
                    continue
                if attempt >= self.attempts:
                    raise DSMNoAnswerError(api, method, meaning=f"{exc.reason} (after {attempt} attempts)") from None
                time.sleep(self.backoff * 2 ** (attempt - 1))

    def _once(self, api, method, path, form, authenticated, write):
        url = f"{self.url}/webapi/{path}"
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
        query = form.query() if isinstance(form, _Body) else {}
        if authenticated:
            # DSM 7.3 reads the session from the query only; 7.2 share writes want the id cookie.
            query.update({"_sid": self._sid, "SynoToken": self._synotoken})
            headers["X-SYNO-TOKEN"] = self._synotoken
            headers["Cookie"] = f"id={self._sid}"
        if query:
            url += "?" + urlencode(query)
        timeout, plain = None, False
        if isinstance(form, _Body):
            timeout, plain, (headers["Content-Type"], form) = form.timeout, form.text, form.encoded()
        else:
            form = urlencode(form)
        status, body = self._post(url, headers, form, timeout)
        if status in RETRY_STATUSES:
            raise _NoAnswer(f"DSM answered HTTP {status}{_body_kind(body)}", landed=True)
        if status != 200:
            raise DSMAPIError(api, method, meaning=f"DSM answered HTTP {status}{_body_kind(body)}", status=status)
        return self._envelope(api, method, body, write, plain)

    def _post(self, url, headers, body, timeout=None):
        timeout = timeout or self.timeout
        try:
            if self._http is None:
                self._http = Opener(self.validate_certs, self.ca_path)
            response = self._http.open(url, data=body, headers=headers, method="POST", timeout=timeout)
            return response.getcode(), response.read()
        except HTTPError as exc:
            try:
                content = exc.read()
            except Exception:
                content = b""
            return exc.code, content
        except URLError as exc:
            reason = exc.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise ResourceError(
                    f"TLS to {self._origin()} failed ({to_native(reason)}): trust the NAS certificate with "
                    "dsm_ca_path, or set validate_certs=false for a self-signed one"
                ) from None
            # A refused connection never reached DSM, so even a write may be sent again.
            refused = isinstance(reason, ConnectionRefusedError)
            raise _NoAnswer(f"cannot reach {self._origin()} ({to_native(reason)})", landed=not refused) from None
        except TimeoutError:
            option = " (dsm_timeout)" if timeout == self.timeout else ""
            raise _NoAnswer(f"no answer from {self._origin()} within {timeout}s{option}", True) from None
        except (ConnectionError, HTTPException, OSError) as exc:
            raise _NoAnswer(f"the connection to {self._origin()} broke ({type(exc).__name__})", True) from None

    def _origin(self):
        """scheme://host:port of dsm_url, for messages (never a user:password@ part)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"

    def _envelope(self, api, method, body, write, plain=False):
        text = to_text(body or b"", errors="surrogate_or_replace").strip()
        if plain and not text.startswith("{"):
            return {"text": text}
        if not text:
            # Some DSM writes (e.g. SYNO.Backup.Task create) answer an empty body on success; a read
            # without data is no answer at all.
            if write:
                return {}
            raise _NoAnswer("DSM answered an empty body", landed=False)
        try:
            envelope = json.loads(text)
        except ValueError:
            raise _NoAnswer(f"DSM answered{_body_kind(body)} instead of JSON", landed=True) from None
        if not isinstance(envelope, dict) or "success" not in envelope:
            raise DSMAPIError(api, method, meaning="DSM answered JSON that is not a DSM envelope")
        if envelope["success"]:
            data = envelope.get("data")
            return data if data is not None else {}
        error = envelope.get("error") or {}
        code = error.get("code") if isinstance(error, dict) else None
        # Auth's error details carry a 2FA challenge token: never shown.
        detail = _item_errors(error) if api != AUTH_API else None
        if code == 105 and detail is None:
            detail = NO_PERMISSION_HINT.format(account=self.username)
        raise DSMAPIError(api, method, code, meaning=error_meaning(api, code, self.api_errors), hint=detail)


def _body_kind(body):
    text = to_text(body or b"", errors="surrogate_or_replace").lstrip()[:200].lower()
    if not text:
        return " with an empty body"
    if text.startswith("<") or "<html" in text:
        return " with an HTML page"
    return ""


def _item_errors(error):
    """Per-item codes (FileStation's error.errors[]) as a short text; paths are not secrets."""
    items = error.get("errors")
    if not isinstance(items, list):
        return None
    parts = []
    for item in items[:5]:
        if isinstance(item, dict) and "code" in item:
            parts.append("{}{}".format(item["code"], " at {}".format(item["path"]) if item.get("path") else ""))
    return "item errors: {}".format(", ".join(parts)) if parts else None
