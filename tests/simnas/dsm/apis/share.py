"""SYNO.Core.Share (shared folders) and SYNO.FileStation.CreateFolder, on real directories.

A share `docker` on /volume1 is the directory <volumes_root>/volume1/docker; File Station paths
start at the share name (/docker/anki = /volume1/docker/anki). Error codes as in dsm-webapi.md §5.
"""

import re
import shutil
import uuid

from simnas.dsm.registry import DSMError, declare_api, method

declare_api("SYNO.Core.Share", dsm7=(1, 1), dsm6=(1, 1))
declare_api("SYNO.FileStation.CreateFolder", dsm7=(1, 2), dsm6=(1, 2), admin_only=False)

SHARE_FIELDS = ("name", "vol_path", "desc", "uuid", "is_usb_share")
ADDITIONAL_FIELDS = (
    "hidden",
    "encryption",
    "enable_recycle_bin",
    "recycle_bin_admin_only",
    "enable_share_cow",
    "enable_share_compress",
    "share_quota",
    "is_aclmode",
)
INVALID_NAME = re.compile(r'[\\/:*?"<>|=+,;\[\]`]')


def _shares(ctx):
    return ctx.state.setdefault("shares", {})


def _view(share, additional):
    shown = {key: share[key] for key in SHARE_FIELDS}
    for key in additional if isinstance(additional, list) else ():
        if key in share:
            shown[key] = share[key]
        if key == "share_quota":
            shown["quota_value"] = share.get("share_quota", 0)
    return shown


def _shareinfo(ctx):
    """name (a JSON string) and shareinfo (a JSON object); flat or raw parameters answer 403."""
    name, info = ctx.params.get("name"), ctx.params.get("shareinfo")
    if not isinstance(name, str) or not isinstance(info, dict) or not isinstance(info.get("name"), str):
        raise DSMError(403)
    desc = info.get("desc", "")
    if not isinstance(desc, str) or len(desc) > 64:
        raise DSMError(3300)  # DSM's bare answer to a description over 64 characters
    return name, info


def _check_name(name):
    if not name or len(name) > 32 or INVALID_NAME.search(name) or name.startswith("."):
        raise DSMError(403)


@method("SYNO.Core.Share", "list")
def share_list(ctx):
    shares = sorted(_shares(ctx).values(), key=lambda share: share["name"])
    offset = int(ctx.params.get("offset", 0) or 0)
    limit = int(ctx.params.get("limit", -1) or -1)
    page = shares[offset:] if limit < 0 else shares[offset : offset + limit]
    additional = ctx.params.get("additional", [])
    return {"shares": [_view(share, additional) for share in page], "total": len(shares)}


@method("SYNO.Core.Share", "get", quoted={"name": 403})
def share_get(ctx):
    name = ctx.params.get("name")
    if not isinstance(name, str):
        raise DSMError(403)
    share = _shares(ctx).get(name)
    if share is None:
        raise DSMError(402)
    return _view(share, ctx.params.get("additional", []))


@method("SYNO.Core.Share", "create", write=True, cookie=True, quoted={"name": 403})
def share_create(ctx):
    name, info = _shareinfo(ctx)
    if info["name"] != name:
        raise DSMError(403)
    _check_name(name)
    vol_path = info.get("vol_path")
    if not isinstance(vol_path, str) or not vol_path.startswith("/"):
        raise DSMError(3101)  # a bare volume name ("volume1")
    volume = ctx.sim.volume_dir(vol_path)
    if volume is None:
        raise DSMError(3304)
    shares = _shares(ctx)
    if name in shares:
        raise DSMError(3301)
    # DSM makes a new shared folder in ACL mode with POSIX mode 000 (dsm-webapi.md §5.4, §7.5: batonogov
    # CLAUDE.md, issue #94): only root (or the ACL) gets in; nothing can chmod it through the API.
    (volume / name).mkdir(exist_ok=True)
    (volume / name).chmod(0o000)
    shares[name] = {
        "name": name,
        "vol_path": vol_path,
        "desc": info.get("desc", ""),
        "uuid": str(uuid.uuid4()),
        "is_usb_share": False,
        "hidden": bool(info.get("hidden", False)),
        "encryption": int(info.get("encryption", 0) or 0),
        "enable_recycle_bin": bool(info.get("enable_recycle_bin", False)),
        "recycle_bin_admin_only": bool(info.get("recycle_bin_admin_only", False)),
        "enable_share_cow": bool(info.get("enable_share_cow", False)),
        "enable_share_compress": bool(info.get("enable_share_compress", False)),
        "share_quota": int(info.get("share_quota", 0) or 0),
        "is_aclmode": True,
    }
    return {"name": name}


@method("SYNO.Core.Share", "set", write=True, cookie=True, quoted={"name": 403})
def share_set(ctx):
    name, info = _shareinfo(ctx)
    shares = _shares(ctx)
    original = info.get("name_org") or name
    share = shares.get(original)
    if share is None:
        raise DSMError(402)
    new_name = info["name"]
    if new_name != original:
        _check_name(new_name)
        if new_name in shares:
            raise DSMError(3319)
        volume = ctx.sim.volume_dir(share["vol_path"])
        (volume / original).rename(volume / new_name)
        share = shares.pop(original)
        share["name"] = new_name
        shares[new_name] = share
    # Moving to another volume is a separate, long-running DSM operation; set leaves vol_path alone,
    # and copy-on-write/compression are creation-time only (set reports success and keeps them).
    for key in ("desc", "hidden", "enable_recycle_bin", "recycle_bin_admin_only", "share_quota"):
        if key in info:
            share[key] = info[key]
    return None


@method("SYNO.Core.Share", "delete", write=True)
def share_delete(ctx):
    names = ctx.params.get("name")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise DSMError(403)  # DSM wants a JSON array of names, even for one
    shares = _shares(ctx)
    missing = [name for name in names if name not in shares]
    if missing:
        raise DSMError(402)
    for name in names:
        share = shares.pop(name)
        volume = ctx.sim.volume_dir(share["vol_path"])
        if volume is not None:
            shutil.rmtree(volume / name, ignore_errors=True)
    return None


def _as_list(value):
    return value if isinstance(value, list) else [value]


@method("SYNO.FileStation.CreateFolder", "create", write=True)
def create_folder(ctx):
    parents, names = _as_list(ctx.params.get("folder_path")), _as_list(ctx.params.get("name"))
    if not parents or None in parents or None in names or len(parents) != len(names):
        raise DSMError(401)
    force_parent = ctx.params.get("force_parent") in (True, "true")
    shares = _shares(ctx)
    folders, errors = [], []
    for parent, name in zip(parents, names, strict=True):
        parts = [part for part in str(parent).split("/") if part]
        share = shares.get(parts[0]) if parts else None
        if share is None or not name or "/" in str(name):
            errors.append({"code": 408 if share is None else 418, "path": f"{parent}/{name}"})
            continue
        directory = ctx.sim.volume_dir(share["vol_path"]).joinpath(*parts)
        if not directory.is_dir() and not force_parent:
            errors.append({"code": 408, "path": str(parent)})
            continue
        target = directory / str(name)
        if target.exists() and not force_parent:
            errors.append({"code": 414, "path": f"{parent}/{name}"})
            continue
        target.mkdir(parents=True, exist_ok=True)
        path = "/" + "/".join([*parts, str(name)])
        folders.append({"isdir": True, "name": str(name), "path": path})
    if errors:
        raise DSMError(1100, errors)
    return {"folders": folders}
