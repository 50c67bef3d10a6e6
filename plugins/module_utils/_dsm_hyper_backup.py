# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hyper Backup (SYNO.Backup.*): the module's option checks, the wire shapes in one place, and the run-now.

PRIVATE to the collection: it can change at any time. The task as a Resource is in _dsm_hyper_backup_task.py.

Two kinds of shapes live here, and the difference matters on a real NAS (see the DSM Web API
notes, section 4):

VERIFIED (live on Hyper Backup 4.2.2 by a public client): the destination parameters shared by
Target.get_candidate_dir, Repository.create and Task.create; the Task.create source block
{"app_list": [], "file_list": [...]} with share-rooted File Station paths; Task.list/get/status
reads; Task.backup; Task.delete with task_id_list.

UNVERIFIED (no public source shows the write payload): the schedule block sent with Task.set, the
rotate_params (retention) block and the source block sent with Task.set. Each of them is built by
one function below whose name ends in _unverified, and read back by a defensive parser, so that a
correction after a capture from a real DSM touches this file only.
"""

import re
import time

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_schedule import TIME, WEEKDAYS, schedule_problem
from ansible_collections.ankinas.synology.plugins.module_utils._nas_path import VOLUME
from ansible_collections.ankinas.synology.plugins.module_utils._resource import OptionNames, ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import wait_until

TASK_API = "SYNO.Backup.Task"
TARGET_API = "SYNO.Backup.Target"
REPOSITORY_API = "SYNO.Backup.Repository"
LIST_ADDITIONAL = ["last_bkp_time", "last_bkp_result", "get_source", "schedule"]
GET_ADDITIONAL = ["backup_params", "rotate_params", "schedule", "repository", "last_bkp_time", "last_bkp_result"]
STATUS_ADDITIONAL = ["last_bkp_time", "last_bkp_result", "is_modified", "last_bkp_progress", "last_bkp_success_version"]
POLL_SECONDS = 1.0
ALL_DAYS = list(WEEKDAYS)

RETENTION_POLICIES = {"versions": 0, "smart_recycle": 1}  # rotate_condition[0] (unverified)

#: Hyper Backup Vault / remote Synology default port
REMOTE_DEFAULT_PORT = 6281

#: Task.status values that mean "idle"; anything else is a running (or preparing) backup
IDLE_STATUSES = ("none", "", None)

#: Task.create's answer when a task of that name exists (another run made it meanwhile, for one)
NAME_IN_USE = 4405

#: DSM error codes of Hyper Backup (a module passes them to its client). Hyper Backup's 44xx codes are not
#: published and no public client decodes them (dsm-webapi.md §4.5): 4405 is named from what the simulated NAS
#: answers to a second task of one name (UNVERIFIED on a real DSM); 4401 is "no error" in last_bkp_error_code
#: (dsmctl); 3332 is is_backing_up_restoring in DSM's error table (go-synology pkg/api/errors.go).
ERRORS = {
    "SYNO.Backup": {
        3332: "The task is backing up or restoring; Hyper Backup refuses changes until it ends",
        4401: "No error",
        NAME_IN_USE: "A Hyper Backup task of this name already exists",
    },
}


# --- input ----------------------------------------------------------------------------------------
def check_params(params, names=None):
    """Check the module's options before any call to DSM; the ResourceError names the option and the fix.

    names: {option: the name the user wrote} (the role's variables; nested options as destination.share).
    """
    named = OptionNames(names)
    if not params["name"] or not params["name"].strip():
        raise ResourceError(f"{named('name')} must not be empty")
    if params["state"] == "absent":
        if params["run_now"]:
            raise ResourceError(f"{named('run_now')} cannot be combined with state=absent")
        return
    if not params["sources"]:
        raise ResourceError(
            f"{named('sources')} must list at least one folder with state=present, such as /docker/anki-server"
        )
    destination = params["destination"]
    if not destination:
        raise ResourceError(
            "destination is required with state=present, for example {type: image_local, share: backups}"
        )
    if not destination["share"] or "/" in destination["share"]:
        raise ResourceError(
            f"{named('destination.share')} must be the name of a shared folder, such as backups (no slashes)"
        )
    remote_keys = ("host", "account", "password")
    kind = "{}={}".format(named("destination.type"), destination["type"])
    if destination["type"] == "image_remote":
        missing = [key for key in remote_keys if not destination.get(key)]
        if missing:
            raise ResourceError("{} needs {}".format(kind, ", ".join(named("destination." + key) for key in missing)))
        if not 1 <= destination["port"] <= 65535:
            raise ResourceError(f"{named('destination.port')} must be a port from 1 to 65535")
    else:
        extra = [key for key in remote_keys if destination.get(key)]
        if extra:
            raise ResourceError(
                "{} only apply to {}=image_remote".format(
                    ", ".join(named("destination." + key) for key in extra), named("destination.type")
                )
            )
    schedule = params["schedule"]
    if schedule is not None:
        keys = {key: named("schedule." + key) for key in ("frequency", "time", "weekdays")}
        problem = schedule_problem(schedule["frequency"], schedule["time"], schedule["weekdays"], keys)
        if problem:
            raise ResourceError(problem)
        if schedule["frequency"] == "daily" and schedule["weekdays"] and set(schedule["weekdays"]) != set(WEEKDAYS):
            raise ResourceError(
                "{} only applies to {}=weekly; set it to weekly".format(keys["weekdays"], keys["frequency"])
            )
    retention = params["retention"]
    if retention is not None and not 1 <= retention["max_versions"] <= 65535:
        raise ResourceError(
            f"{named('retention.max_versions')} must be from 1 to 65535 (got {retention['max_versions']})"
        )
    if params["wait_timeout"] <= 0:
        raise ResourceError(f"{named('wait_timeout')} must be a positive number of seconds")


# --- destination (verified) -----------------------------------------------------------------------
#: destination parameters that go in DSM's encryption envelope over plain HTTP (dsmctl's EncryptedParameters)
SECRET_PARAMS = ("pwd",)


def destination_params(destination):
    """The parameters D that Target.get_candidate_dir, Repository.create and Task.create share."""
    if destination["type"] == "image_local":
        return {"target_type": "image", "transfer_type": "image_local", "share": destination["share"]}
    return {
        "target_type": "image",
        "transfer_type": "image_remote",
        "dest": destination["host"],
        "port": destination.get("port") or REMOTE_DEFAULT_PORT,
        # The verified NAS-to-NAS shape: TLS on, the remote's certificate accepted as it is.
        "sslcheck": True,
        "ssl_trust_mode": "ignore",
        "verify_cert": False,
        "is_webapi_authen": False,
        "account": destination["account"],
        "pwd": destination["password"],
        "share": destination["share"],
    }


def destination_from_repository(repository):
    """The module's view of a task's destination, from Task.get's repository block (read defensively)."""
    repository = repository if isinstance(repository, dict) else {}
    transfer = repository.get("transfer_type") or ""
    share = repository.get("share") or repository.get("remote_share") or ""
    if transfer == "image_remote":
        host = repository.get("dest") or repository.get("remote_url") or repository.get("host") or ""
        # remote_url may come as host:port or with a scheme; keep the host only
        host = re.sub(r"^[a-z]+://", "", str(host)).split("/")[0]
        port = repository.get("port")
        if ":" in host and not port:
            host, port = host.rsplit(":", 1)
        return {
            "type": "image_remote",
            "share": share,
            "host": host,
            "port": _int(port, REMOTE_DEFAULT_PORT),
            "account": repository.get("account") or "",
        }
    return {"type": transfer or "unknown", "share": share}


def destination_differences(current, desired):
    """Destination fields that differ (a task cannot move its destination: Hyper Backup binds it)."""
    keys = ["type", "share"]
    if desired["type"] == "image_remote":
        keys += ["host", "port", "account"]
    return [key for key in keys if current.get(key) != desired.get(key)]


def is_own_repository(repository, name, destination, target_id=None):
    """Whether a listed repository is one this module's create made for the task `name` going to `destination`
    (the module's view): Repository.create carries the task's name, the destination and the candidate dir."""
    if not isinstance(repository, dict) or repository.get("name") != name:
        return False
    if target_id is not None and repository.get("target_id") not in (None, target_id):
        return False
    listed = destination_from_repository(repository)
    return not destination_differences(listed, destination)


# --- sources (create: verified; Task.set: unverified) ----------------------------------------------
def source_block(paths):
    """The source block of Task.create (verified): share-rooted File Station paths, no apps."""
    return {"app_list": [], "file_list": list(paths)}


def set_sources_params_unverified(paths):
    """Task.set parameters that replace the source folders: the create block sent again (UNVERIFIED)."""
    return {"source": source_block(paths)}


def sources_from_task(task):
    """File Station paths of a task's source folders, from Task.list (get_source) or Task.get."""
    source = task.get("source") if isinstance(task, dict) else None
    if not isinstance(source, dict):
        return []
    # The reference shows folder_list[].folderPath, a live-verified decoder reads file_list[].folderPath,
    # and Task.create sends file_list as plain strings: accept all three.
    paths = []
    for key in ("folder_list", "file_list"):
        for item in source.get(key) or []:
            if isinstance(item, dict):
                path = item.get("folderPath") or item.get("folder_path") or item.get("path")
            else:
                path = item
            if path:
                paths.append(str(path))
    return sorted(set(paths))


def filestation_path(path, shares, assume_missing_shares=False):
    """A folder as a share-rooted File Station path, resolved against the NAS's shares.

    shares: {name: vol_path} from SYNO.Core.Share list. /volumeN/share/dir becomes /share/dir only
    when share is a shared folder on /volumeN; /share/dir is accepted when share exists. Returns
    (path, None) or (None, reason). assume_missing_shares (check mode only) accepts a share that does
    not exist yet, as an earlier task of the same run would create it.
    """
    path = "/" + "/".join(part for part in str(path).split("/") if part)
    if path == "/":
        return None, "is the root, not a folder"
    parts = path.split("/")[1:]
    if any(part in (".", "..") for part in parts):
        return None, "must not contain . or .."
    if VOLUME.match("/" + parts[0]):
        volume = "/" + parts[0]
        if len(parts) < 2:
            return None, f"is a whole volume; name a shared folder or a folder in one, such as {volume}/docker"
        share = parts[1]
        if shares.get(share) is None:
            if assume_missing_shares:
                return "/" + "/".join(parts[1:]), None
            return None, f"names the shared folder {share!r}, which does not exist on the NAS"
        if shares[share] != volume:
            return None, f"names the shared folder {share!r} on {volume}, but that shared folder is on {shares[share]}"
        return "/" + "/".join(parts[1:]), None
    if shares.get(parts[0]) is None and not assume_missing_shares:
        return None, f"names the shared folder {parts[0]!r}, which does not exist on the NAS"
    return path, None


# --- schedule (UNVERIFIED write; read defensively) -------------------------------------------------
def normalize_schedule(schedule):
    """The module's normal form: {enabled, frequency, time, weekdays}; weekly on all days is daily."""
    if schedule is None:
        return None
    enabled = bool(schedule.get("enabled", True))
    time = schedule.get("time") or "03:00"
    match = TIME.match(str(time))
    if match:
        time = f"{int(match.group(1)):02d}:{int(match.group(2)):02d}"
    frequency = schedule.get("frequency") or "daily"
    days = schedule.get("weekdays") or []
    if frequency == "daily":
        days = ALL_DAYS
    days = [day for day in WEEKDAYS if day in days]
    if days == ALL_DAYS:
        frequency = "daily"
    return {"enabled": enabled, "frequency": frequency, "time": time, "weekdays": days}


def schedule_to_wire_unverified(schedule):
    """Task.set parameters for a schedule (UNVERIFIED): the block Task.get returns, sent back.

    Shape of the read side (keys from a dump of real Task.get/status answers): {"schedule_enable":
    bool, "schedule": {"date_type": 0, "hour", "min", "week_name": "0,1,..", "repeat", ...}}.
    date_type 0 with repeat 0 is taken to mean "once a day, on the days in week_name".
    """
    hour, minute = (int(part) for part in schedule["time"].split(":"))
    return {
        "schedule": {
            "schedule_enable": bool(schedule["enabled"]),
            "schedule": {
                "date_type": 0,
                "week_name": ",".join(str(WEEKDAYS.index(day)) for day in schedule["weekdays"]),
                "hour": hour,
                "min": minute,
                "repeat": 0,
                "repeat_hour": 0,
                "repeat_min": 0,
                "last_work_hour": hour,
            },
        }
    }


def schedule_from_wire(block):
    """The normal form of the schedule block of Task.get/status/list; None when there is none."""
    if not isinstance(block, dict):
        return {"enabled": False, "frequency": "daily", "time": "00:00", "weekdays": ALL_DAYS}
    inner = block.get("schedule") if isinstance(block.get("schedule"), dict) else block
    enabled = block.get("schedule_enable", block.get("enable", inner.get("schedule_enable", False)))
    hour = _int(inner.get("hour"), 0)
    minute = _int(inner.get("min", inner.get("minute")), 0)
    week = inner.get("week_name", inner.get("week_day", "0,1,2,3,4,5,6"))
    if isinstance(week, str):
        numbers = [item.strip() for item in week.split(",") if item.strip()]
    elif isinstance(week, list):
        numbers = week
    else:
        numbers = []
    days = sorted({_int(number, -1) for number in numbers} & set(range(7)))
    return normalize_schedule(
        {
            "enabled": _bool(enabled),
            "frequency": "weekly",
            "time": f"{hour:02d}:{minute:02d}",
            "weekdays": [WEEKDAYS[number] for number in days],
        }
    )


# --- retention (UNVERIFIED write and read) ---------------------------------------------------------
def normalize_retention(retention):
    if retention is None:
        return None
    enabled = bool(retention.get("enabled", True))
    return {
        "enabled": enabled,
        "policy": retention.get("policy") or "versions",
        "max_versions": int(retention.get("max_versions") or 30),
    }


def retention_to_wire_unverified(retention):
    """Task.set parameters for the retention (UNVERIFIED): a rotate_params block.

    No public source decodes rotate_params. Its fields here mirror synobackup.conf, the file Hyper
    Backup keeps its tasks in, whose other keys (enable_data_encrypt, enable_notify, ...) are the
    API's backup_params field names: rotate_condition=[policy, max versions], where Hyper Backup's
    UI default, Smart Recycle with 256 versions, shows up as [1,256]. enable_rotate says whether
    rotation is on at all.
    """
    return {
        "rotate_params": {
            "enable_rotate": bool(retention["enabled"]),
            "rotate_condition": [RETENTION_POLICIES[retention["policy"]], int(retention["max_versions"])],
        }
    }


def retention_from_wire(block):
    """The normal form of a rotate_params block (read defensively: a list, or named fields)."""
    if not isinstance(block, dict) or not block:
        return {"enabled": False, "policy": "versions", "max_versions": 0}
    condition = block.get("rotate_condition")
    if isinstance(condition, str):
        condition = [part for part in re.split(r"[\[\],\s]+", condition) if part]
    policy_code, max_versions = None, None
    if isinstance(condition, list) and len(condition) >= 2:
        policy_code, max_versions = _int(condition[0], 0), _int(condition[1], 0)
    else:
        policy = block.get("rotate_policy", block.get("rotate_option"))
        policy_code = 1 if policy in (1, "smart_recycle", "smart") else 0
        max_versions = _int(block.get("max_versions", block.get("rotate_version")), 0)
    policy = "smart_recycle" if policy_code == 1 else "versions"
    enabled = _bool(block.get("enable_rotate", True))
    return {"enabled": enabled, "policy": policy, "max_versions": max_versions}


# --- run now (verified: Task.status and Task.backup) ----------------------------------------------
def task_status(client, task_id):
    return client.call(
        TASK_API, "status", {"task_id": task_id, "blOnline": False, "additional": STATUS_ADDITIONAL}, version=1
    )


def backup_ended(before, status, seen_running=False):
    """Whether status shows the run started after the status before has ended: the task idle again, and seen
    running on the way, or with a new last backup time or success version. DSM's times count whole seconds,
    so two short runs within one second look alike by their times alone."""
    if status.get("status") not in IDLE_STATUSES:
        return False
    return seen_running or any(
        status.get(key) != before.get(key) for key in ("last_bkp_end_time", "last_bkp_time", "last_bkp_success_version")
    )


def run_backup(client, task, name, wait, timeout):
    """Start a backup of task (unless one runs) and with wait, wait for its end; what the run did.

    After the wait, task's last_backup is the run's; a run that did not succeed raises ResourceError.
    """
    started = time.monotonic()
    before = task_status(client, task["task_id"])
    running = before.get("status") not in IDLE_STATUSES
    if not running:
        client.call(TASK_API, "backup", {"task_id": task["task_id"]}, version=1, write=True)
    run = {"started": not running, "already_running": running, "waited": False}
    if not wait:
        return run
    seen = {"running": False}

    def ended(status):
        seen["running"] = seen["running"] or status.get("status") not in IDLE_STATUSES
        return backup_ended(before, status, seen["running"])

    status = wait_until(
        lambda: task_status(client, task["task_id"]),
        ended,
        timeout,
        f"the backup of {name!r} is still running after {timeout} seconds (wait_timeout); it goes on in DSM",
        interval=POLL_SECONDS,
    )
    run.update(
        waited=True,
        result=status.get("last_bkp_result", ""),
        status=status.get("status", ""),
        last_backup_time=status.get("last_bkp_time", ""),
        last_backup_end_time=status.get("last_bkp_end_time", ""),
        seconds=round(time.monotonic() - started, 1),
    )
    task["last_backup"] = {
        "time": run["last_backup_time"],
        "end_time": run["last_backup_end_time"],
        "result": run["result"],
    }
    if run["result"] not in ("done", "success"):
        error = status.get("last_bkp_error")
        raise ResourceError(
            "the backup of {!r} ended with result {!r}{}".format(name, run["result"], f": {error}" if error else "")
        )
    return run


# --- small helpers --------------------------------------------------------------------------------
def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)
