"""SYNO.FileStation.List getinfo: what a File Station path is (dsm-webapi.md §5.3, §7.5).

path is a JSON array of File Station paths (/share/dir); each answers {isdir, name, path} and, with
additional=["real_path", "owner", "perm"], the volume path, the POSIX owner and mode. A missing path fails the
whole call with error 408 (no such file or directory) (real-DSM behaviour `file_station_missing_path_fails_call`);
off, it answers an entry with code 408 instead (py-synologydsm-api's shape). batonogov handles both forms, so both
occur; which one a given DSM answers is UNVERIFIED.
"""

from simnas.dsm.behaviours import behaviour
from simnas.dsm.registry import DSMError, declare_api, method

declare_api("SYNO.FileStation.List", dsm7=(1, 2), dsm6=(1, 2))

MISSING_FAILS_CALL = behaviour(
    "file_station_missing_path_fails_call",
    real=True,
    off=False,
    source="batonogov/terraform-provider-synology-dsm internal/client/file.go GetFileInfo (an API error 408) and "
    "parseFileInfo (an entry with code 408): both forms are handled; dsm-webapi.md §10.1 table 5",
    what="getinfo of a missing path fails the call with error 408 (off: an entry with code 408)",
)


def _entry(ctx, path, additional):
    parts = [part for part in str(path).split("/") if part]
    share = ctx.state.get("shares", {}).get(parts[0]) if parts else None
    target = ctx.sim.volume_dir(share["vol_path"]).joinpath(*parts) if share and ".." not in parts else None
    if target is None or not target.exists():
        return {"code": 408, "path": path}
    entry = {"isdir": target.is_dir(), "name": parts[-1], "path": "/" + "/".join(parts)}
    info = target.stat()
    extra = {}
    if "real_path" in additional:
        extra["real_path"] = share["vol_path"] + entry["path"]
    if "owner" in additional:
        extra["owner"] = {"uid": info.st_uid, "gid": info.st_gid}
    if "perm" in additional:
        extra["perm"] = {"posix": int(oct(info.st_mode & 0o777)[2:])}
    if extra:
        entry["additional"] = extra
    return entry


@method("SYNO.FileStation.List", "getinfo")
def getinfo(ctx):
    paths = ctx.params.get("path")
    paths = paths if isinstance(paths, list) else [paths]
    if not paths or not all(isinstance(path, str) and path.startswith("/") for path in paths):
        raise DSMError(400)
    additional = ctx.params.get("additional") or []
    files = [_entry(ctx, path, additional) for path in paths]
    missing = [entry for entry in files if entry.get("code") == 408]
    if missing and ctx.sim.behaviours[MISSING_FAILS_CALL]:
        raise DSMError(408, missing)
    return {"files": files}
