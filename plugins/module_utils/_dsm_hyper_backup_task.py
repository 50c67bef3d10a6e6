# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Hyper Backup task as the module dsm_hyper_backup manages it: read, compare, create, update, delete, run.

PRIVATE to the collection: it can change at any time. The wire shapes it sends live in _dsm_hyper_backup.py.
"""

from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_hyper_backup as hb
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_hyper_backup import (
    GET_ADDITIONAL,
    LIST_ADDITIONAL,
    REPOSITORY_API,
    TARGET_API,
    TASK_API,
)
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_share import share_volumes
from ansible_collections.ankinas.synology.plugins.module_utils._resource import (
    MASK,
    ResourceError,
)


class HyperBackupTask(DSMResource):
    result_key = "backup_task"
    dsm_errors = hb.ERRORS

    def __init__(self, module):
        super().__init__(module)
        self._shares = None

    @property
    def compared_keys(self):
        keys = ["sources"]
        keys += [key for key in ("schedule", "retention") if self.params[key] is not None]
        return tuple(keys)

    # --- input ---------------------------------------------------------------------------------
    def validate(self):
        super().validate()
        hb.check_params(self.params)

    # --- reads ---------------------------------------------------------------------------------
    def shares(self):
        """{name: vol_path} of the NAS's shared folders (listed once per run)."""
        if self._shares is None:
            self._shares = share_volumes(self.client)
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
        for key, normalize in (("schedule", hb.normalize_schedule), ("retention", hb.normalize_retention)):
            wanted = self.params[key]
            if wanted is None:
                continue
            # enabled=false turns it off and leaves the other fields as DSM has them (the documented meaning)
            off = not wanted["enabled"] and current is not None
            desired[key] = dict(current[key], enabled=False) if off else normalize(wanted)
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
        made_repository = reused is None
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
        try:
            self.client.call(
                TASK_API,
                "create",
                task,
                version=1,
                write=True,
                confirm=lambda: self._find() is not None,
                secret_params=hb.SECRET_PARAMS,
            )
        except DSMAPIError as exc:
            if exc.code != hb.NAME_IN_USE:
                raise
            self._take_over(desired, repo_id if made_repository else None, exc)
            return
        created = self._find()
        if created is None:
            raise ResourceError(
                "SYNO.Backup.Task create succeeded but no task named {!r} is listed".format(desired["name"])
            )
        steps = [key for key in ("schedule", "retention") if key in desired]
        if steps:
            self._set(created["task_id"], desired, steps, "was created")

    def _take_over(self, desired, repo_id, refusal):
        """Task.create met the name in use: another run (a second host of the same NAS, say) made the task since
        this run read. Take that task over (update it to the desired state) and remove the repository this run
        made for nothing, so both runs end with one task and one repository."""
        taken = self.read()
        if taken is None or taken.get("task_id") is None:
            raise ResourceError(
                f"{refusal}, but no task named {self.params['name']!r} is listed: rename the task in the Hyper Backup "
                "UI or choose another name"
            ) from None
        self.module.warn(
            f"another run created the Hyper Backup task {self.params['name']!r} at the same time as this one; this "
            "run took it over"
        )
        if repo_id is not None and all(other.get("repo_id") != repo_id for other in self._tasks()):
            self.client.call(
                REPOSITORY_API,
                "delete",
                {"repo_id": repo_id},
                version=1,
                write=True,
                confirm=lambda: all(other.get("repo_id") != repo_id for other in self._own_repositories()),
            )
        different = hb.destination_differences(taken["destination"], desired["destination"])
        if different:
            keys = ", ".join("destination." + key for key in different)
            raise ResourceError(
                f"the task {self.params['name']!r} that another run created backs up to another destination "
                f"({keys} differ); Hyper Backup cannot move a task"
            )
        if self.differences(taken, desired):
            self.update(taken, desired)

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
    def report(self, result):
        if not (self.params["run_now"] and self.params["state"] == "present"):
            return
        if self.module.check_mode:
            result["backup_run"] = {"started": False, "waited": False, "msg": "check mode: no backup started"}
        else:
            task = result[self.result_key]
            params = self.params
            result["backup_run"] = hb.run_backup(
                self.client, task, params["name"], params["wait"], params["wait_timeout"]
            )
        result["changed"] = True
