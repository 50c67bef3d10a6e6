#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_hyper_backup
short_description: Manage a Hyper Backup task on a Synology NAS, and run it
version_added: 0.1.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures a Hyper Backup task (C(SYNO.Backup.*), package HyperBackup) named O(name) backs up O(sources) to
    O(destination), with an optional O(schedule) and O(retention); deletes it with O(state=absent); starts a backup
    with O(run_now) and can wait for its result.
  - A new task is made with the three calls that a public client verified on Hyper Backup 4.2.2
    (C(SYNO.Backup.Target get_candidate_dir), C(SYNO.Backup.Repository create), C(SYNO.Backup.Task create)); when
    C(Task.create) answers an empty body, as DSM sometimes does, the module finds the task by listing.
  - B(UNVERIFIED on a real DSM:) no public source shows how C(SYNO.Backup.Task set) takes a schedule, a retention
    (C(rotate_params)) or new source folders. The module sends the most likely shapes (the schedule block that
    C(Task.get) returns; a C(rotate_condition) of [policy, versions] as in C(synobackup.conf)), all built in one
    place (C(plugins/module_utils/_dsm_hyper_backup.py)), and reads the task back afterwards. If DSM ignores them,
    the re-read differs and the next run reports a change again; check a task the module made in the Hyper Backup
    UI once before you rely on its schedule and retention, and report what you see.
  - If DSM rejects that C(Task.set), the task stands (it was created with the verified calls) and the module fails
    saying so and naming only that step; the next run finds the task and sends only the C(Task.set) again.
options:
  name:
    description:
      - Name of the task; it identifies the task (there must not be two tasks of this name).
    type: str
    required: true
  state:
    description:
      - V(present) ensures the task exists as described; V(absent) deletes it (see O(remove_data)).
    type: str
    choices: [present, absent]
    default: present
  sources:
    description:
      - The folders to back up. Either C(/volumeN/share/dir) (as a Docker bind mount names it) or the share-rooted
        File Station path C(/share/dir). The module converts the first into the second by listing the NAS's shared
        folders, and fails when the shared folder is not on that volume (it never guesses).
      - Required with O(state=present). Their order does not matter.
    type: list
    elements: str
  destination:
    description:
      - Where the backup goes. Required with O(state=present).
      - Hyper Backup binds a task to its destination; the module does not move an existing task to another
        destination and fails instead (delete the task and create it again).
    type: dict
    suboptions:
      type:
        description:
          - V(image_local) a shared folder on this NAS (or a USB disk's share); V(image_remote) a remote Synology NAS
            or Hyper Backup Vault.
        type: str
        choices: [image_local, image_remote]
        default: image_local
      share:
        description: The shared folder the backup goes into (on the remote for V(image_remote)); it must exist.
        type: str
        required: true
      host:
        description: The remote NAS's host name or address (V(image_remote)).
        type: str
      port:
        description: The remote's Hyper Backup Vault port (V(image_remote)).
        type: int
        default: 6281
      account:
        description: The account on the remote (V(image_remote)).
        type: str
      password:
        description:
          - The password of O(destination.account) (V(image_remote)). Used when the task is created only; DSM never
            shows it again, so a changed password does not change an existing task.
        type: str
  schedule:
    description:
      - When the task runs. Not set, the module leaves the task's schedule as it is (a new task is unscheduled).
      - B(Unverified on real DSM), see the description.
    type: dict
    suboptions:
      enabled:
        description: Whether the schedule is on. V(false) turns it off and leaves the other fields unchanged.
        type: bool
        default: true
      frequency:
        description: V(daily), or V(weekly) on O(schedule.weekdays). Weekly on all seven days is daily.
        type: str
        choices: [daily, weekly]
        default: daily
      time:
        description: Time of day, C(HH:MM), in the NAS's time zone.
        type: str
        default: "03:00"
      weekdays:
        description: The days of a weekly schedule.
        type: list
        elements: str
        choices: [sun, mon, tue, wed, thu, fri, sat]
  retention:
    description:
      - Which versions the destination keeps (Hyper Backup's rotation). Not set, the module leaves it as it is (a new
        task keeps every version).
      - B(Unverified on real DSM), see the description.
    type: dict
    suboptions:
      enabled:
        description: Whether old versions are removed at all.
        type: bool
        default: true
      policy:
        description:
          - V(versions) keeps the newest O(retention.max_versions) versions ("from the earliest versions");
            V(smart_recycle) keeps hourly versions of the last day, daily ones of the last month and weekly ones
            before that, at most O(retention.max_versions).
        type: str
        choices: [versions, smart_recycle]
        default: versions
      max_versions:
        description: The most versions kept (1 to 65535).
        type: int
        default: 30
  run_now:
    description:
      - Start a backup now (C(SYNO.Backup.Task backup)) after the task is in shape. Always reports a change. If the
        task is already backing up, no second backup is started.
    type: bool
    default: false
  wait:
    description: With O(run_now), wait until the backup has ended and fail unless it succeeded.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the backup (O(wait)).
    type: int
    default: 3600
  remove_data:
    description:
      - With O(state=absent), also delete the backup data at the destination. By default the data stays, and a new
        task can relink to it in the Hyper Backup UI.
    type: bool
    default: false
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
  - ankinas.synology.attributes.ACTIONGROUP_DSM
attributes:
  check_mode:
    support: full
    details:
      - With O(run_now), check mode reports the change and starts nothing.
      - A shared folder that does not exist yet (because an earlier task of the same check run would create it)
        is assumed to exist, with a warning; a real run fails on it.
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - Idempotent on O(sources), O(schedule), O(retention) and O(state).
      - O(run_now=true) starts a backup on every run.
      - The remote password is only sent when the task is created.
notes:
  - Source folders and the destination must be shared folders (or folders in them) of the NAS, as Hyper Backup
    requires; a missing destination shared folder fails before any change, naming it.
  - Over plain HTTP the remote password goes in DSM's encryption envelope (C(SYNO.API.Encryption)), as the DSM UI
    sends it; over HTTPS it is sent as it is, as other live-verified clients do.
  - A create is three calls (C(Target get_candidate_dir), C(Repository create), C(Task create)). When an answer is
    lost (timeout, proxy error, an interrupted run), the module finds what it sent by listing; a repository named
    after the task on the same destination that no task uses is its own and is reused, so reruns never pile up
    repositories. O(state=absent) also removes such repositories of the task.
  - C(Repository delete) with C(repo_id) is not shown by any public client; the module sends it only for
    repositories it made and no task uses.
seealso:
  - module: ankinas.synology.dsm_shared_folder
  - module: ankinas.synology.dsm_session
"""

EXAMPLES = r"""
- name: Back up the Anki data nightly at 03:00 to the share backups, keeping 30 versions
  ankinas.synology.dsm_hyper_backup:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    name: anki
    sources:
      - /volume1/docker/anki-server
    destination:
      type: image_local
      share: backups
    schedule:
      frequency: daily
      time: "03:00"
    retention:
      policy: versions
      max_versions: 30

- name: Back up to a Hyper Backup Vault on another NAS, Mondays and Thursdays, and run it now
  ankinas.synology.dsm_hyper_backup:
    name: anki-offsite
    sources: [/docker/anki-server]
    destination:
      type: image_remote
      host: vault.lan
      share: hb_vault
      account: hbuser
      password: "{{ vault_hb_password }}"
    schedule:
      frequency: weekly
      weekdays: [mon, thu]
      time: "04:30"
    run_now: true
    wait: true

- name: Delete the task, keeping its backup data
  ankinas.synology.dsm_hyper_backup:
    name: anki
    state: absent
"""

RETURN = r"""
backup_task:
  description: The task as DSM shows it after the module ran (empty after a deletion); secrets masked.
  returned: always
  type: dict
  contains:
    task_id:
      description: DSM's id of the task (null in check mode before creation).
      type: int
      sample: 3
    name:
      description: Name.
      type: str
      sample: anki
    sources:
      description: Source folders as share-rooted File Station paths, sorted.
      type: list
      elements: str
      sample: [/docker/anki-server]
    destination:
      description: The destination; C(share_path) is the destination shared folder on the NAS (image_local).
      type: dict
      sample: {type: image_local, share: backups, share_path: /volume1/backups}
    target_id:
      description: The task's directory in the destination shared folder.
      type: str
      sample: DiskStation_1
    schedule:
      description: The schedule in the module's terms.
      type: dict
      sample: {enabled: true, frequency: daily, time: "03:00", weekdays: [sun, mon, tue, wed, thu, fri, sat]}
    retention:
      description: The retention in the module's terms.
      type: dict
      sample: {enabled: true, policy: versions, max_versions: 30}
    last_backup:
      description: Time, end time and result of the last backup DSM reports.
      type: dict
      sample: {time: "2026/01/15 03:00:00", end_time: "2026/01/15 03:00:05", result: done}
backup_run:
  description: What O(run_now) did.
  returned: when O(run_now=true)
  type: dict
  sample: {started: true, waited: true, result: done, status: none, seconds: 4.2}
operation:
  description: What the module did to the task (create, update, delete), or would do in check mode.
  returned: changed
  type: str
  sample: update
changed_keys:
  description: The fields an update changed.
  returned: when an existing task was updated
  type: list
  elements: str
  sample: [schedule, retention]
"""

import time

from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_hyper_backup as hb
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import (
    MASK,
    ResourceError,
    run_resource_module,
)

TASK_API = "SYNO.Backup.Task"
TARGET_API = "SYNO.Backup.Target"
REPOSITORY_API = "SYNO.Backup.Repository"
SHARE_API = "SYNO.Core.Share"
LIST_ADDITIONAL = ["last_bkp_time", "last_bkp_result", "get_source", "schedule"]
GET_ADDITIONAL = ["backup_params", "rotate_params", "schedule", "repository", "last_bkp_time", "last_bkp_result"]
STATUS_ADDITIONAL = ["last_bkp_time", "last_bkp_result", "is_modified", "last_bkp_progress"]
POLL_SECONDS = 1.0


class HyperBackupTask(DSMResource):
    result_key = "backup_task"

    def __init__(self, module):
        super().__init__(module)
        self._shares = None
        self.backup_run = None

    @property
    def compared_keys(self):
        keys = ["sources"]
        keys += [key for key in ("schedule", "retention") if self.params[key] is not None]
        return tuple(keys)

    # --- input ---------------------------------------------------------------------------------
    def validate(self):
        super().validate()
        params = self.params
        if not params["name"] or not params["name"].strip():
            raise ResourceError("name must not be empty")
        if params["state"] == "absent":
            if params["run_now"]:
                raise ResourceError("run_now cannot be combined with state=absent")
            return
        if not params["sources"]:
            raise ResourceError("sources must list at least one folder with state=present, such as /docker/anki-server")
        destination = params["destination"]
        if not destination:
            raise ResourceError(
                "destination is required with state=present, for example {type: image_local, share: backups}"
            )
        if not destination["share"] or "/" in destination["share"]:
            raise ResourceError("destination.share must be the name of a shared folder, such as backups (no slashes)")
        remote_keys = ("host", "account", "password")
        if destination["type"] == "image_remote":
            missing = [key for key in remote_keys if not destination.get(key)]
            if missing:
                raise ResourceError(
                    "destination.type=image_remote needs {}".format(", ".join("destination." + key for key in missing))
                )
            if not 1 <= destination["port"] <= 65535:
                raise ResourceError("destination.port must be a port from 1 to 65535")
        else:
            extra = [key for key in remote_keys if destination.get(key)]
            if extra:
                raise ResourceError(
                    "{} only apply to destination.type=image_remote".format(
                        ", ".join("destination." + k for k in extra)
                    )
                )
        schedule = params["schedule"]
        if schedule is not None:
            if not hb.TIME.match(schedule["time"] or ""):
                raise ResourceError("schedule.time must be HH:MM, such as 03:00 (got {!r})".format(schedule["time"]))
            if schedule["frequency"] == "weekly" and not schedule["weekdays"]:
                raise ResourceError("schedule.frequency=weekly needs schedule.weekdays, such as [mon, thu]")
            if (
                schedule["frequency"] == "daily"
                and schedule["weekdays"]
                and set(schedule["weekdays"]) != set(hb.WEEKDAYS)
            ):
                raise ResourceError(
                    "schedule.weekdays only applies to schedule.frequency=weekly; set frequency: weekly"
                )
        retention = params["retention"]
        if retention is not None and not 1 <= retention["max_versions"] <= 65535:
            raise ResourceError("retention.max_versions must be from 1 to 65535")
        if params["wait_timeout"] <= 0:
            raise ResourceError("wait_timeout must be a positive number of seconds")

    # --- reads ---------------------------------------------------------------------------------
    def shares(self):
        """{name: vol_path} of the NAS's shared folders (listed once per run)."""
        if self._shares is None:
            data = self.client.call(SHARE_API, "list", {"shareType": "all", "offset": 0, "limit": -1}, version=1)
            self._shares = {
                share["name"]: share.get("vol_path")
                for share in data.get("shares") or []
                if isinstance(share, dict) and share.get("name")
            }
        return self._shares

    def _tasks(self):
        data = self.client.call(TASK_API, "list", {"sort_by": "name", "additional": LIST_ADDITIONAL}, version=1)
        return data.get("task_list") or []

    def _find(self):
        found = [task for task in self._tasks() if task.get("name") == self.params["name"]]
        if len(found) > 1:
            raise ResourceError(
                f"there are {len(found)} Hyper Backup tasks named {self.params['name']!r}; "
                "rename all but one in the Hyper Backup UI"
            )
        return found[0] if found else None

    def _own_repositories(self, destination=None, target_id=None):
        """The repositories this module made for the task that no task uses (left by a lost answer)."""
        used = {task.get("repo_id") for task in self._tasks()}
        listed = self.client.call(REPOSITORY_API, "list", {}, version=1).get("repo_list") or []
        return [
            repo
            for repo in listed
            if repo.get("repo_id") not in used
            and (
                hb.is_own_repository(repo, self.params["name"], destination, target_id)
                if destination
                else isinstance(repo, dict) and repo.get("name") == self.params["name"]
            )
        ]

    def read(self):
        listed = self._find()
        if listed is None and self.params["state"] == "absent":
            orphans = self._own_repositories()
            if orphans:
                return {"task_id": None, "name": self.params["name"], "repositories": [r["repo_id"] for r in orphans]}
        if listed is None:
            return None
        task_id = listed["task_id"]
        detail = self.client.call(TASK_API, "get", {"task_id": task_id, "additional": GET_ADDITIONAL}, version=1)
        # Some answers wrap the task in "task"; the live-verified decoder reads it flat.
        if isinstance(detail.get("task"), dict):
            detail = detail["task"]
        merged = dict(listed)
        merged.update({key: value for key, value in detail.items() if value is not None})
        destination = hb.destination_from_repository(merged.get("repository") or merged)
        if destination["type"] == "image_local" and destination["share"] in self.shares():
            destination["share_path"] = "{}/{}".format(self.shares()[destination["share"]], destination["share"])
        sources = hb.sources_from_task(merged) or hb.sources_from_task(listed)
        return {
            "task_id": task_id,
            "name": merged.get("name"),
            "sources": sources,
            "destination": destination,
            "target_id": merged.get("target_id", ""),
            "repo_id": merged.get("repo_id"),
            "schedule": hb.schedule_from_wire(merged.get("schedule")),
            "retention": hb.retention_from_wire(merged.get("rotate_params")),
            "last_backup": {
                "time": merged.get("last_bkp_time", ""),
                "end_time": merged.get("last_bkp_end_time", ""),
                "result": merged.get("last_bkp_result", ""),
            },
        }

    # --- desired state -------------------------------------------------------------------------
    def _destination(self):
        wanted = self.params["destination"]
        destination = {"type": wanted["type"], "share": wanted["share"]}
        if wanted["type"] == "image_remote":
            destination.update(host=wanted["host"], port=wanted["port"], account=wanted["account"])
        elif wanted["share"] not in self.shares() and self.module.check_mode:
            self._warn_missing_share(wanted["share"])
        elif wanted["share"] not in self.shares():
            raise ResourceError(
                "destination.share {!r} does not exist on the NAS; create the shared folder first (for example with "
                "ankinas.synology.dsm_shared_folder) or name an existing one".format(wanted["share"])
            )
        else:
            destination["share_path"] = "{}/{}".format(self.shares()[wanted["share"]], wanted["share"])
        return destination

    def _sources(self):
        converted, problems = [], []
        for path in self.params["sources"]:
            fs_path, reason = hb.filestation_path(path, self.shares(), assume_missing_shares=self.module.check_mode)
            share = fs_path.split("/")[1] if fs_path else None
            if share and share not in self.shares():
                self._warn_missing_share(share)
            if reason:
                problems.append(f"{path} {reason}")
            else:
                converted.append(fs_path)
        if problems:
            raise ResourceError("sources: {}".format("; ".join(problems)))
        return sorted(set(converted))

    def _warn_missing_share(self, share):
        """Check mode on a NAS where an earlier task of the run would create the share: predict, and say so."""
        self.module.warn(
            f"check mode: the shared folder {share!r} does not exist yet; the prediction assumes that an earlier "
            "task creates it (a real run fails if none does)"
        )

    def desired(self, current):
        destination = self._destination()
        if current is not None:
            different = hb.destination_differences(current["destination"], destination)
            if different:
                keys = ", ".join("destination." + key for key in different)
                raise ResourceError(
                    f"the task {self.params['name']!r} backs up to another destination ({keys} differ); Hyper Backup "
                    "cannot move a task: delete it (state=absent, its data stays) and create it again"
                )
        desired = {"name": self.params["name"], "sources": self._sources(), "destination": destination}
        schedule = self.params["schedule"]
        if schedule is not None:
            if not schedule["enabled"] and current is not None:
                desired["schedule"] = dict(current["schedule"], enabled=False)
            else:
                desired["schedule"] = hb.normalize_schedule(schedule)
        retention = self.params["retention"]
        if retention is not None:
            if not retention["enabled"] and current is not None:
                desired["retention"] = dict(current["retention"], enabled=False)
            else:
                desired["retention"] = hb.normalize_retention(retention)
        return desired

    def predict(self, current, desired):
        predicted = super().predict(current, desired)
        if current is None:
            predicted.setdefault("task_id", None)
            predicted.setdefault("schedule", hb.schedule_from_wire(None))
            predicted.setdefault("retention", hb.retention_from_wire(None))
        return predicted

    # --- writes --------------------------------------------------------------------------------
    def _wire_destination(self):
        wanted = dict(self.params["destination"])
        return hb.destination_params(wanted)

    def create(self, desired):
        params = self._wire_destination()
        # A repository of an earlier run whose answer was lost: reuse it rather than make another.
        reused = next(iter(self._own_repositories(desired["destination"])), None)
        target_id = reused.get("target_id") if reused else None
        if not target_id:
            target_id = self._candidate_dir(params)
        if reused:
            repo_id = reused["repo_id"]
        else:
            landed = {}

            def find_own():
                landed["repo"] = next(iter(self._own_repositories(desired["destination"], target_id)), None)
                return landed["repo"] is not None

            repository = self.client.call(
                REPOSITORY_API,
                "create",
                dict(params, target_id=target_id, name=desired["name"]),
                version=1,
                write=True,
                confirm=find_own,
                secret_params=hb.SECRET_PARAMS,
            )
            repo_id = repository.get("repo_id", (landed.get("repo") or {}).get("repo_id"))
            if repo_id is None:
                raise ResourceError("SYNO.Backup.Repository create answered no repo_id")
        task = dict(
            params,
            action="create",
            name=desired["name"],
            repo_id=repo_id,
            target_id=target_id,
            source=hb.source_block(desired["sources"]),
            backup_params={"enable_data_compress": True, "enable_notify": False},
        )
        # An empty body is a success on real DSM: the task is then found by listing (confirm re-lists too).
        self.client.call(
            TASK_API,
            "create",
            task,
            version=1,
            write=True,
            confirm=lambda: self._find() is not None,
            secret_params=hb.SECRET_PARAMS,
        )
        created = self._find()
        if created is None:
            raise ResourceError(
                "SYNO.Backup.Task create succeeded but no task named {!r} is listed".format(desired["name"])
            )
        steps = [key for key in ("schedule", "retention") if key in desired]
        if steps:
            self._set(created["task_id"], desired, steps, "was created")

    def _candidate_dir(self, params):
        try:
            candidate = self.client.call(
                TARGET_API, "get_candidate_dir", params, version=1, secret_params=hb.SECRET_PARAMS
            )
        except DSMAPIError as exc:
            raise ResourceError(
                "Hyper Backup cannot use the destination ({}): check destination.share{}".format(
                    exc,
                    ", destination.host, destination.port, destination.account and destination.password"
                    if self.params["destination"]["type"] == "image_remote"
                    else "",
                )
            ) from None
        target_id = candidate.get("candidate_dir")
        if not target_id:
            raise ResourceError("SYNO.Backup.Target get_candidate_dir answered no candidate_dir")
        return target_id

    def update(self, current, desired):
        self._set(current["task_id"], desired, self.differences(current, desired), "exists")

    def _set(self, task_id, desired, keys, done):
        """One Task set for the keys; a refusal says what already stands, so the next run retries only this."""
        params = {}
        if "sources" in keys:
            params.update(hb.set_sources_params_unverified(desired["sources"]))
        if "schedule" in keys:
            params.update(hb.schedule_to_wire_unverified(desired["schedule"]))
        if "retention" in keys:
            params.update(hb.retention_to_wire_unverified(desired["retention"]))
        try:
            self.client.call(TASK_API, "set", dict(params, task_id=task_id), version=1, write=True)
        except DSMAPIError as exc:
            raise ResourceError(
                "the Hyper Backup task {!r} {} (task_id {}); only setting its {} failed: {}. The payload of this step "
                "is unverified on a real DSM (see the module's notes); the next run retries only this step".format(
                    desired["name"], done, task_id, " and ".join(keys), exc
                )
            ) from None

    def delete(self, current):
        if current["task_id"] is not None:
            self.client.call(
                TASK_API,
                "delete",
                {"task_id_list": [current["task_id"]], "is_remove_data": self.params["remove_data"]},
                version=1,
                write=True,
                confirm=lambda: self._find() is None,
            )
        for repo in self._own_repositories():
            self.client.call(
                REPOSITORY_API,
                "delete",
                {"repo_id": repo["repo_id"]},
                version=1,
                write=True,
                confirm=lambda repo_id=repo["repo_id"]: all(
                    other.get("repo_id") != repo_id for other in self._own_repositories()
                ),
            )

    # --- shown ---------------------------------------------------------------------------------
    def masked(self, obj):
        shown = dict(obj)
        destination = dict(shown.get("destination") or {})
        if destination.get("type") == "image_remote":
            destination["password"] = MASK
        shown["destination"] = destination
        return shown

    # --- run now -------------------------------------------------------------------------------
    def finish(self, result):
        try:
            if self.params["run_now"] and self.params["state"] == "present" and result.get(self.result_key) is not None:
                result["backup_run"] = self._run_now(result)
                result["changed"] = True
        except ResourceError as exc:
            super().finish(result)
            self.module.fail_json(msg=str(exc), **result)
        super().finish(result)

    def _status(self, task_id):
        return self.client.call(
            TASK_API, "status", {"task_id": task_id, "blOnline": False, "additional": STATUS_ADDITIONAL}, version=1
        )

    def _run_now(self, result):
        if self.module.check_mode:
            return {"started": False, "waited": False, "msg": "check mode: no backup started"}
        task_id = result[self.result_key]["task_id"]
        before = self._status(task_id)
        started = time.monotonic()
        running = before.get("status") not in hb.IDLE_STATUSES
        if not running:
            self.client.call(TASK_API, "backup", {"task_id": task_id}, version=1, write=True)
        run = {"started": not running, "already_running": running, "waited": False}
        if not self.params["wait"]:
            return run
        status = before
        while True:
            time.sleep(POLL_SECONDS)
            status = self._status(task_id)
            finished = status.get("status") in hb.IDLE_STATUSES and (
                status.get("last_bkp_end_time") != before.get("last_bkp_end_time")
                or status.get("last_bkp_time") != before.get("last_bkp_time")
            )
            if finished:
                break
            if time.monotonic() - started > self.params["wait_timeout"]:
                raise ResourceError(
                    "the backup of {!r} is still running after {} seconds (wait_timeout); it goes on in DSM".format(
                        self.params["name"], self.params["wait_timeout"]
                    )
                )
        run.update(
            waited=True,
            result=status.get("last_bkp_result", ""),
            status=status.get("status", ""),
            last_backup_time=status.get("last_bkp_time", ""),
            last_backup_end_time=status.get("last_bkp_end_time", ""),
            seconds=round(time.monotonic() - started, 1),
        )
        result[self.result_key]["last_backup"] = {
            "time": run["last_backup_time"],
            "end_time": run["last_backup_end_time"],
            "result": run["result"],
        }
        if run["result"] not in ("done", "success"):
            raise ResourceError(
                "the backup of {!r} ended with result {!r}{}".format(
                    self.params["name"],
                    run["result"],
                    ": {}".format(status["last_bkp_error"]) if status.get("last_bkp_error") else "",
                )
            )
        return run


def main():
    module = dsm_module(
        dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            sources=dict(type="list", elements="str"),
            destination=dict(
                type="dict",
                options=dict(
                    type=dict(type="str", choices=["image_local", "image_remote"], default="image_local"),
                    share=dict(type="str", required=True),
                    host=dict(type="str"),
                    port=dict(type="int", default=hb.REMOTE_DEFAULT_PORT),
                    account=dict(type="str"),
                    password=dict(type="str", no_log=True),
                ),
            ),
            schedule=dict(
                type="dict",
                options=dict(
                    enabled=dict(type="bool", default=True),
                    frequency=dict(type="str", choices=["daily", "weekly"], default="daily"),
                    time=dict(type="str", default="03:00"),
                    weekdays=dict(type="list", elements="str", choices=list(hb.WEEKDAYS)),
                ),
            ),
            retention=dict(
                type="dict",
                options=dict(
                    enabled=dict(type="bool", default=True),
                    policy=dict(type="str", choices=["versions", "smart_recycle"], default="versions"),
                    max_versions=dict(type="int", default=30),
                ),
            ),
            run_now=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=3600),
            remove_data=dict(type="bool", default=False),
        )
    )
    run_resource_module(HyperBackupTask(module))


if __name__ == "__main__":
    main()
