# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM reverse-proxy rules (SYNO.Core.AppPortal.ReverseProxy v1): the mapping module options <-> rule;
ReverseProxyRule, the Resource of the module dsm_reverse_proxy, and RuleCertificate, the certificate a rule is served
with (found, compared, moved), which the rule holds.

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

from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_certificate as certs
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
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


SUBSCRIBER = "ReverseProxy"
#: seconds to wait for CRT list to show a new rule (DSM lists it under the default certificate at once)
NEW_RULE_LISTED = 10


class RuleCertificate:
    """The certificate a reverse-proxy rule is served with: the one wanted (the module's option certificate, found
    once, before any write), what CRT list shows the rule under at the first read (before) and the last (after),
    and the binding moved, never doubled, when they differ (see _dsm_certificate.py)."""

    def __init__(self, client, wanted, source_host, restart_timeout, warn):
        self.client = client
        self.wanted = wanted  # the certificate option with state=present, else None
        self.source_host = source_host
        self.restart_timeout = restart_timeout
        self.warn = warn
        self.reads = 0
        self.target = None  # the certificate to bind (found once, before any write)
        self.before = []  # [(certificate, descriptor)] the rule is listed under at the first read
        self.after = []  # the same at the last read

    def read(self, rule, served):
        """Note what the rule is listed under; served: its binding matters without a wanted certificate."""
        self.reads += 1
        bindings = []
        if self.wanted or (rule is not None and served):
            certificates = certs.list_certificates(self.client)
            if self.wanted and self.target is None:
                self.target = certs.find_certificate(certificates, self.wanted)
            if rule is not None:
                bindings = certs.find_bindings(certificates, SUBSCRIBER, rule_id(rule))
        if self.reads == 1:
            self.before = bindings
        self.after = bindings

    def _wanted_id(self):
        """The id of the certificate the rule should be listed under alone, or None when it is right already."""
        bindings = self.before
        if self.target is not None:
            wanted = self.target["id"]
        elif len(bindings) > 1:
            # DSM's own entry plus one a first assignment added: the one that is not the default was meant.
            wanted = ([cert for cert, _d in bindings if not cert.get("is_default")] or [bindings[0][0]])[0]["id"]
        else:
            return None
        return None if [cert.get("id") for cert, _d in bindings] == [wanted] else wanted

    def differences(self, description):
        """["certificate"] when the binding must move; warns when DSM lists the rule under several."""
        if len(self.before) > 1:
            self.warn(
                "DSM lists the rule '{}' under {} certificates ({}) and serves only one of them; the module leaves "
                "it under {}".format(
                    description,
                    len(self.before),
                    ", ".join(_name(cert) for cert, _d in self.before),
                    _name(self.target) if self.target else "the one that is not the default",
                )
            )
        return ["certificate"] if self._wanted_id() is not None else []

    def _fresh_descriptor(self, rule):
        fqdn = (rule.get("frontend") or {}).get("fqdn") or self.source_host
        return certs.reverse_proxy_descriptor(rule_id(rule), fqdn, self.client.dsm_major())

    def bind_new(self, rule):
        """A new rule: moved to the wanted certificate, if any."""
        if self.target is not None:
            # DSM lists a new rule under its default certificate at once; that entry is moved, not doubled.
            listed = certs.settle(self.client, SUBSCRIBER, rule_id(rule), bool, budget=NEW_RULE_LISTED)
            certs.converge_binding(
                self.client, listed or [], self._fresh_descriptor(rule), self.target["id"], self.restart_timeout
            )

    def converge(self, rule):
        """An existing rule: moved when it is not listed under the wanted certificate alone."""
        wanted = self._wanted_id()
        if wanted is not None:
            certs.converge_binding(self.client, self.before, self._fresh_descriptor(rule), wanted, self.restart_timeout)

    def unbind(self):
        """Before the rule is deleted: unbound from each certificate but the default (failures are warnings)."""
        unbound = False
        for cert, descriptor in self.before:
            if cert.get("is_default"):
                continue  # an unbound service lands on the default certificate anyway
            try:
                if unbound:
                    certs.answering(self.client, self.restart_timeout)  # each change restarts DSM's web server
                certs.bind(self.client, descriptor, cert["id"], "", self.restart_timeout)
                unbound = True
            except ResourceError as exc:
                self.warn(
                    f"unbinding the certificate {_name(cert)} from the rule failed ({exc}); the rule is deleted "
                    "anyway and DSM may keep listing it under that certificate"
                )
        if unbound and not certs.answering(self.client, self.restart_timeout):
            self.warn(f"CRT list did not answer within {self.restart_timeout}s after the unbind")

    def report(self, result, check_mode):
        """With a wanted certificate: the one the rule is listed under, returned and in the diff."""
        if not self.wanted:
            return
        before = certs.summary(self.before[0][0]) if self.before else None
        if check_mode or self.reads < 2:
            after = certs.summary(self.target) if result.get("rule") else before
        else:
            after = certs.summary(self.after[0][0]) if self.after else None
        result["certificate"] = after
        diff = result.get("diff")
        if diff is not None:
            if diff.get("before"):
                diff["before"] = dict(diff["before"], certificate=before)
            if diff.get("after"):
                diff["after"] = dict(diff["after"], certificate=after)


class ReverseProxyRule(DSMResource):
    result_key = "rule"
    dsm_errors = dict(ERRORS, **certs.ERRORS)

    def __init__(self, module):
        super().__init__(module)
        self._certificate = None
        self._rules = []
        self._adopted = None  # {description, UUID} of a rule found by its frontend and taken over

    @property
    def certificate(self):
        """The rule's certificate binding; made at the first read (it holds the client, made after validate())."""
        if self._certificate is None:
            params = self.params
            self._certificate = RuleCertificate(
                self.client,
                params["certificate"] if params["state"] == "present" else None,
                params["source_host"],
                params["restart_timeout"],
                self.module.warn,
            )
        return self._certificate

    # --- reading ------------------------------------------------------------------------------
    def validate(self):
        super().validate()
        validate(self.params)

    def read(self):
        self._rules = list_rules(self.client)
        rule = find_rule(self._rules, self.params["description"])
        present = self.params["state"] == "present"
        if rule is None and present:
            # A rule made by hand (the setup guide's, for one) serves the frontend under another name: adopt it.
            rule = find_serving(self._rules, self.params)
            if rule is not None and self._adopted is None:
                self._adopted = adoption(rule)
        self.certificate.read(rule, not present or self.params["source_protocol"] == "https")
        return rule

    def desired(self, current):
        if current is None:
            self._check_frontend_free()
            return new_entry(self.params)
        return merged_entry(current, self.params)

    def _check_frontend_free(self):
        entry = entry_from_params(self.params)
        for rule in self._rules:
            if same_frontend(rule, entry):
                front = entry["frontend"]
                raise ResourceError(
                    f"source_host {front['fqdn']} with source_port {front['port']} is already served by the rule "
                    f"'{rule.get('description')}' (UUID {rule_id(rule)}); DSM allows one rule per host name and "
                    "port: change source_host/source_port, or manage that rule by its description"
                )

    def differences(self, current, desired):
        return differences(current, desired) + self.certificate.differences(self.params["description"])

    def predict(self, current, desired):
        return copy.deepcopy(desired)

    # --- writing ------------------------------------------------------------------------------
    def _find(self):
        rules = list_rules(self.client)
        rule = find_rule(rules, self.params["description"])
        if rule is None and self._adopted is not None:
            # The adopted rule until the update that renames it has landed.
            rule = next((r for r in rules if rule_id(r) == self._adopted["UUID"]), None)
        return rule

    def create(self, desired):
        self.client.call(
            API, "create", {"entry": desired}, version=1, write=True, confirm=lambda: self._find() is not None
        )
        rule = self._find()
        if rule is None:
            raise ResourceError(
                "{} create answered success, but no rule named '{}' is listed".format(API, self.params["description"])
            )
        self.certificate.bind_new(rule)

    def update(self, current, desired):
        if differences(current, desired):
            self.client.call(
                API,
                "update",
                {"entry": desired},
                version=1,
                write=True,
                confirm=lambda: not differences(self._find() or {}, desired),
            )
        self.certificate.converge(current)

    def delete(self, current):
        uuid = rule_id(current)
        self.certificate.unbind()
        self.client.call(API, "delete", {"uuids": [uuid]}, version=1, write=True, confirm=lambda: self._find() is None)

    # --- reporting ----------------------------------------------------------------------------
    def report(self, result):
        self.certificate.report(result, self.module.check_mode)
        if self._adopted is not None:
            result["adopted"] = self._adopted
            self.module.warn(
                "adopted the reverse-proxy rule '{description}' (UUID {UUID}), which already served {host}:{port}; "
                "it is updated in place and renamed '{name}'".format(
                    host=self.params["source_host"],
                    port=self.params["source_port"],
                    name=self.params["description"],
                    **self._adopted,
                )
            )
        rule = result.get("rule")
        if result.get("changed") and rule and self.params["http2"] is not None and managed_view(rule)["http2"] is None:
            self.module.warn(
                "DSM does not list frontend.https.http2 for this rule: DSM 7 offers HTTP/2 by its global switch "
                "(ankinas.synology.dsm_http2), not per rule"
            )


def _name(cert):
    subject = cert.get("subject") or {}
    return "'{}'".format(cert.get("desc") or subject.get("common_name") or cert.get("id"))
