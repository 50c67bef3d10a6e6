"""SYNO.Core.Web.DSM get/set: DSM's own web service settings, among them the global HTTP/2 switch.

As ychiu1211/dsmctl captured them live on DSM 7.3 (dsm-webapi.md §2.5, §7.2):
- v1 `get` answers the whole set (enable_spdy is Control Panel > Network > Connectivity > Enable HTTP/2);
  v2 `get` leaves out enable_https and enable_hsts;
- v1 `set` takes http_port, https_port, enable_https, enable_https_redirect, enable_hsts, enable_spdy,
  enable_custom_domain and fqdn, all eight, as dsmctl sends them (whether DSM takes fewer is not known: the
  simulator answers 114 when one is missing, 120 for a wrong type);
- a change restarts DSM's web server (connections drop for a while, Simulator.restart_httpd).
DSM's nginx switches HTTP/2 per listening socket, so on DSM 7 enable_spdy also decides HTTP/2 for the
reverse-proxy rules' listeners (simnas.nginx). The simulated NAS starts with it off, so that a client has to
turn it on (the factory default of a real DSM is not known; dsmctl's lab had it on).
"""

import copy

from simnas.dsm.apis import reverse_proxy
from simnas.dsm.registry import DSMError, declare_api, method

API = "SYNO.Core.Web.DSM"
declare_api(API, dsm7=(1, 2), dsm6=(1, 1))

SET_FIELDS = {
    "http_port": int,
    "https_port": int,
    "enable_https": bool,
    "enable_https_redirect": bool,
    "enable_hsts": bool,
    "enable_spdy": bool,
    "enable_custom_domain": bool,
    "fqdn": str,
}
INITIAL = {
    "enable_avahi": True,
    "enable_custom_domain": False,
    "enable_hsts": False,
    "enable_https": True,
    "enable_https_redirect": False,
    "enable_max_connections": True,
    "enable_reuseport": True,
    "enable_server_header": True,
    "enable_spdy": False,
    "enable_ssdp": True,
    "fqdn": None,
    "http_port": 5000,
    "https_port": 5001,
    "main_app": "DSM",
    "max_connections": 131070,
    "max_connections_limit": {"lower": 2048, "upper": 131070},
    "server_header": "nginx",
    "support_reuseport": True,
}


def settings(state):
    return state.setdefault("web_dsm", copy.deepcopy(INITIAL))


def global_http2(sim):
    return bool(settings(sim.state.data)["enable_spdy"])


@method(API, "get")
def web_get(ctx):
    shown = copy.deepcopy(settings(ctx.state))
    if ctx.version >= 2:
        shown.pop("enable_https")
        shown.pop("enable_hsts")
    return shown


@method(API, "set", write=True, versions=(1,))
def web_set(ctx):
    changes = {}
    for key, kind in SET_FIELDS.items():
        if key not in ctx.params:
            raise DSMError(114)
        value = ctx.params[key]
        if key == "fqdn" and value is None:
            value = ""
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise DSMError(120)
        changes[key] = value
    current = settings(ctx.state)
    if (changes["http_port"], changes["https_port"]) != (current["http_port"], current["https_port"]):
        raise DSMError(120)  # the simulated NAS cannot move its own ports
    changes["fqdn"] = changes["fqdn"] or None
    if all(current[key] == value for key, value in changes.items()):
        return None
    with reverse_proxy.rollback(ctx):
        current.update(changes)
    ctx.sim.restart_httpd()
    return None
