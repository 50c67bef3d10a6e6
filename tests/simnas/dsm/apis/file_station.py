"""SYNO.FileStation.List getinfo and list: what a File Station path is and what a folder holds (dsm-webapi.md
§5.3, §7.5).

path is a JSON array of File Station paths (/share/dir); each answers {isdir, name, path} and, with
additional=["real_path", "owner", "perm"], the volume path, the POSIX owner and mode. A missing path fails the
whole call with error 408 (no such file or directory) (real-DSM behaviour `file_station_missing_path_fails_call`);
off, it answers an entry with code 408 instead (py-synologydsm-api's shape). batonogov handles both forms, so both
occur; which one a given DSM answers is UNVERIFIED.

list{folder_path, offset, limit (0: all), additional} answers {total, offset, files: [entries as getinfo
gives them]}, sorted by name; a missing folder answers 408 (Synology's File Station API guide, SYNO.FileStation.List
list; N4S4/synology-api synology_api/filestation.py get_file_list).

What neither method shows, because no public client or capture shows it: whether an entry is a symbolic link
(a link to a folder lists as a folder, its owner and mode those of the folder it points to, its real_path the
path as asked), and File Station's own permission checks (the simulator reads as root).
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


def _target(ctx, path):
    """(share, the file on this machine) of a File Station path, or (None, None)."""
    parts = [part for part in str(path).split("/") if part]
    share = ctx.state.get("shares", {}).get(parts[0]) if parts else None
    if not share or ".." in parts:
        return None, None
    return share, ctx.sim.volume_dir(share["vol_path"]).joinpath(*parts)


def _entry(ctx, path, additional):
    parts = [part for part in str(path).split("/") if part]
    share, target = _target(ctx, path)
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


@method("SYNO.FileStation.List", "list")
def folder_list(ctx):
    folder = ctx.params.get("folder_path")
    if not isinstance(folder, str) or not folder.startswith("/"):
        raise DSMError(400)
    _share, target = _target(ctx, folder)
    if target is None or not target.is_dir():
        raise DSMError(408)
    additional = ctx.params.get("additional") or []
    names = sorted(child.name for child in target.iterdir())
    offset, limit = int(ctx.params.get("offset") or 0), int(ctx.params.get("limit") or 0)
    page = names[offset:] if limit <= 0 else names[offset : offset + limit]
    base = "/" + "/".join(part for part in folder.split("/") if part)
    files = [_entry(ctx, f"{base}/{name}", additional) for name in page]
    return {"total": len(names), "offset": offset, "files": files}
