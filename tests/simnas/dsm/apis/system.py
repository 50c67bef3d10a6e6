"""SYNO.DSM.Info getinfo (v2 only) and SYNO.Core.System info: what DSM and which model this NAS is."""

from simnas.dsm.apis import region
from simnas.dsm.registry import declare_api, method

declare_api("SYNO.DSM.Info", dsm7=(1, 2), dsm6=(1, 2), admin_only=False)
declare_api("SYNO.Core.System", dsm7=(1, 3), dsm6=(1, 3))


@method("SYNO.DSM.Info", "getinfo", versions=(2,))
def dsm_getinfo(ctx):
    system = ctx.sim.system
    return {
        "model": system["model"],
        "ram": 4096,
        "serial": "SIM0000000001",
        "temperature": 41,
        "temperature_warn": False,
        # The NAS's wall clock, as C's ctime() writes it, without a zone (see region.py).
        "time": region.local(ctx.sim).strftime("%a %b %e %H:%M:%S %Y"),
        "uptime": 3600,
        "version": system["version"],
        "version_string": system["version_string"],
        "codepage": "enu",
    }


@method("SYNO.Core.System", "info")
def core_system_info(ctx):
    system = ctx.sim.system
    return {
        "model": system["model"],
        "firmware_ver": system["version_string"],
        "firmware_date": "2026/01/01",
        "serial": "SIM0000000001",
        "ram_size": 4096,
        "sys_temp": 41,
        "up_time": "1:00:00",
    }
