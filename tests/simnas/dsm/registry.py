"""The table of simulated DSM APIs: each API module declares its APIs and registers its methods here.

A later issue adds an API by dropping a module into simnas/dsm/apis/ that calls declare_api() and
decorates its handlers with @method(); simnas.dsm.apis imports every module of the package.
"""

from dataclasses import dataclass, field

PERSONALITIES = ("dsm7", "dsm6")


class DSMError(Exception):
    """A DSM failure envelope: {"success": false, "error": {"code": code, "errors": errors}}."""

    def __init__(self, code, errors=None):
        super().__init__(code)
        self.code = code
        self.errors = errors


#: a handler returns this to answer HTTP 200 with an empty body after applying the call, as
#: SYNO.Backup.Task create does on real DSM (dsm-webapi.md §0.1)
EMPTY_BODY = object()


@dataclass
class Held:
    """A handler returns this when DSM works inside the request: the simulator releases its lock, holds the
    answer for `seconds` (other calls are served meanwhile), then answers `data`, or with `drop` closes the
    connection without an answer (counted in counters["dropped_connections"]), as DSM does when it finishes a
    package install after the client's connection broke (simnas.dsm.apis.package_center)."""

    seconds: float
    data: object = None
    drop: bool = False


@dataclass
class PlainText:
    """A handler returns this to answer text/plain instead of a JSON envelope (the *_stream methods)."""

    text: str


@dataclass
class MethodSpec:
    handler: object
    #: writes change the NAS: they need the SynoToken and are counted apart from reads
    write: bool = False
    #: False for the calls made before a session exists (discovery, login)
    session: bool = True
    #: versions of the API this method exists in (None: all)
    versions: tuple | None = None
    #: DSM 7.2 answers a bare 3300 when this write comes without the id cookie
    cookie: bool = False
    #: parameter -> error code: parameters DSM wants as a quoted JSON string (a bare value is refused)
    quoted: dict = field(default_factory=dict)
    #: parameters DSM takes over plain HTTP only from its encryption envelope (apis/encryption.py)
    secret: tuple = ()


@dataclass
class ApiSpec:
    name: str
    #: personality -> (minVersion, maxVersion); a personality missing here does not have the API
    versions: dict
    #: personality -> CGI paths the API answers on; the first one is advertised by SYNO.API.Info
    paths: dict = field(default_factory=dict)
    #: personalities on which SYNO.API.Info marks the API requestFormat JSON
    json_format: tuple = PERSONALITIES
    #: what DSM answers to a write without the SynoToken (certificate APIs answer 103)
    missing_token_code: int = 105
    #: only administrators may call it; other accounts get 105 (dsm-webapi.md §1.4)
    admin_only: bool = True
    methods: dict = field(default_factory=dict)

    def paths_for(self, personality):
        return self.paths.get(personality, ["entry.cgi"])


APIS = {}


def declare_api(
    name, dsm7=(1, 1), dsm6=(1, 1), paths=None, json_format=PERSONALITIES, missing_token_code=105, admin_only=True
):
    versions = {key: value for key, value in (("dsm7", dsm7), ("dsm6", dsm6)) if value}
    spec = ApiSpec(name, versions, paths or {}, tuple(json_format), missing_token_code, admin_only)
    APIS[name] = spec
    return spec


def method(api, name, write=False, session=True, versions=None, cookie=False, quoted=None, secret=()):
    """Register the decorated function(ctx) as api.name; it returns the data dict or raises DSMError."""

    def register(handler):
        APIS[api].methods[name] = MethodSpec(
            handler, write, session, versions, cookie, dict(quoted or {}), tuple(secret)
        )
        return handler

    return register
