"""DDNS: providers, records, the external address, and Synology's own *.synology.me service (read only).

After dsm-webapi.md §7.6 and §10.2 "DDNS":
- `SYNO.Core.DDNS.Provider list` -> {providers: [{id, provider, website, url?}]}; a custom provider is listed as
  `USER_<name>` with its query URL (dsm_helper public_access.dart keeps USER_* and the url-less built-ins).
- `SYNO.Core.DDNS.Record list` -> {next_update_time, records: [{id, provider, hostname, username, enable, heartbeat,
  net, ip, ipv6, lastupdated, status}]}; never a password. A record's id is its provider (a real capture in the
  Home Assistant synology_dsm test payloads: id "Synology", provider "Synology"); statuses service_ddns_normal,
  service_ddns_error_unknown, disabled, loading (dsm_helper edit_ddns.dart).
- writes, from dsm_helper (an app that ran against DSM 7.x) where it sends them: `set` (id and provider spelled
  `*<name>` for a custom provider, every field a JSON literal, passwd only when changed), `delete` (id as a JSON
  array), `update_ip_address` (optional id), `test` (provider spelled `USER_<name>`). `create`: no public client
  sends it; its fields here are set's without id (yuangy1995/dsm-native-client's field list, a DSM 7.2.1 UI request
  log never executed). The simulator takes both spellings of a custom provider wherever one is sent.
- `SYNO.Core.DDNS.ExtIP list` (v1/v2, `retry`) -> [{ip, ipv6, type: "WAN"}], 0.0.0.0 / 0:0:0:0:0:0:0:0 for none
  (dsmctl decodeDDNSExternalAddresses, live; the Home Assistant payload).
- `SYNO.Core.DDNS.Synology get_myds_account` -> {email} (dsm_helper); `SYNO.Core.MyDSCenter query` (v2) ->
  {account, activated, is_logged_in} (dsmctl externalaccess, live read).
The reads answer the shapes of the collection's table of DSM contracts (_dsm_contracts.py: ddns_record_list,
ddns_provider_list, ddns_external_ip, myds_account); tests/pytest/simulator/test_contracts_on_the_simulator.py holds
the simulator to it. No public client registers a *.synology.me
  name (register_hostname's parameters are unknown): the simulator offers none of those methods, and a record of the
  Synology provider exists only when the NAS was made with one (Simulator(synology_ddns_hostname=...)).

SIMULATOR CHOICES (no public source): one record per provider (a second create answers 120); an unknown provider or
record id answers 120; a missing field answers 114; a record is "loading" after a save until update_ip_address (or
DSM's periodic update) runs, then "service_ddns_normal" ("disabled" when not enabled); `test` answers
service_ddns_normal when a password was given, service_ddns_error_unknown otherwise.
"""

import time

from simnas.dsm.registry import DSMError, declare_api, method

RECORD = "SYNO.Core.DDNS.Record"
PROVIDER = "SYNO.Core.DDNS.Provider"
EXTIP = "SYNO.Core.DDNS.ExtIP"
SYNOLOGY = "SYNO.Core.DDNS.Synology"
MYDS = "SYNO.Core.MyDSCenter"

declare_api(RECORD, dsm7=(1, 1), dsm6=(1, 1))
declare_api(PROVIDER, dsm7=(1, 1), dsm6=(1, 1))
declare_api(EXTIP, dsm7=(1, 2), dsm6=(1, 1))
declare_api(SYNOLOGY, dsm7=(1, 1), dsm6=(1, 1))
declare_api(MYDS, dsm7=(1, 2), dsm6=(1, 1))

#: a part of DSM 7.2's built-in list (id = provider name; website for the UI, no query URL)
BUILT_IN = {
    "Synology": "https://account.synology.com",
    "No-IP.com": "https://www.noip.com",
    "DynDNS": "https://account.dyn.com",
    "FreeDNS": "https://freedns.afraid.org",
    "Selfhost.de": "https://selfhost.de",
    "Cloudflare": "https://www.cloudflare.com",
}
NO_IPV6 = "0:0:0:0:0:0:0:0"
FIELDS = ("hostname", "username", "enable", "heartbeat", "net", "ip", "ipv6")


def providers(sim):
    """{listed id: provider entry}."""
    found = {name: {"id": name, "provider": name, "website": site} for name, site in BUILT_IN.items()}
    for name, url in sim.ddns_custom_providers.items():
        listed = f"USER_{name}"
        found[listed] = {"id": listed, "provider": listed, "website": "", "url": url}
    return found


def listed_spelling(sim, value):
    """The listed id of a provider sent as listed (USER_x), as dsm_helper's set sends it (*x), or None."""
    if not isinstance(value, str):
        return None
    if value.startswith("*"):
        value = "USER_" + value[1:]
    return value if value in providers(sim) else None


def records(ctx):
    data = ctx.state.setdefault("ddns", {"records": {}})
    sim = ctx.sim
    if sim.synology_ddns_hostname and "Synology" not in data["records"] and not data.get("synology_seeded"):
        data["synology_seeded"] = True
        data["records"]["Synology"] = {
            "hostname": sim.synology_ddns_hostname,
            "username": sim.myds_account or "",
            "passwd": None,
            "enable": True,
            "heartbeat": True,
            "net": "DEFAULT",
            "ip": sim.external_ip,
            "ipv6": NO_IPV6,
            "lastupdated": _now(),
            "status": "service_ddns_normal" if sim.myds_account else "service_ddns_error_unknown",
        }
    return data["records"]


def _now():
    return time.strftime("%Y-%m-%d %H:%M", time.localtime())


@method(PROVIDER, "list")
def provider_list(ctx):
    return {"providers": list(providers(ctx.sim).values())}


@method(RECORD, "list")
def record_list(ctx):
    shown = []
    for provider, record in sorted(records(ctx).items()):
        entry = {key: record[key] for key in (*FIELDS, "lastupdated", "status")}
        entry.update(id=provider, provider=provider, interface_v4="", interface_v6="")
        shown.append(entry)
    return {"next_update_time": _now(), "records": shown}


def _fields(ctx, required):
    params = ctx.params
    for key in required:
        if key not in params:
            raise DSMError(114)
    values = {}
    for key in FIELDS:
        if key not in params:
            continue
        value = params[key]
        expected = bool if key in ("enable", "heartbeat") else str
        if not isinstance(value, expected):
            raise DSMError(120)
        values[key] = value
    if "passwd" in params:
        if not isinstance(params["passwd"], str):
            raise DSMError(120)
        values["passwd"] = params["passwd"]
    return values


@method(RECORD, "create", write=True)
def record_create(ctx):
    provider = listed_spelling(ctx.sim, ctx.params.get("provider"))
    if provider is None or provider == "Synology":
        raise DSMError(120)  # no public source shows a *.synology.me registration through this API
    values = _fields(ctx, ("provider", "hostname", "username", "passwd"))
    stored = records(ctx)
    if provider in stored:
        raise DSMError(120)
    record = {"enable": True, "heartbeat": False, "net": "DEFAULT", "ip": "-", "ipv6": "-", "lastupdated": ""}
    record.update(values)
    record["status"] = "loading" if record["enable"] else "disabled"
    stored[provider] = record
    return {}


@method(RECORD, "set", write=True)
def record_set(ctx):
    stored = records(ctx)
    record_id = listed_spelling(ctx.sim, ctx.params.get("id"))
    if record_id is None or record_id not in stored:
        raise DSMError(120)
    provider = listed_spelling(ctx.sim, ctx.params.get("provider"))
    if provider != record_id or provider == "Synology":
        raise DSMError(120)
    values = _fields(ctx, ("provider", "hostname", "username"))
    record = stored[record_id]
    record.update(values)
    record["status"] = "loading" if record["enable"] else "disabled"
    return {}


@method(RECORD, "delete", write=True)
def record_delete(ctx):
    ids = ctx.params.get("id")
    if not isinstance(ids, list) or not ids:
        raise DSMError(120)  # a bare id (the public Ansible collection's trap) is not the array DSM takes
    stored = records(ctx)
    wanted = [listed_spelling(ctx.sim, value) for value in ids]
    if any(value is None or value not in stored for value in wanted):
        raise DSMError(120)
    for value in wanted:
        del stored[value]
    return {}


@method(RECORD, "update_ip_address", write=True)
def record_update_ip_address(ctx):
    stored = records(ctx)
    wanted = ctx.params.get("id")
    if wanted is None:
        chosen = list(stored)
    else:
        record_id = listed_spelling(ctx.sim, wanted)
        if record_id is None or record_id not in stored:
            raise DSMError(120)
        chosen = [record_id]
    for record_id in chosen:
        record = stored[record_id]
        if not record["enable"]:
            record["status"] = "disabled"
            continue
        record["ip"] = ctx.sim.external_ip or "-"
        record["lastupdated"] = _now()
        record["status"] = "service_ddns_normal"
    return {}


@method(RECORD, "test")
def record_test(ctx):
    # dsm_helper sends test with the provider spelled USER_x; it reaches the provider and saves nothing.
    if listed_spelling(ctx.sim, ctx.params.get("provider")) is None:
        raise DSMError(120)
    values = _fields(ctx, ("provider", "hostname", "username"))
    ok = bool(values.get("passwd"))
    return {"status": "service_ddns_normal" if ok else "service_ddns_error_unknown"}


@method(EXTIP, "list")
def extip_list(ctx):
    return [{"ip": ctx.sim.external_ip or "0.0.0.0", "ipv6": NO_IPV6, "type": "WAN"}]  # noqa: S104 - DSM's "none"


@method(SYNOLOGY, "get_myds_account")
def synology_myds_account(ctx):
    return {"email": ctx.sim.myds_account or ""}


@method(MYDS, "query")
def mydscenter_query(ctx):
    account = ctx.sim.myds_account
    return {"account": account or "", "activated": bool(account), "is_logged_in": bool(account)}
