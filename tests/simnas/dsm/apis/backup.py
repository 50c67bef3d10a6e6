"""Hyper Backup: SYNO.Backup.Task, .Repository, .Target and .Version, with backups that really happen.

Shapes follow dsm-webapi.md §4: the create flow (Target.get_candidate_dir -> Repository.create ->
Task.create, with the destination parameters D in all three), Task.list/get/status, Task.backup,
Task.delete with task_id_list, Version.list in v2 only (v1 answers 103). Task.create answers
{"task_id", ...}, or an empty body when the fault `backup_task_create_empty_body` is armed (real DSM
does both). A lost answer to any create (the create lands, the answer does not: a proxy timeout, a
killed DSM, an interrupted client) is the app's fault `next_create_504_html` with {"api": ...}; a
repository made that way stays, unused, as on DSM. Repository.delete (by repo_id) is unverified.
Every value is a JSON literal (requestFormat JSON).

A backup copies each source folder (a share-rooted File Station path, mapped to the share's
directory) into <destination share>/<target dir>/<version>/<share>/<dir>, then applies the
retention. It runs in a thread: Task.status says "backup" with a progress block meanwhile. The
fault `slow_backup` ({"seconds": s}) makes the next backup last at least s seconds.

UNVERIFIED on real DSM, and accepted here exactly as the collection sends it (see
plugins/module_utils/_dsm_hyper_backup.py): Task.set with `schedule` ({"schedule_enable",
"schedule": {...}}), `rotate_params` ({"enable_rotate", "rotate_condition": [policy, max]}) and
`source`. A malformed block answers 120. The fault `backup_task_set_reject` ({"count": n, "code": c},
default code 4400) rejects the next Task.set calls, as a real DSM may reject those payloads.

Error codes: real DSM's 44xx meanings are undocumented, so the codes below are the simulator's
own choice inside that family (3332, "is backing up", is go-synology's). The collection must not
rely on them beyond "the call failed".
"""

import shutil
import threading
import time
from datetime import datetime

from simnas.dsm.apis import region
from simnas.dsm.registry import EMPTY_BODY, DSMError, declare_api, method

for _api in ("SYNO.Backup.Task", "SYNO.Backup.Repository", "SYNO.Backup.Target", "SYNO.Backup.Version"):
    declare_api(_api, dsm7=(1, 2), dsm6=(1, 2))

ERR_INVALID = 4400  # a parameter has the right type but an unusable value
ERR_NO_SHARE = 4402  # the destination shared folder does not exist
ERR_UNREACHABLE = 4403  # the remote destination cannot be reached
ERR_AUTH = 4404  # the remote destination refused the account
ERR_NAME_USED = 4405  # a task with this name exists
ERR_NO_SOURCE = 4406  # a source folder does not exist
ERR_NO_TASK = 4407  # no such task / repository
ERR_BUSY = 3332  # the task is backing up

#: host names that are this NAS: an image_remote destination there uses this NAS's shares and users
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
HOST_NAME = "SimNAS"
NO_ERROR = 4401  # last_bkp_error_code when the last backup had no error (dsmctl)


def _store(ctx):
    store = ctx.state.setdefault("hyper_backup", {})
    store.setdefault("tasks", {})
    store.setdefault("repos", {})
    store.setdefault("next_task_id", 1)
    store.setdefault("next_repo_id", 1)
    store.setdefault("next_version_id", 1)
    return store


def _now(sim):
    """Now on the NAS's wall clock, as Hyper Backup writes its times (local, no zone: see region.py)."""
    return region.local(sim).strftime("%Y/%m/%d %H:%M:%S")


def _str(ctx, key, required=True):
    value = ctx.params.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise DSMError(120)
    return value


def _int(ctx, key):
    value = ctx.params.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DSMError(120)
    return value


# --- destinations ---------------------------------------------------------------------------------
def _destination(ctx):
    """The destination parameters D, checked as Hyper Backup checks them; returns the repo fields."""
    if _str(ctx, "target_type") != "image":
        raise DSMError(ERR_INVALID)
    transfer = _str(ctx, "transfer_type")
    share = _str(ctx, "share")
    if transfer == "image_local":
        repo = {"target_type": "image", "transfer_type": transfer, "share": share}
        _share_dir(ctx, share)
        return repo
    if transfer != "image_remote":
        raise DSMError(ERR_INVALID)
    host, account, password = _str(ctx, "dest"), _str(ctx, "account"), _str(ctx, "pwd")
    port = _int(ctx, "port")
    if host not in LOCAL_HOSTS:
        # The simulator speaks no Hyper Backup Vault protocol and sends nothing off this machine: another
        # host is unreachable by design.
        raise DSMError(ERR_UNREACHABLE)
    user = ctx.sim.users.get(account)
    if user is None or user.get("password") != password:
        raise DSMError(ERR_AUTH)
    _share_dir(ctx, share)
    return {
        "target_type": "image",
        "transfer_type": transfer,
        "share": share,
        "dest": host,
        "port": port,
        "account": account,
    }


def _share_dir(ctx, name):
    share = ctx.state.get("shares", {}).get(name)
    directory = ctx.sim.volume_dir(share["vol_path"]) if share else None
    if directory is None:
        raise DSMError(ERR_NO_SHARE)
    return directory / name


def _fs_dir(ctx, path):
    """The directory of a share-rooted File Station path, or None."""
    parts = [part for part in str(path).split("/") if part]
    if not parts or any(part in (".", "..") for part in parts):
        return None
    share = ctx.state.get("shares", {}).get(parts[0])
    volume = ctx.sim.volume_dir(share["vol_path"]) if share else None
    if volume is None:
        return None
    directory = volume.joinpath(*parts)
    return directory if directory.is_dir() else None


@method("SYNO.Backup.Target", "get_candidate_dir", secret=("pwd",))
def target_candidate_dir(ctx):
    repo = _destination(ctx)
    root = _share_dir(ctx, repo["share"])
    used = {task["target_id"] for task in _store(ctx)["tasks"].values() if task["repo"]["share"] == repo["share"]}
    number = 1
    while f"{HOST_NAME}_{number}" in used or (root / f"{HOST_NAME}_{number}").exists():
        number += 1
    return {"candidate_dir": f"{HOST_NAME}_{number}", "deststatus": 0}


@method("SYNO.Backup.Target", "get")
def target_get(ctx):
    task = _task(ctx, _int(ctx, "task_id"))
    online = _share_dir_or_none(ctx, task["repo"]["share"]) is not None
    return {"is_online": online, "format_type": "image", "support_multi_version": True, "host_name": HOST_NAME}


def _share_dir_or_none(ctx, name):
    try:
        return _share_dir(ctx, name)
    except DSMError:
        return None


@method("SYNO.Backup.Repository", "create", write=True, secret=("pwd",))
def repository_create(ctx):
    repo = _destination(ctx)
    repo["target_id"] = _str(ctx, "target_id")
    repo["name"] = _str(ctx, "name")
    store = _store(ctx)
    repo_id = store["next_repo_id"]
    store["next_repo_id"] += 1
    repo["repo_id"] = repo_id
    store["repos"][str(repo_id)] = repo
    return {"repo_id": repo_id}


# UNVERIFIED shape (no public client sends it): delete one repository by repo_id; one a task uses is refused.
@method("SYNO.Backup.Repository", "delete", write=True)
def repository_delete(ctx):
    repo_id = _int(ctx, "repo_id")
    store = _store(ctx)
    if str(repo_id) not in store["repos"]:
        raise DSMError(ERR_NO_TASK)
    if any(task["repo_id"] == repo_id for task in store["tasks"].values()):
        raise DSMError(ERR_BUSY)
    del store["repos"][str(repo_id)]
    return None


@method("SYNO.Backup.Repository", "list")
def repository_list(ctx):
    repos = [dict(repo) for _key, repo in sorted(_store(ctx)["repos"].items(), key=lambda item: int(item[0]))]
    return {"repo_list": repos, "total": len(repos)}


# --- tasks ----------------------------------------------------------------------------------------
def _task(ctx, task_id):
    task = _store(ctx)["tasks"].get(str(task_id))
    if task is None:
        raise DSMError(ERR_NO_TASK)
    return task


def _check_source(ctx, source):
    if not isinstance(source, dict) or not isinstance(source.get("file_list"), list):
        raise DSMError(120)
    if not isinstance(source.get("app_list", []), list):
        raise DSMError(120)
    paths = source["file_list"]
    if not paths or not all(isinstance(path, str) for path in paths):
        raise DSMError(120)
    for path in paths:
        if _fs_dir(ctx, path) is None:
            raise DSMError(ERR_NO_SOURCE)
    return sorted(set(paths))


def _check_schedule(block):
    inner = block.get("schedule") if isinstance(block, dict) else None
    if not isinstance(block.get("schedule_enable") if isinstance(block, dict) else None, bool):
        raise DSMError(120)
    if not isinstance(inner, dict):
        raise DSMError(120)
    hour, minute, week = inner.get("hour"), inner.get("min"), inner.get("week_name")
    if not (isinstance(hour, int) and 0 <= hour <= 23 and isinstance(minute, int) and 0 <= minute <= 59):
        raise DSMError(120)
    days = [part for part in str(week).split(",") if part] if isinstance(week, str) else None
    if not days or not all(part in "0123456" and len(part) == 1 for part in days):
        raise DSMError(120)
    return {"schedule_enable": block["schedule_enable"], "schedule": dict(inner, date_type=inner.get("date_type", 0))}


def _check_rotate(block):
    if not isinstance(block, dict) or not isinstance(block.get("enable_rotate"), bool):
        raise DSMError(120)
    condition = block.get("rotate_condition")
    if (
        not isinstance(condition, list)
        or len(condition) != 2
        or condition[0] not in (0, 1)
        or not isinstance(condition[1], int)
        or condition[1] < 1
    ):
        raise DSMError(120)
    return {"enable_rotate": block["enable_rotate"], "rotate_condition": list(condition)}


def _folder_list(ctx, paths):
    listed = []
    for path in paths:
        directory = _fs_dir(ctx, path)
        parts = [part for part in path.split("/") if part]
        share = ctx.state.get("shares", {}).get(parts[0], {})
        listed.append(
            {
                "folderPath": path,
                "fullPath": "{}{}".format(share.get("vol_path", ""), path),
                "isValidSource": directory is not None,
                "missing": directory is None,
                "fileSystem": "ext4",
                "dataEncrypted": False,
                "encryptedShare": False,
            }
        )
    return listed


def _task_view(ctx, task, additional):
    additional = additional if isinstance(additional, list) else []
    view = {
        "task_id": task["task_id"],
        "name": task["name"],
        "repo_id": task["repo_id"],
        "target_id": task["target_id"],
        "target_type": "image",
        "transfer_type": task["repo"]["transfer_type"],
        "type": "image:" + task["repo"]["transfer_type"],
        "data_type": "data",
        "data_enc": False,
        "is_modified": False,
        "state": "backupable",
        "status": task["status"],
    }
    if "last_bkp_time" in additional:
        view["last_bkp_time"] = task.get("last_bkp_time", "")
        view["last_bkp_end_time"] = task.get("last_bkp_end_time", "")
    if "last_bkp_result" in additional:
        view["last_bkp_result"] = task.get("last_bkp_result", "none")
    if "next_bkp_time" in additional:
        view["next_bkp_time"] = ""
    if "schedule" in additional:
        view["schedule"] = task["schedule"]
    if "get_source" in additional:
        view["source"] = {
            "app_list": [],
            "app_name_list": [],
            "app_config": [],
            "backup_volumes": [],
            "backup_filter": {"exclude_list": [], "whitelist": []},
            "folder_list": _folder_list(ctx, task["source"]),
            "file_list": [],
            "share_list": {},
        }
    if "backup_params" in additional:
        view["backup_params"] = dict(task["backup_params"])
    if "rotate_params" in additional:
        view["rotate_params"] = dict(task["rotate_params"])
    if "repository" in additional:
        repo = dict(task["repo"], repo_id=task["repo_id"], name=task["name"])
        view["repository"] = repo
    return view


@method("SYNO.Backup.Task", "list")
def task_list(ctx):
    tasks = sorted(_store(ctx)["tasks"].values(), key=lambda task: (task["name"], task["task_id"]))
    additional = ctx.params.get("additional", [])
    return {
        "is_restoring": False,
        "is_downloading": False,
        "is_data_restoring": False,
        "is_lun_restoring": False,
        "is_snapshot_restoring": False,
        "total": len(tasks),
        "task_list": [_task_view(ctx, task, additional) for task in tasks],
    }


@method("SYNO.Backup.Task", "get")
def task_get(ctx):
    task = _task(ctx, _int(ctx, "task_id"))
    additional = ctx.params.get("additional", [])
    return _task_view(ctx, task, [*additional, "get_source"] if isinstance(additional, list) else ["get_source"])


@method("SYNO.Backup.Task", "create", write=True, secret=("pwd",))
def task_create(ctx):
    if ctx.params.get("action") != "create":
        raise DSMError(120)
    repo = _destination(ctx)
    name, target_id = _str(ctx, "name"), _str(ctx, "target_id")
    repo_id = _int(ctx, "repo_id")
    store = _store(ctx)
    stored_repo = store["repos"].get(str(repo_id))
    if stored_repo is None or stored_repo["target_id"] != target_id or stored_repo["share"] != repo["share"]:
        raise DSMError(ERR_NO_TASK)
    if any(task["name"] == name for task in store["tasks"].values()):
        raise DSMError(ERR_NAME_USED)
    sources = _check_source(ctx, ctx.params.get("source"))
    backup_params = ctx.params.get("backup_params", {})
    if not isinstance(backup_params, dict):
        raise DSMError(120)
    task_id = store["next_task_id"]
    store["next_task_id"] += 1
    (_share_dir(ctx, repo["share"]) / target_id).mkdir(parents=True, exist_ok=True)
    store["tasks"][str(task_id)] = {
        "task_id": task_id,
        "name": name,
        "repo_id": repo_id,
        "target_id": target_id,
        "repo": repo,
        "source": sources,
        "backup_params": {
            "enable_data_compress": bool(backup_params.get("enable_data_compress", True)),
            "enable_data_encrypt": False,
            "enable_notify": bool(backup_params.get("enable_notify", False)),
            "enable_version_file_log": False,
            "max_auto_resume_retry": 0,
        },
        # Created tasks are unscheduled and keep every version (dsm-webapi.md §4.3).
        "schedule": {"schedule_enable": False, "schedule": {"date_type": 0, "hour": 0, "min": 0, "week_name": ""}},
        "rotate_params": {},
        "status": "none",
        "versions": [],
    }
    if ctx.sim._take_fault("backup_task_create_empty_body", "SYNO.Backup.Task"):
        return EMPTY_BODY
    return {"task_id": task_id, "reboot_is_needed_before_backup": False}


@method("SYNO.Backup.Task", "set", write=True)
def task_set(ctx):
    rejected = ctx.sim._take_fault("backup_task_set_reject", "SYNO.Backup.Task")
    if rejected:
        raise DSMError(int(rejected.get("code", 4400)))  # the unverified payloads may meet this on a real DSM
    task = _task(ctx, _int(ctx, "task_id"))
    if task["status"] != "none":
        raise DSMError(ERR_BUSY)
    changes = {}
    if "source" in ctx.params:
        changes["source"] = _check_source(ctx, ctx.params["source"])
    if "schedule" in ctx.params:
        changes["schedule"] = _check_schedule(ctx.params["schedule"])
    if "rotate_params" in ctx.params:
        changes["rotate_params"] = _check_rotate(ctx.params["rotate_params"])
    if "name" in ctx.params:
        name = _str(ctx, "name")
        if any(other["name"] == name and other is not task for other in _store(ctx)["tasks"].values()):
            raise DSMError(ERR_NAME_USED)
        changes["name"] = name
    if not changes:
        raise DSMError(114)
    task.update(changes)
    return None


@method("SYNO.Backup.Task", "delete", write=True)
def task_delete(ctx):
    ids = ctx.params.get("task_id_list")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise DSMError(114 if ids is None else 120)
    remove_data = ctx.params.get("is_remove_data", False)
    if not isinstance(remove_data, bool):
        raise DSMError(120)
    store = _store(ctx)
    tasks = [_task(ctx, task_id) for task_id in ids]
    if any(task["status"] != "none" for task in tasks):
        raise DSMError(ERR_BUSY)
    for task in tasks:
        del store["tasks"][str(task["task_id"])]
        if not any(other["repo_id"] == task["repo_id"] for other in store["tasks"].values()):
            store["repos"].pop(str(task["repo_id"]), None)
        if remove_data:
            directory = _share_dir_or_none(ctx, task["repo"]["share"])
            if directory is not None:
                shutil.rmtree(directory / task["target_id"], ignore_errors=True)
    return None


@method("SYNO.Backup.Task", "status")
def task_status(ctx):
    task = _task(ctx, _int(ctx, "task_id"))
    status = {
        "state": "backupable",
        "status": task["status"],
        "last_bkp_time": task.get("last_bkp_time", ""),
        "last_bkp_end_time": task.get("last_bkp_end_time", ""),
        "last_bkp_result": task.get("last_bkp_result", "none"),
        "last_bkp_error": task.get("last_bkp_error", ""),
        "last_bkp_error_code": task.get("last_bkp_error_code", NO_ERROR),
        "last_bkp_success_time": task.get("last_bkp_success_time", ""),
        "last_bkp_success_version": task["versions"][-1]["version_id"] if task["versions"] else "",
        "next_bkp_time": "",
        "schedule": task["schedule"],
    }
    if task["status"] != "none":
        progress = task.get("progress", {})
        status["progress"] = {
            "step": "backup",
            "progress": progress.get("progress", 0),
            "processed_size": str(progress.get("processed", 0)),  # strings on real DSM (dsmctl)
            "total_size": str(progress.get("total", 0)),
            "can_cancel": False,
        }
    return status


@method("SYNO.Backup.Task", "backup", write=True)
def task_backup(ctx):
    task = _task(ctx, _int(ctx, "task_id"))
    if task["status"] != "none":
        raise DSMError(ERR_BUSY)
    task["status"] = "backup"
    task["last_bkp_time"] = _now(ctx.sim)
    task["last_bkp_result"] = "backingup"
    task["progress"] = {"progress": 0, "processed": 0, "total": 0}
    slow = ctx.sim._take_fault("slow_backup", "SYNO.Backup.Task")
    delay = float(slow.get("seconds", 1)) if slow else 0.0
    threading.Thread(target=_run_backup, args=(ctx.sim, task["task_id"], delay), daemon=True).start()
    return None


def set_history(sim, name, hours_ago=None):
    """Test control (POST /_sim/backup-history): the task's last backup as DSM lists it when the task never ran
    (hours_ago None), or when it last ran, and succeeded, hours_ago hours ago (the NAS was off since, or its schedule
    was disabled). Returns the number of tasks of that name changed."""
    keys = ("last_bkp_time", "last_bkp_end_time", "last_bkp_success_time", "last_bkp_result", "last_bkp_error")
    with sim.lock:
        tasks = [task for task in _store(_Ctx(sim))["tasks"].values() if task["name"] == name]
        for task in tasks:
            for key in keys:
                task.pop(key, None)
            task.pop("last_bkp_error_code", None)
            if hours_ago is not None:
                when = region.local(sim, time.time() - float(hours_ago) * 3600).strftime("%Y/%m/%d %H:%M:%S")
                task.update(last_bkp_time=when, last_bkp_end_time=when, last_bkp_success_time=when)
                task.update(last_bkp_result="done", last_bkp_error="", last_bkp_error_code=NO_ERROR)
        sim.state.save()
        return len(tasks)


# --- the backup itself ----------------------------------------------------------------------------
class _Ctx:
    """Enough of a handler context for the helpers, for the backup thread."""

    def __init__(self, sim):
        self.sim = sim
        self.state = sim.state.data
        self.params = {}


def _run_backup(sim, task_id, delay):
    started = time.monotonic()
    ctx = _Ctx(sim)
    with sim.lock:
        task = _store(ctx)["tasks"].get(str(task_id))
        if task is None:
            return
        plan = [(path, _fs_dir(ctx, path)) for path in task["source"]]
        destination = _share_dir_or_none(ctx, task["repo"]["share"])
        store = _store(ctx)
        version_id = store["next_version_id"]
        store["next_version_id"] += 1
        target_id = task["target_id"]
    error = None
    name = f"{datetime.now():%Y%m%d-%H%M%S}-v{version_id:05d}"
    version_dir = destination / target_id / name if destination is not None else None
    try:
        if version_dir is None:
            raise OSError("the destination shared folder is gone")
        missing = [path for path, directory in plan if directory is None]
        if missing:
            raise OSError("source folder missing: {}".format(", ".join(missing)))
        total = sum(f.stat().st_size for _path, d in plan for f in d.rglob("*") if f.is_file() and not f.is_symlink())
        with sim.lock:
            task["progress"] = {"progress": 0, "processed": 0, "total": total}
        partial = version_dir.with_name(name + ".partial")
        for path, directory in plan:
            shutil.copytree(directory, partial / path.strip("/"), symlinks=True, dirs_exist_ok=True)
        remaining = delay - (time.monotonic() - started)
        if remaining > 0:
            with sim.lock:
                task["progress"] = {"progress": 50, "processed": total // 2, "total": total}
            time.sleep(remaining)
        partial.rename(version_dir)
    except OSError as exc:
        error = str(exc)
    with sim.lock:
        task = _store(ctx)["tasks"].get(str(task_id))
        if task is None:
            return
        task["status"] = "none"
        task.pop("progress", None)
        task["last_bkp_end_time"] = _now(sim)
        if error:
            task["last_bkp_result"] = "fail"
            task["last_bkp_error"] = error
            task["last_bkp_error_code"] = ERR_INVALID
        else:
            task["last_bkp_result"] = "done"
            task["last_bkp_error"] = ""
            task["last_bkp_error_code"] = NO_ERROR
            task["last_bkp_success_time"] = task["last_bkp_end_time"]
            task["versions"].append({"version_id": str(version_id), "name": name, "time": time.time()})
            _rotate(task, destination / target_id)
        sim.state.save()


def _rotate(task, root):
    """Apply the task's retention to its versions, deleting the directories of the dropped ones."""
    rotate = task.get("rotate_params") or {}
    if not rotate.get("enable_rotate"):
        return
    policy, maximum = rotate["rotate_condition"]
    versions = sorted(task["versions"], key=lambda version: version["time"])
    keep = versions
    if policy == 1:
        keep = _smart_recycle(versions)
    keep = keep[-maximum:]
    kept_ids = {version["version_id"] for version in keep}
    for version in versions:
        if version["version_id"] not in kept_ids:
            shutil.rmtree(root / version["name"], ignore_errors=True)
    task["versions"] = [version for version in versions if version["version_id"] in kept_ids]


def _smart_recycle(versions):
    """Hyper Backup's Smart Recycle: every version of the last 24 hours, the newest of each day of
    the last month, the newest of each week before; the newest version always stays."""
    now = time.time()
    kept, seen = [], set()
    for version in reversed(versions):
        age = now - version["time"]
        if age <= 86400:
            bucket = ("all", version["version_id"])
        elif age <= 31 * 86400:
            bucket = ("day", int(version["time"] // 86400))
        else:
            bucket = ("week", int(version["time"] // (7 * 86400)))
        if bucket not in seen:
            seen.add(bucket)
            kept.append(version)
    return list(reversed(kept))


# --- versions -------------------------------------------------------------------------------------
@method("SYNO.Backup.Version", "list", versions=(2,))
def version_list(ctx):
    task = _task(ctx, _int(ctx, "task_id"))
    listed = []
    for version in reversed(task["versions"]):
        local = region.local(ctx.sim, version["time"]).strftime("%Y/%m/%d %H:%M:%S")
        listed.append(
            {
                "version_id": version["version_id"],
                "name": version["name"],
                "status": "success",
                "locked": False,
                "start_time_local": local,
                "complete_time": int(version["time"]),
                "complete_time_local": local,
                "timestamp": int(version["time"]),
            }
        )
    return {"version_info_list": listed, "total": len(listed)}
