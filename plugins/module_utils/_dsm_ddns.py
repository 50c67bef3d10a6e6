# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM DDNS (SYNO.Core.DDNS.*) through the one DSM client: the wire mapping, dsm_ddns and dsm_ddns_info.

PRIVATE to the collection: it can change at any time.

Reads (dsm-webapi.md §7.6, §10.2; shapes captured from real DSM): `SYNO.Core.DDNS.Provider list` ->
{providers: [{id, provider, website, url?}]} (a custom provider is `USER_<name>`); `SYNO.Core.DDNS.Record list`
-> {next_update_time, records: [{id, provider, hostname, username, enable, heartbeat, net, ip, ipv6, lastupdated,
status}]}, never a password, id = provider; `SYNO.Core.DDNS.ExtIP list` v2 -> [{ip, ipv6, type}] with
0.0.0.0 / 0:0:0:0:0:0:0:0 for none (ychiu1211/dsmctl, live); `SYNO.Core.MyDSCenter query` v2 -> {account,
activated, is_logged_in} (dsmctl, live). Each is a contract of _dsm_contracts.py.

Writes: UNVERIFIED, no public client that ran against DSM is known to have created a record. They are kept to what
ApaipaiLtd/dsm_helper (a shipped app used against DSM 7.x) sends: `set` with id and provider spelled `*<name>` for a
custom provider, hostname, username, net, ip, ipv6, enable, heartbeat, and passwd only when it changes; `delete`
with id as a JSON array; `update_ip_address` with the id after each save; `test` with the provider spelled
`USER_<name>`. `create` (which dsm_helper never reaches) sends set's fields without id, with dsm_helper's defaults
for a new record (net "DEFAULT", ip/ipv6 from ExtIP or "-"); yuangy1995/dsm-native-client lists the same fields
from a DSM 7.2.1 request log. A capture from a real DSM changes this file only.

Synology's own *.synology.me names are registered in DSM with the Synology Account (no public wire shape for
SYNO.Core.DDNS.Synology register_hostname): the module reads and reports them, and never writes them.
No DDNS error code table is public: DSM reports provider failures in a record's status, and other refusals with the
common codes, so ERRORS is empty.
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
from ansible_collections.ankinas.synology.plugins.module_utils._resource import MASK, ResourceError

RECORD_API = "SYNO.Core.DDNS.Record"
PROVIDER_API = "SYNO.Core.DDNS.Provider"
EXTIP_API = "SYNO.Core.DDNS.ExtIP"
MYDS_API = "SYNO.Core.MyDSCenter"
APIS = (RECORD_API, PROVIDER_API, EXTIP_API, MYDS_API)

#: DSM publishes no DDNS error codes; refusals come with the common codes (see the module docstring)
ERRORS = {}

SYNOLOGY = "Synology"
NORMAL = "service_ddns_normal"
NO_IPV4 = "0.0.0.0"  # noqa: S104 - DSM's "no address", compared, never bound
NO_IPV6 = "0:0:0:0:0:0:0:0"
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
#: where a user registers Synology's own names (DSM 7.2, 7.3)
SYNOLOGY_STEP = (
    "DSM registers Synology's own names itself, once, with the Synology Account it is signed in to: Control Panel > "
    "External Access > DDNS > Add > Service provider: Synology, then the host name (sign in to the Synology Account "
    "first: Control Panel > Synology Account). No public description of that API exists, so the module cannot do it"
)
CUSTOM_STEP = "add a custom provider in DSM: Control Panel > External Access > DDNS > Customize Provider"


# --- pure logic (unit-tested) -----------------------------------------------------------------------------------------
def wire_spelling(listed):
    """A custom provider as dsm_helper's set/update send it: USER_name -> *name; others unchanged."""
    return "*" + listed[len("USER_") :] if listed.startswith("USER_") else listed


def resolve_provider(listed_ids, given):
    """The listed provider id that given names (exact, *name or USER_name for a custom one, then case-insensitive)."""
    candidates = [given]
    if given.startswith("*"):
        candidates.append("USER_" + given[1:])
    elif not given.startswith("USER_"):
        candidates.append("USER_" + given)
    for candidate in candidates:
        if candidate in listed_ids:
            return candidate
    lowered = {listed.lower(): listed for listed in listed_ids}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def is_synology(provider):
    return provider.lower() == SYNOLOGY.lower()


def valid_hostname(name):
    labels = (name or "").rstrip(".").split(".")
    return len(labels) >= 2 and len(name) <= 253 and all(HOST_LABEL.match(label) for label in labels)


def _address(value, none):
    value = (value or "").strip()
    return None if value in ("", "-", none) else value


def shape_record(entry):
    """A Record list entry as the modules return it (DSM lists no password)."""
    return {
        "provider": entry.get("provider"),
        "hostname": entry.get("hostname"),
        "username": entry.get("username"),
        "enabled": bool(entry.get("enable")),
        "heartbeat": bool(entry.get("heartbeat")),
        "status": entry.get("status"),
        "ip": _address(entry.get("ip"), NO_IPV4),
        "ipv6": _address(entry.get("ipv6"), NO_IPV6),
        "last_updated": entry.get("lastupdated") or None,
    }


def record_differences(current, desired):
    """The compared keys that differ: hostname (case-insensitive), username, enabled, heartbeat, and password when
    the module sends one (DSM never lists it, so sending it is a change)."""
    changed = []
    if (current.get("hostname") or "").lower().rstrip(".") != (desired.get("hostname") or "").lower().rstrip("."):
        changed.append("hostname")
    for key in ("username", "enabled", "heartbeat"):
        if current.get(key) != desired.get(key):
            changed.append(key)
    if desired.get("password") == MASK:
        changed.append("password")
    return changed


def external_addresses(answer):
    """ExtIP list as [{ip, ipv6, type}] with DSM's 'none' values as None."""
    found = []
    for entry in answer if isinstance(answer, list) else []:
        if isinstance(entry, dict):
            found.append(
                {
                    "ip": _address(entry.get("ip"), NO_IPV4),
                    "ipv6": _address(entry.get("ipv6"), NO_IPV6),
                    "type": entry.get("type"),
                }
            )
    return found


def first_ip(addresses):
    return next((address["ip"] for address in addresses if address["ip"]), None)


# --- the calls --------------------------------------------------------------------------------------------------------
class DDNSClient:
    """The DDNS calls on one DSM client."""

    def __init__(self, client):
        self.client = client

    def providers(self):
        data = self.client.call(PROVIDER_API, "list", version=1)
        return [
            entry.get("provider") or entry.get("id")
            for entry in (data or {}).get("providers") or []
            if isinstance(entry, dict) and (entry.get("provider") or entry.get("id"))
        ]

    def records(self):
        """[(listed record, shaped record)]."""
        data = self.client.call(RECORD_API, "list", version=1)
        return [(entry, shape_record(entry)) for entry in (data or {}).get("records") or [] if isinstance(entry, dict)]

    def record(self, provider):
        return next(((raw, shaped) for raw, shaped in self.records() if raw.get("provider") == provider), (None, None))

    def external(self):
        # As dsmctl reads it on DSM 7.3 (no parameters; dsm_helper adds retry=true).
        return external_addresses(self.client.call(EXTIP_API, "list", version=(1, 2)))

    def account(self):
        """{signed_in, account}: the Synology Account DSM is signed in to (signed_in None: DSM has no MyDSCenter)."""
        if not self.client.has_api(MYDS_API):
            return {"signed_in": None, "account": None}
        data = self.client.call(MYDS_API, "query", version=(1, 2))
        return {"signed_in": bool(data.get("is_logged_in")), "account": data.get("account") or None}


# --- dsm_ddns ---------------------------------------------------------------------------------------------------------
OPTIONS = dict(
    provider=dict(type="str", required=True),
    hostname=dict(type="str", required=True),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", choices=["always", "on_create"], default="on_create"),
    enabled=dict(type="bool"),
    heartbeat=dict(type="bool"),
    test=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)
#: the options that write a record, refused with provider Synology (read and reported only)
WRITE_OPTIONS = ("username", "password", "enabled", "heartbeat")


class DDNSRecord(DSMResource):
    """A DDNS record of a provider DSM lists; one per provider (DSM's list keys records by provider)."""

    result_key = "record"
    compared_keys = ("hostname", "username", "enabled", "heartbeat")
    dsm_errors = ERRORS

    def __init__(self, module):
        super().__init__(module)
        self.provider = None
        self._raw = None
        #: the record being written (create/update), for the fields of the call
        self.desired_now = {}

    @property
    def ddns(self):
        return DDNSClient(self.client)

    def validate(self):
        super().validate()
        params = self.params
        if not (params["provider"] or "").strip():
            raise ResourceError("provider must name a DDNS service provider as DSM lists it (like No-IP.com)")
        if not valid_hostname(params["hostname"]):
            raise ResourceError("hostname must be a fully qualified host name, like anki.example.org")
        if is_synology(params["provider"]):
            given = [name for name in (*WRITE_OPTIONS, "test") if params[name] not in (None, False)]
            if given or params["state"] == "absent":
                named = ", ".join(given) if given else "state=absent"
                raise ResourceError(f"{named}: the module only reads the record of provider Synology. {SYNOLOGY_STEP}")
            return
        if params["state"] == "present" and not params["username"]:
            raise ResourceError(f"username is required for a record of provider {params['provider']}")
        if params["test"] and not params["password"]:
            raise ResourceError("test needs password (DSM tests the provider with the credentials given)")

    def read(self):
        listed = self.ddns.providers()
        provider = resolve_provider(listed, self.params["provider"])
        if provider is None:
            customs = [name for name in listed if name.startswith("USER_")]
            raise ResourceError(
                f"provider {self.params['provider']} is not one DSM lists ({', '.join(listed)}); "
                + ("its custom providers are " + ", ".join(customs) if customs else "to use your own, " + CUSTOM_STEP)
            )
        self.provider = provider
        self._raw, shaped = self.ddns.record(provider)
        return dict(shaped) if shaped else None

    def desired(self, current):
        params = self.params
        if is_synology(self.provider):
            if current is None or current["hostname"].lower() != params["hostname"].lower():
                where = f" (DSM has {current['hostname']})" if current else ""
                raise ResourceError(f"{params['hostname']} is not registered in DSM{where}. {SYNOLOGY_STEP}")
            return dict(current)
        if current is None and not params["password"]:
            raise ResourceError(f"password is required to create the record of provider {self.provider}")
        base = current or {"enabled": True, "heartbeat": False}
        wanted = {
            "provider": self.provider,
            "hostname": params["hostname"],
            "username": params["username"],
            "enabled": base["enabled"] if params["enabled"] is None else params["enabled"],
            "heartbeat": base["heartbeat"] if params["heartbeat"] is None else params["heartbeat"],
        }
        if params["password"] and (current is None or params["update_password"] == "always"):  # noqa: S105
            wanted["password"] = MASK  # the value itself stays in params, never in an object
        return wanted

    def differences(self, current, desired):
        return record_differences(current, desired)

    def predict(self, current, desired):
        predicted = dict(current or {"status": None, "ip": None, "ipv6": None, "last_updated": None})
        predicted.update(desired)
        return predicted

    def _test(self):
        if not self.params["test"]:
            return
        params = dict(self._fields(self._new_defaults()), provider=self.provider, enable=True)
        params["passwd"] = self.params["password"]
        status = self.client.call(RECORD_API, "test", params, version=1).get("status")
        if status != NORMAL:
            raise ResourceError(
                f"DSM tested provider {self.provider} with these credentials and host name and got {status!r}, not "
                f"{NORMAL}; nothing was changed"
            )

    def _new_defaults(self):
        ext = self.ddns.external()
        first = ext[0] if ext else {}
        return {"net": "DEFAULT", "ip": first.get("ip") or "-", "ipv6": first.get("ipv6") or "-"}

    def _fields(self, network):
        params = self.params
        desired = self.desired_now
        return {
            "hostname": params["hostname"],
            "username": params["username"],
            "enable": desired["enabled"],
            "heartbeat": desired["heartbeat"],
            "net": network["net"],
            "ip": network["ip"],
            "ipv6": network["ipv6"],
        }

    def create(self, desired):
        self.desired_now = desired
        self._test()
        fields = self._fields(self._new_defaults())
        fields = dict(provider=wire_spelling(self.provider), **fields, passwd=self.params["password"])
        self.client.call(
            RECORD_API, "create", fields, version=1, write=True, confirm=lambda: self.ddns.record(self.provider)[1]
        )
        self._update_ip()

    def update(self, current, desired):
        self.desired_now = desired
        self._test()
        raw = self._raw
        # set carries the listed network fields back unchanged, as dsm_helper does.
        network = {
            key: raw.get(key) if raw.get(key) is not None else default
            for key, default in (("net", "DEFAULT"), ("ip", "-"), ("ipv6", "-"))
        }
        fields = dict(id=wire_spelling(raw.get("id") or self.provider), provider=wire_spelling(self.provider))
        fields.update(self._fields(network))

        def landed():
            return not record_differences(self.ddns.record(self.provider)[1] or {}, desired)

        # Without a password the listed record shows whether a lost answer's write landed; with one it cannot.
        confirm = landed
        if "password" in desired:
            fields["passwd"] = self.params["password"]
            confirm = None
        self.client.call(RECORD_API, "set", fields, version=1, write=True, confirm=confirm)
        self._update_ip()

    def _update_ip(self):
        # dsm_helper asks DSM to update the address after each save; DSM does it in the background.
        try:
            self.client.call(
                RECORD_API, "update_ip_address", {"id": wire_spelling(self.provider)}, version=1, write=True
            )
        except DSMAPIError as exc:
            self.module.warn(f"the record was saved, but DSM did not start its address update: {exc}")

    def delete(self, current):
        record_id = (self._raw or {}).get("id") or self.provider
        self.client.call(
            RECORD_API,
            "delete",
            {"id": [record_id]},
            version=1,
            write=True,
            confirm=lambda: self.ddns.record(self.provider)[1] is None,
        )

    def report(self, result):
        addresses = self.ddns.external()
        result["external_addresses"] = addresses
        result["external_ip"] = first_ip(addresses)
        record = result.get("record") or {}
        if is_synology(self.provider or ""):
            account = self.ddns.account()
            result["synology_account"] = account
            if not account["signed_in"]:
                self.module.warn(
                    "DSM is not signed in to a Synology Account, so it does not update "
                    f"{record.get('hostname')}: sign in at Control Panel > Synology Account"
                )
        if record and record.get("enabled") and record.get("status") not in (NORMAL, "loading", None):
            self.module.warn(
                f"DSM reports the record of {self.provider} as {record.get('status')}: check the provider's "
                "account and the host name (Control Panel > External Access > DDNS)"
            )


# --- dsm_ddns_info ----------------------------------------------------------------------------------------------------
def gather(client):
    ddns = DDNSClient(client)
    addresses = ddns.external()
    return {
        "providers": ddns.providers(),
        "records": [shaped for _raw, shaped in ddns.records()],
        "external_addresses": addresses,
        "external_ip": first_ip(addresses),
        "synology_account": ddns.account(),
    }
