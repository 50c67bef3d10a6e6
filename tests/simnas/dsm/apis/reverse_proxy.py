"""SYNO.Core.AppPortal.ReverseProxy (list, create, update, delete), rendered into a real nginx.

As dsm-webapi.md §2 describes DSM 7 (and DSM 6, same API v1):
- only list/create/update/delete exist; get and set answer 103 (they are simply not registered);
- `entry` is one JSON object (anything else, flattened fields included: 4151); update names its rule by
  the `UUID` inside the entry and must carry the listed `_key`; delete takes `uuids` as a JSON array;
- create answers no UUID; the datastore is an object keyed by UUID, each rule listed with `UUID` and
  `_key`, unknown fields kept as sent (an update replaces the whole rule, as DSM rewrites its file);
- 4154 for a frontend host+port another rule already serves, 4155 for a port another rule serves with
  the other protocol (or DSM's own 5000/5001), 4156 invalid backend host, 4164/4165/4166 invalid header
  name/value or a duplicated header name, 4168/4169/4170 invalid connect/read/send timeout (this split
  of the three codes is the simulator's assumption), 120 for other malformed fields.
A new HTTPS rule is listed under the default certificate at once (simnas.dsm.apis.certificate). DSM 7
ignores the per-rule `frontend.https.http2` key (kept in the rule as sent, like any unknown field): nginx
offers HTTP/2 on a listener by DSM's global switch (SYNO.Core.Web.DSM enable_spdy, simnas.dsm.apis.web);
the DSM 6 personality renders the per-rule key, as DSM 6.2 did.
Stricter than known DSM behaviour, on purpose: an update or delete naming a UUID the datastore does not
hold answers 120 (delete: nothing is deleted); update without the listed `_key` answers 120 (`_key`'s
meaning is undocumented; the simulator lists the UUID there, as the datastore's key).

After each change the rules are rendered into the simulator's nginx (when one is attached, see
simnas.nginx and attach_nginx()); if nginx refuses the configuration the change is undone and 100 answered.
"""

import copy
import ipaddress
import re
import uuid

from simnas.dsm.registry import DSMError, declare_api, method

API = "SYNO.Core.AppPortal.ReverseProxy"
declare_api(API, dsm7=(1, 1), dsm6=(1, 1))

HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
RESERVED_PORTS = (5000, 5001)  # DSM's own web UI
TIMEOUT_CODES = {"proxy_connect_timeout": 4168, "proxy_read_timeout": 4169, "proxy_send_timeout": 4170}
MAX_TIMEOUT = 86400


def rules(state):
    """The datastore: UUID -> {"entry": rule as listed, "order": creation number}."""
    return state.setdefault("reverse_proxy", {})


def listed(state):
    return [copy.deepcopy(record["entry"]) for record in sorted(rules(state).values(), key=lambda r: r["order"])]


def valid_host(host, wildcard=False):
    if not isinstance(host, str) or not host or len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    if wildcard and host == "*":
        return True
    if wildcard and host.startswith("*."):
        host = host[2:]
    return all(HOST_LABEL.match(label) for label in host.rstrip(".").split("."))


def _port(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _check_entry(entry, others):
    if not isinstance(entry, dict):
        raise DSMError(4151)
    front, back = entry.get("frontend"), entry.get("backend")
    if not isinstance(entry.get("description"), str) or not isinstance(front, dict) or not isinstance(back, dict):
        raise DSMError(120)
    if front.get("protocol") not in (0, 1) or not _port(front.get("port")):
        raise DSMError(120)
    if not valid_host(front.get("fqdn"), wildcard=True):
        raise DSMError(120)
    if "https" in front and not isinstance(front["https"], dict):
        raise DSMError(120)
    if back.get("protocol") not in (0, 1) or not _port(back.get("port")):
        raise DSMError(120)
    if not valid_host(back.get("fqdn")):
        raise DSMError(4156)
    headers = entry.get("customize_headers", [])
    if not isinstance(headers, list):
        raise DSMError(120)
    seen = set()
    for header in headers:
        if not isinstance(header, dict) or not HEADER_NAME.match(str(header.get("name", ""))):
            raise DSMError(4164)
        value = header.get("value")
        if not isinstance(value, str) or any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise DSMError(4165)
        if header["name"].lower() in seen:
            raise DSMError(4166)
        seen.add(header["name"].lower())
    for key, code in TIMEOUT_CODES.items():
        value = entry.get(key, 60)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TIMEOUT:
            raise DSMError(code)
    if front["port"] in RESERVED_PORTS:
        raise DSMError(4155)
    for other in others:
        other_front = other["frontend"]
        if other_front["port"] != front["port"]:
            continue
        if other_front["protocol"] != front["protocol"]:
            raise DSMError(4155)
        if str(other_front["fqdn"]).lower() == front["fqdn"].lower():
            raise DSMError(4154)


def _entry(ctx):
    entry = ctx.params.get("entry")
    if not isinstance(entry, dict):
        raise DSMError(4151)  # missing, a bare string, a batch array, or flattened fields
    return copy.deepcopy(entry)


@method(API, "list")
def rp_list(ctx):
    return {"entries": listed(ctx.state)}


@method(API, "create", write=True)
def rp_create(ctx):
    entry = _entry(ctx)
    entry.pop("UUID", None)
    entry.pop("uuid", None)
    entry.pop("_key", None)
    store = rules(ctx.state)
    _check_entry(entry, [record["entry"] for record in store.values()])
    with rollback(ctx):
        rule_id = str(uuid.uuid4())
        entry["UUID"], entry["_key"] = rule_id, rule_id
        entry.setdefault("customize_headers", [])
        entry["frontend"].setdefault("acl", None)
        entry["frontend"].setdefault("https", {"hsts": False})
        order = max((record["order"] for record in store.values()), default=0) + 1
        store[rule_id] = {"entry": entry, "order": order}
        if entry["frontend"]["protocol"] == 1:
            from simnas.dsm.apis.certificate import list_new_rule

            list_new_rule(ctx.sim, rule_id, entry["frontend"]["fqdn"])
    return None  # DSM does not answer the new UUID


@method(API, "update", write=True)
def rp_update(ctx):
    entry = _entry(ctx)
    rule_id = entry.get("UUID") or entry.get("uuid")
    store = rules(ctx.state)
    if not isinstance(rule_id, str) or rule_id not in store:
        raise DSMError(120)
    if entry.get("_key") != store[rule_id]["entry"]["_key"]:
        raise DSMError(120)
    entry.pop("uuid", None)
    entry["UUID"] = rule_id
    _check_entry(entry, [record["entry"] for key, record in store.items() if key != rule_id])
    with rollback(ctx):
        store[rule_id]["entry"] = entry
    return None


@method(API, "delete", write=True)
def rp_delete(ctx):
    uuids = ctx.params.get("uuids")
    if not isinstance(uuids, list) or not all(isinstance(item, str) for item in uuids):
        raise DSMError(120)  # DSM wants a JSON array, even for one rule
    store = rules(ctx.state)
    if not uuids or any(rule_id not in store for rule_id in uuids):
        # An unknown UUID is refused as update refuses it, and nothing is deleted: a client must not
        # take "success" for proof that a rule it never listed is gone (simulator's choice: no public
        # capture shows DSM's answer; see the module docstring).
        raise DSMError(120)
    with rollback(ctx):
        for rule_id in uuids:
            # DSM leaves the rule's certificate binding behind (dsm-webapi.md §2.4).
            store.pop(rule_id)
    return None


class rollback:
    """Apply a change to the state, render nginx, and undo the change if nginx refuses it."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.saved = copy.deepcopy(ctx.state)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._undo()
            return False
        try:
            render(self.ctx.sim)
        except Exception as error:
            self._undo()
            self.ctx.sim.nginx_error = str(error)
            raise DSMError(100) from None
        return False

    def _undo(self):
        self.ctx.state.clear()
        self.ctx.state.update(self.saved)


def render(sim):
    """Render the rules (and their certificates) into the attached nginx, if any."""
    nginx = getattr(sim, "nginx", None)
    if nginx is None:
        return
    from simnas.dsm.apis.certificate import rule_certificates
    from simnas.dsm.apis.web import global_http2

    http2 = global_http2(sim) if sim.personality == "dsm7" else None
    nginx.apply(listed(sim.state.data), rule_certificates(sim), http2=http2)


def attach_nginx(sim, directory, start=True, **options):
    """Give the simulator a real nginx for its rules (simnas.nginx.ReverseProxyNginx options), started now.

    Stop it with sim.nginx.stop() (create_app()'s caller owns it, as it owns the HTTP servers).
    """
    from simnas.dsm.apis.certificate import default_certificate
    from simnas.nginx import ReverseProxyNginx

    sim.nginx = ReverseProxyNginx(directory, default_certificate(sim), **options)
    if start:
        with sim.lock:
            render(sim)
    return sim.nginx
