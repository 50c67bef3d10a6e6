# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM reverse-proxy rules (SYNO.Core.AppPortal.ReverseProxy v1): the mapping module options <-> rule.

PRIVATE to the collection: it can change at any time.

A rule as DSM lists it (dsm-webapi.md §2):
  {"UUID", "_key", "description",
   "frontend": {"fqdn", "port", "protocol": 0 http | 1 https, "https": {"hsts", "http2"?}, "acl"},
   "backend": {"fqdn", "port", "protocol"},
   "customize_headers": [{"name", "value"}], "proxy_connect_timeout", "proxy_read_timeout",
   "proxy_send_timeout", "proxy_http_version": 1, "proxy_intercept_errors": false, ...}
"""

import copy
import ipaddress
import re

from ansible_collections.ankinas.synology.plugins.module_utils._resource import OptionNames, ResourceError

API = "SYNO.Core.AppPortal.ReverseProxy"
PROTOCOLS = {"http": 0, "https": 1}
WEBSOCKET_HEADERS = (("Upgrade", "$http_upgrade"), ("Connection", "$connection_upgrade"))
TIMEOUTS = ("proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout")
MAX_TIMEOUT = 86400
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")

#: DSM error codes of the reverse-proxy API (a module passes them to its client)
ERRORS = {
    "SYNO.Core.AppPortal": {
        4151: "The rule (entry) is missing or is not one JSON object",
        4154: "Another rule already serves this host name and port",
        4155: "The port is already in use",
        4156: "Invalid destination host",
        4164: "Invalid custom header name",
        4165: "Invalid custom header value",
        4166: "Duplicated custom header name",
        4168: "Invalid proxy timeout",
        4169: "Invalid proxy timeout",
        4170: "Invalid proxy timeout",
    },
}


def rule_id(rule):
    """The rule's UUID; DSM 7 lists it as UUID, the lowercase form is accepted defensively."""
    return rule.get("UUID") or rule.get("uuid")


def list_rules(client):
    data = client.call(API, "list", version=1)
    entries = data.get("entries") if isinstance(data, dict) else None
    return [entry for entry in entries or [] if isinstance(entry, dict)]


def find_rule(rules, description):
    """The one rule with this description, or None; several with it is an error (no guessing)."""
    found = [rule for rule in rules if rule.get("description") == description]
    if len(found) > 1:
        uuids = ", ".join(str(rule_id(rule)) for rule in found)
        raise ResourceError(
            f"description: {len(found)} reverse-proxy rules are named '{description}' (UUIDs {uuids}); the module "
            "identifies a rule by its description, so rename or delete the extra ones in DSM (Control Panel > "
            "Login Portal > Advanced > Reverse Proxy)"
        )
    return found[0] if found else None


def find_serving(rules, params):
    """The rule that already serves source_host:source_port under another description (to adopt), or None."""
    entry = entry_from_params(params)
    found = [rule for rule in rules if same_frontend(rule, entry) and rule.get("description") != params["description"]]
    return found[0] if len(found) == 1 else None


def adoption(rule):
    """What the module reports about a rule it adopted: its old description and UUID."""
    return {"description": rule.get("description"), "UUID": rule_id(rule)}


# --- validation ---------------------------------------------------------------------------------
def valid_host(host, wildcard=False):
    """A DNS name (labels of letters, digits and '-'), an IPv4/IPv6 address, or (wildcard) *.name."""
    if not isinstance(host, str) or not host or len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    if wildcard and host.startswith("*."):
        host = host[2:]
    return all(HOST_LABEL.match(label) for label in host.rstrip(".").split("."))


def headers_of(params):
    """The rule's customize_headers: the WebSocket preset (when on), then the custom headers."""
    headers = [{"name": name, "value": value} for name, value in WEBSOCKET_HEADERS] if params["websocket"] else []
    headers += [{"name": h["name"], "value": h["value"]} for h in params.get("custom_headers") or []]
    return headers


def validate(params, names=None):
    """Check the rule options before any call; each message names the option and the fix.

    names: {option: the name the user wrote} (a role's variables); an option not in it is named as itself.
    """
    named = OptionNames(names)
    description = params["description"]
    if not description.strip() or any(ord(char) < 32 for char in description):
        raise ResourceError(f"{named('description')} must be a non-empty, single-line name for the rule")
    if params["state"] == "absent":
        return
    for option in ("source_host", "destination_host"):
        value = params.get(option)
        if value is None or not str(value).strip():
            raise ResourceError(f"{named(option)} must not be empty: give the host name of the rule")
    if not valid_host(params["source_host"], wildcard=True):
        raise ResourceError(
            "{} '{}' is not a valid host name: use letters, digits, '-' and dots (for example "
            "anki.example.com), an IP address, or *.example.com".format(named("source_host"), params["source_host"])
        )
    if not valid_host(params["destination_host"]):
        raise ResourceError(
            f"{named('destination_host')} '{params['destination_host']}' is not a valid host name or IP address "
            "(for example localhost or 192.168.1.10)"
        )
    for option in ("source_port", "destination_port"):
        value = params.get(option)
        if value is None or not 1 <= value <= 65535:
            raise ResourceError(f"{named(option)} must be a port from 1 to 65535 (got {value})")
    for option in TIMEOUTS:
        if not 1 <= params[option] <= MAX_TIMEOUT:
            raise ResourceError(f"{named(option)} must be from 1 to {MAX_TIMEOUT} seconds (got {params[option]})")
    headers = named("custom_headers")
    seen = {}
    for index, header in enumerate(headers_of(params)):
        name, value = header["name"], header["value"]
        if not HEADER_NAME.match(name or ""):
            raise ResourceError(
                f"{headers}: the header name '{name}' is invalid; DSM accepts only letters, digits and '-'"
            )
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ResourceError(f"{headers}: the value of header '{name}' must be one line of text")
        if name.lower() in seen:
            preset = params["websocket"] and index >= len(WEBSOCKET_HEADERS) > seen[name.lower()]
            raise ResourceError(
                "{}: the header '{}' is given twice{}".format(
                    headers,
                    name,
                    "; {}=true already sets it, so drop it or set {}=false".format(
                        named("websocket"), named("websocket")
                    )
                    if preset
                    else "",
                )
            )
        seen[name.lower()] = index
    if params.get("certificate") is not None:
        if not params["certificate"].strip():
            raise ResourceError(
                f"{named('certificate')} must name a certificate (CN, SAN or description), or be omitted"
            )
        if params["source_protocol"] != "https":
            raise ResourceError(
                f"{named('certificate')} needs {named('source_protocol')}=https: DSM binds certificates to HTTPS rules"
            )


# --- mapping ------------------------------------------------------------------------------------
def entry_from_params(params):
    """The managed part of a rule, shaped as DSM's entry."""
    https = {"hsts": params["hsts"]}
    if params.get("http2") is not None:
        https["http2"] = params["http2"]  # DSM 6.2's per-rule key; DSM 7 follows its global switch
    entry = {
        "description": params["description"],
        "frontend": {
            "fqdn": params["source_host"],
            "port": params["source_port"],
            "protocol": PROTOCOLS[params["source_protocol"]],
            "https": https,
        },
        "backend": {
            "fqdn": params["destination_host"],
            "port": params["destination_port"],
            "protocol": PROTOCOLS[params["destination_protocol"]],
        },
        "customize_headers": headers_of(params),
        "proxy_http_version": 1,
    }
    for option in TIMEOUTS:
        entry[option] = params[option]
    return entry


def new_entry(params):
    """The entry of a create: the managed fields plus DSM's defaults for the rest."""
    entry = entry_from_params(params)
    entry["frontend"]["acl"] = None
    entry["proxy_intercept_errors"] = False
    return entry


def merged_entry(current, params):
    """The entry of an update: the rule as listed (UUID, _key, acl, unknown fields kept), managed fields over it."""
    entry = copy.deepcopy(current)
    managed = entry_from_params(params)
    for key, value in managed.items():
        if key in ("frontend", "backend") and isinstance(entry.get(key), dict):
            side = entry[key]
            for sub, sub_value in value.items():
                if sub == "https" and isinstance(side.get("https"), dict):
                    side["https"].update(sub_value)
                else:
                    side[sub] = sub_value
        else:
            entry[key] = value
    if "UUID" not in entry and "uuid" in entry:
        entry["UUID"] = entry["uuid"]
    return entry


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def managed_view(entry):
    """The managed fields of a rule, normalised (host case, header-name case, types), named like the options.

    http2 is None when DSM does not list it (DSM 7 list captures carry only https.hsts).
    """
    front = entry.get("frontend") or {}
    back = entry.get("backend") or {}
    https = front.get("https") if isinstance(front.get("https"), dict) else {}
    view = {
        "description": entry.get("description"),
        "source_protocol": "https" if _int(front.get("protocol")) == 1 else "http",
        "source_host": str(front.get("fqdn") or "").rstrip(".").lower(),
        "source_port": _int(front.get("port")),
        "hsts": bool(https.get("hsts", False)),
        "http2": bool(https["http2"]) if "http2" in https else None,
        "destination_protocol": "https" if _int(back.get("protocol")) == 1 else "http",
        "destination_host": str(back.get("fqdn") or "").rstrip(".").lower(),
        "destination_port": _int(back.get("port")),
        "custom_headers": sorted(
            (str(h.get("name", "")).lower(), str(h.get("value", "")))
            for h in entry.get("customize_headers") or []
            if isinstance(h, dict)
        ),
        "proxy_http_version": _int(entry.get("proxy_http_version"), 1),
    }
    for option in TIMEOUTS:
        view[option] = _int(entry.get(option), 60)
    return view


def differences(current, desired):
    """Option names whose managed values differ; http2 only when it is set and DSM lists it."""
    have, want = managed_view(current), managed_view(desired)
    changed = []
    for key, value in want.items():
        if key == "http2" and (have[key] is None or value is None):
            continue
        if have[key] != value:
            changed.append(key)
    return changed


def same_frontend(rule, entry):
    front, other = rule.get("frontend") or {}, entry["frontend"]
    return (
        _int(front.get("port")) == other["port"]
        and str(front.get("fqdn") or "").rstrip(".").lower() == other["fqdn"].rstrip(".").lower()
    )
