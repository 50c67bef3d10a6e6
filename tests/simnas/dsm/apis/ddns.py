"""SYNO.Core.DDNS.Record list and SYNO.Core.DDNS.ExtIP list, read only (DDNS records come with issue #26).

Shapes from dsm-webapi.md §10.2 (ychiu1211/dsmctl ddnsRecordOp and ddnsExtIPOp, live reads on DSM 7.3; mikespub's
recorded answers): Record list {records: [{id, provider, hostname, ...}], next_update_time}, ExtIP list a list of
{ip, ipv6, type}, where 0.0.0.0 and 0:0:0:0:0:0:0:0 mean no address. The simulated NAS has no DDNS record and no
external address (it is not on the internet).
"""

from simnas.dsm.registry import declare_api, method

declare_api("SYNO.Core.DDNS.Record", dsm7=(1, 1), dsm6=(1, 1))
declare_api("SYNO.Core.DDNS.ExtIP", dsm7=(1, 2), dsm6=(1, 1))


@method("SYNO.Core.DDNS.Record", "list")
def record_list(ctx):
    return {"records": list(ctx.state.get("ddns_records", [])), "next_update_time": ""}


@method("SYNO.Core.DDNS.ExtIP", "list")
def external_ip(ctx):
    return [{"ip": "0.0.0.0", "ipv6": "0:0:0:0:0:0:0:0", "type": "WAN"}]  # noqa: S104 - DSM's "no address"
