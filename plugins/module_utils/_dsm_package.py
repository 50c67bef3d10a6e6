# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM packages (Package Center) through the one DSM client: the wire mapping and the dsm_package resource.

PRIVATE to the collection: it can change at any time.

Wire shapes (dsm-webapi.md §10.2; every value a JSON literal):
- `SYNO.Core.Package list` v2 (v1) with `additional` ["status", "beta", "startable", "install_type"] (keys DSM 7.3
  takes: an unknown one fails the whole call with 120, ychiu1211/dsmctl, live) and `offset` 0, `limit` -1 (every
  package, as batonogov's provider asks) lists the installed packages; the status is under `additional` ("running",
  "stop"). Only this list proves an install.
- `SYNO.Core.Package.Server list` v2 (v1) `blforcereload=false`, `blloadothers=false` is this model's catalog
  (`packages`; `beta_packages` apart): id, dname, version, link, md5, size, install_type (N4S4/synology-api,
  pvulgaris/synology-cli, both against real DSM).
- `SYNO.Core.Package.Installation get_queue` v1 `pkgs=[{pkg, operation: "install", version, beta}]` orders the
  dependencies before the package (synology-cli, live DSM 7.3.2); the catalog's `deppkgs` is not relied on.
- `Installation check` v2 (v1): the volume DSM proposes, the volume list and `is_occupied` (N4S4, synology-cli).
- Install: `Installation install` v1 with `name, url, checksum, filesize, volume_path, beta, blqinst: true,
  installrunpackage, is_syno, type: 0` (the quick install ychiu1211/dsmctl ran on DSM 7.3.2; ApaipaiLtd/dsm_helper
  sends the same without url/checksum/filesize). DSM answers 4501 when the package needs its install wizard.
- Update (state latest): the two-phase flow pvulgaris/synology-cli took from a DSM 7.3.2 browser capture:
  `Installation upgrade` (download: name, url, checksum, filesize, operation "upgrade", blqinst false) -> a task
  polled with `status` `task_id` -> `Installation.Download check` `taskid` gives the file -> `Installation upgrade`
  with `path`, `extra_values: "{}"`, `type: 0`, `check_codesign`, `force`, `installrunpackage` -> `Installation
  delete` `path` (clean-up).
- `SYNO.Core.Package.Control start|stop` v1 `id`; `SYNO.Core.Package.Uninstallation uninstall` v1 `id`,
  `dsm_apps: ""`, and `extra_values` (a JSON text) only when told to delete data (the keys are the package's own).
DSM drops the answer of the request that installs, yet finishes (synology-cli applyInstallFromPath): a write
without an answer is never sent again; the module waits (bounded by wait_timeout) until the installed list shows
the result. UNVERIFIED on a real NAS: which packages need their wizard (Container Manager and Hyper Backup are
believed not to), and what a quick install of a package with unmet dependencies answers (the module installs them
first, in the queue's order).
"""

import contextlib
import json
import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMUncertainWriteError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
from ansible_collections.ankinas.synology.plugins.module_utils._nas_path import VOLUME
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import wait_until

PACKAGE_API = "SYNO.Core.Package"
SERVER_API = "SYNO.Core.Package.Server"
INSTALL_API = "SYNO.Core.Package.Installation"
DOWNLOAD_API = "SYNO.Core.Package.Installation.Download"
CONTROL_API = "SYNO.Core.Package.Control"
UNINSTALL_API = "SYNO.Core.Package.Uninstallation"
APIS = (PACKAGE_API, SERVER_API, INSTALL_API, DOWNLOAD_API, CONTROL_API, UNINSTALL_API)

#: the additional fields read from Package list: the four dsmctl confirmed on DSM 7.3, which refuses the whole call
#: (120) for a key it does not know (so ctl_uninstall, which other clients ask for, is not asked)
LIST_ADDITIONAL = ["status", "beta", "startable", "install_type"]
#: seconds between two reads of the installed list while DSM works
POLL = 2.0
#: the status names the module returns, from DSM's
STATUSES = {"running": "running", "stop": "stopped", "stopped": "stopped"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
VERSION = re.compile(r"^(\d+(?:\.\d+)*)(?:-(\d+))?$")

#: DSM error codes of Package Center (N4S4/synology-api error_codes.py, dsm_helper, synology-cli, dsmctl)
ERRORS = {
    PACKAGE_API: {
        4501: "The package needs its install wizard (or the install volume is set to 'Always ask me')",
        4520: "Not enough space on the volume",
        4526: "A package it depends on is not installed",
        4530: "Another package operation is in progress",
        4531: "The package is not published by Synology",
        4532: "The package's publisher is unknown",
        4533: "The package's certificate has expired",
        4540: "The installation failed",
        4541: "The update failed",
        4544: "The package is already installed",
        4548: "The package does not fit this DSM version",
        4580: "The package failed to start",
        4581: "The package failed to stop",
        4582: "Other packages depend on this package and run",
    },
}

#: what to do, for the codes a user can act on ({name} is the package id)
HINTS = {
    4501: "{name} needs DSM's install wizard, whose answers the Web API cannot give: install it once in DSM "
    "(Main Menu > Package Center > search for {name} > Install), then re-run",
    4520: "free space on the volume (Storage Manager) or choose another volume with the option volume",
    4526: "install the packages {name} depends on first (the module installs what DSM's install queue lists)",
    4530: "Package Center is busy with another install, update or removal: wait until it ends (Package Center "
    "shows it), then re-run",
    4582: "stop the packages that depend on {name} first",
}


# --- pure logic (unit-tested) -----------------------------------------------------------------------------------------
def parse_version(text):
    """'24.0.2-1535' -> ((24, 0, 2), 1535); None for a version Package Center does not write this way."""
    match = VERSION.match(str(text or "").strip())
    if not match:
        return None
    return tuple(int(part) for part in match.group(1).split(".")), int(match.group(2) or 0)


def compare_versions(left, right):
    """-1, 0 or 1 as left is older than, as old as or newer than right; None when either cannot be read."""
    a, b = parse_version(left), parse_version(right)
    if a is None or b is None:
        return 0 if str(left) == str(right) else None
    width = max(len(a[0]), len(b[0]))
    a_key = (a[0] + (0,) * (width - len(a[0])), a[1])
    b_key = (b[0] + (0,) * (width - len(b[0])), b[1])
    return (a_key > b_key) - (a_key < b_key)


def is_newer(candidate, installed):
    """Whether candidate is a newer build than installed (an unreadable version never is: never a downgrade)."""
    return compare_versions(candidate, installed) == 1


def shape_installed(entry):
    """A Package list entry as the module returns it."""
    extra = entry.get("additional") or {}
    status = extra.get("status")
    return {
        "id": entry.get("id"),
        "name": entry.get("name"),
        "version": entry.get("version"),
        "status": STATUSES.get(status, status),
        "startable": bool(extra.get("startable", True)),
        "install_type": extra.get("install_type") or "",
        "uninstallable": extra.get("ctl_uninstall", True) is not False and extra.get("install_type") != "system",
    }


def offered(catalog, package_id):
    """The catalog entry (stable releases) of package_id, or None."""
    for entry in catalog.get("packages") or []:
        if isinstance(entry, dict) and package_id in (entry.get("id"), entry.get("package")):
            return entry
    return None


def not_offered_message(catalog, package_id):
    """Why package_id cannot be installed from this catalog, naming it (and the id when a display name was given)."""
    where = "this NAS's Package Center catalog"
    for entry in catalog.get("packages") or []:
        if isinstance(entry, dict) and str(entry.get("dname", "")).lower() == package_id.lower():
            return (
                f"name: {package_id} is a display name; the package id is {entry.get('id') or entry.get('package')} "
                "(set name to it)"
            )
    for entry in catalog.get("beta_packages") or []:
        if isinstance(entry, dict) and package_id in (entry.get("id"), entry.get("package")):
            return f"{package_id} is offered only as a beta in {where}; this module installs stable releases"
    return (
        f"{package_id} is not offered by {where}: Synology does not publish it for this model or DSM version, so it "
        "cannot be installed (nothing was changed)"
    )


def install_plan(queue, target, installed, catalog):
    """The steps that install or update target as DSM's install queue orders them (dependencies first).

    queue: get_queue's answer; installed: {id: shaped entry}; catalog: Server.list's answer. Each step is
    {"package", "action": "install" | "upgrade", "version", "entry"}; an installed dependency at the catalog's
    version or newer is left alone (never a downgrade). Raises ResourceError when DSM reports a broken,
    conflicting or missing package, or when the queue names a package the catalog does not offer.
    Returns (steps, paused): paused are the running packages DSM stops during an update.
    """
    problems = []
    for key, meaning in (
        ("broken_pkgs", "broken"),
        ("conflicted_pkgs", "in conflict with it"),
        ("non_exist_pkgs", "not offered for this NAS"),
    ):
        names = [str(item.get("pkg", item) if isinstance(item, dict) else item) for item in queue.get(key) or []]
        if names:
            problems.append(f"{meaning}: {', '.join(names)}")
    if problems:
        raise ResourceError(
            f"DSM's install queue for {target} cannot be run ({'; '.join(problems)}); nothing was changed"
        )
    order = []
    for item in queue.get("queue") or []:
        package_id = item.get("pkg") if isinstance(item, dict) else item
        if package_id and package_id not in order:
            order.append(package_id)
    if target in order:
        order.remove(target)
    order.append(target)
    steps = []
    for package_id in order:
        entry = offered(catalog, package_id)
        if entry is None:
            raise ResourceError(
                f"{target} needs {package_id}, which this NAS's catalog does not offer; nothing was changed"
            )
        have = installed.get(package_id)
        if have is None:
            steps.append({"package": package_id, "action": "install", "version": entry.get("version"), "entry": entry})
        elif is_newer(entry.get("version"), have.get("version")):
            steps.append({"package": package_id, "action": "upgrade", "version": entry.get("version"), "entry": entry})
    paused = [str(item.get("pkg", item) if isinstance(item, dict) else item) for item in queue.get("paused_pkgs") or []]
    return steps, paused


# --- the calls --------------------------------------------------------------------------------------------------------
class PackageCenter:
    """The Package Center calls on one DSM client."""

    def __init__(self, client, poll=POLL):
        self.client = client
        self.poll = poll

    def installed(self):
        """{id: shaped entry} of the installed packages."""
        params = {"additional": LIST_ADDITIONAL, "offset": 0, "limit": -1}
        data = self.client.call(PACKAGE_API, "list", params, version=(1, 2))
        return {
            entry["id"]: shape_installed(entry)
            for entry in (data or {}).get("packages") or []
            if isinstance(entry, dict) and entry.get("id")
        }

    def catalog(self):
        return self.client.call(SERVER_API, "list", {"blforcereload": False, "blloadothers": False}, version=(1, 2))

    def queue(self, entry):
        item = {"pkg": entry["id"], "operation": "install", "version": entry.get("version"), "beta": False}
        return self.client.call(INSTALL_API, "get_queue", {"pkgs": [item]}, version=1)

    def check(self, entry, upgrade=False):
        """Installation check: {volume_path, volume_list, is_occupied} (the pre-download form, as synology-cli)."""
        params = {
            "id": entry["id"],
            "ver": entry.get("version"),
            "size": entry.get("size"),
            "blupgrade": upgrade,
            "install_type": entry.get("install_type") or "",
            "install_on_cold_storage": bool(entry.get("install_on_cold_storage")),
            "blCheckDep": False,
            "depsers": "",
            "deppkgs": None,
            "conflictpkgs": None,
            "breakpkgs": None,
            "replacepkgs": None,
        }
        return self.client.call(INSTALL_API, "check", params, version=(1, 2))

    def _refusal(self, exc, package_id):
        """A DSMAPIError with the hint for the codes a user can act on."""
        hint = HINTS.get(exc.code)
        if hint is None:
            return exc
        return DSMAPIError(exc.api, exc.method, exc.code, meaning=exc.meaning, hint=hint.format(name=package_id))

    def _write(self, api, method, params, package_id):
        """One write, never re-sent: DSM's data ({} for none), or None when the answer was lost (it may have landed)."""
        try:
            return self.client.call(api, method, params, version=1, write=True) or {}
        except DSMUncertainWriteError:
            return None
        except DSMAPIError as exc:
            raise self._refusal(exc, package_id) from None

    def install(self, entry, volume, run, timeout):
        """Quick install of one catalog entry; returns once the installed list shows it."""
        package_id = entry["id"]
        params = {
            "name": package_id,
            "url": entry.get("link") or "",
            "checksum": entry.get("md5") or "",
            "filesize": entry.get("size") or 0,
            "volume_path": volume,
            "beta": False,
            "blqinst": True,
            "installrunpackage": run,
            "is_syno": True,
            "type": 0,
        }
        answered = self._write(INSTALL_API, "install", params, package_id) is not None
        return self.wait_listed(
            package_id,
            lambda listed: listed is not None,
            timeout,
            f"{package_id}: the install was sent once"
            + ("" if answered else " and DSM dropped its answer (as it does while it installs)")
            + f", but after {timeout}s (wait_timeout) DSM does not list the package; it may still be installing or "
            "may have failed: see Package Center, then re-run (the module never sends an install twice in a run)",
        )

    def upgrade(self, entry, timeout):
        """Two-phase update of an installed package to the catalog entry; returns once the list shows the version."""
        package_id = entry["id"]
        self.check(entry, upgrade=True)
        download = {
            "name": package_id,
            "is_syno": True,
            "beta": False,
            "url": entry.get("link") or "",
            "checksum": entry.get("md5") or "",
            "filesize": entry.get("size") or 0,
            "type": 0,
            "blqinst": False,
            "operation": "upgrade",
        }
        started = self._write(INSTALL_API, "upgrade", download, package_id)
        task_id = (started or {}).get("taskid") or (started or {}).get("task_id")
        if not task_id:
            raise ResourceError(
                f"{package_id}: {INSTALL_API} upgrade (the download) gave no task id; nothing was installed. If DSM "
                "shows a download in Package Center, wait for it, then re-run"
            )
        wait_until(
            lambda: self.client.call(INSTALL_API, "status", {"task_id": task_id}, version=1),
            lambda status: status.get("finished") is True,
            timeout,
            f"{package_id}: the download of {entry.get('version')} did not finish within {timeout}s (wait_timeout)",
            interval=self.poll,
        )
        staged = self.client.call(DOWNLOAD_API, "check", {"taskid": task_id}, version=1)
        path = staged.get("filename")
        if not path:
            raise ResourceError(f"{package_id}: {DOWNLOAD_API} check named no downloaded file; nothing was installed")
        self.client.call(
            INSTALL_API,
            "check",
            {
                "id": package_id,
                "install_type": entry.get("install_type") or "",
                "install_on_cold_storage": bool(entry.get("install_on_cold_storage")),
                "breakpkgs": None,
                "blCheckDep": False,
                "replacepkgs": None,
            },
            version=(1, 2),
        )
        commit = {
            "path": path,
            "extra_values": "{}",
            "type": 0,
            "check_codesign": True,
            "force": True,
            "installrunpackage": True,
        }
        answer = self._write(INSTALL_API, "upgrade", commit, package_id)
        if answer and answer.get("worker_message"):
            raise ResourceError(f"{package_id}: DSM refused the update: {answer['worker_message']}")
        listed = self.wait_listed(
            package_id,
            lambda listed: (
                listed is not None and compare_versions(listed.get("version"), entry.get("version")) in (0, 1)
            ),
            timeout,
            f"{package_id}: the update to {entry.get('version')} was sent once, but after {timeout}s (wait_timeout) "
            "DSM does not list that version; see Package Center, then re-run",
        )
        # The clean-up of the downloaded file is best-effort, as in DSM's own UI.
        with contextlib.suppress(ResourceError):
            self.client.call(INSTALL_API, "delete", {"path": path}, version=1, write=True)
        return listed

    def control(self, package_id, action, timeout):
        """start or stop, then wait until the list shows the status."""
        wanted = "running" if action == "start" else "stopped"
        self._write(CONTROL_API, action, {"id": package_id}, package_id)
        return self.wait_listed(
            package_id,
            lambda listed: listed is not None and listed.get("status") == wanted,
            timeout,
            lambda last: (
                f"{package_id} is {self._status_of(last, package_id)}, not {wanted}, {timeout}s "
                f"(wait_timeout) after {CONTROL_API} {action}"
            ),
        )

    def uninstall(self, package_id, values, timeout):
        params = {"id": package_id, "dsm_apps": ""}
        if values:
            params["extra_values"] = json.dumps(values, separators=(",", ":"))
        self._write(UNINSTALL_API, "uninstall", params, package_id)
        self.wait_listed(
            package_id,
            lambda listed: listed is None,
            timeout,
            f"{package_id} is still installed {timeout}s (wait_timeout) after {UNINSTALL_API} uninstall",
            absent_ok=True,
        )

    def _status_of(self, last, package_id):
        listed = last.get(package_id) if isinstance(last, dict) else None
        return listed.get("status") if listed else "not listed"

    def wait_listed(self, package_id, done, timeout, failure, absent_ok=False):
        """Read the installed list until done(entry of package_id or None); lost answers count as 'not yet'."""
        last = wait_until(
            self._installed_or_none,
            lambda installed: installed is not None and done(installed.get(package_id)),
            timeout,
            failure if not callable(failure) else lambda last: failure(last if isinstance(last, dict) else {}),
            interval=self.poll,
        )
        return last.get(package_id)

    def _installed_or_none(self):
        try:
            return self.installed()
        except DSMAPIError as exc:
            if exc.code is None:
                return None  # no answer while DSM works: read again
            raise


# --- the dsm_package resource -----------------------------------------------------------------------------------------
OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "latest", "absent"], default="present"),
    running=dict(type="bool"),
    volume=dict(type="str"),
    uninstall_values=dict(type="dict", default={}),
    wait_timeout=dict(type="int", default=1800),
)


class Package(DSMResource):
    """One DSM package: installed from this model's catalog (dependencies first), running or stopped, or removed."""

    result_key = "package"
    compared_keys = ("version", "status")
    dsm_errors = ERRORS

    def __init__(self, module):
        super().__init__(module)
        #: what the module did (or would do in check mode), in order: {package, action, version}
        self.actions = []
        self.plan = []
        self.volume = None
        self._installed = {}

    @property
    def center(self):
        return PackageCenter(self.client)

    def validate(self):
        super().validate()
        params = self.params
        if not NAME.match(params["name"] or ""):
            raise ResourceError(
                "name must be a package id as Package Center lists it, like ContainerManager or HyperBackup"
            )
        if params["volume"] is not None and not VOLUME.match(params["volume"]):
            raise ResourceError("volume must be a volume's mount point, like /volume1")
        if params["wait_timeout"] <= 0:
            raise ResourceError("wait_timeout must be a positive number of seconds")
        if params["state"] == "absent" and params["running"] is not None:
            raise ResourceError("running applies to state=present or latest, not to state=absent")
        if params["uninstall_values"] and params["state"] != "absent":
            raise ResourceError("uninstall_values applies to state=absent only")

    # --- read and plan ---------------------------------------------------------------------------------------------
    def read(self):
        self._installed = self.center.installed()
        current = self._installed.get(self.params["name"])
        if current is not None and self.params["state"] == "absent" and not current["uninstallable"]:
            raise ResourceError(
                f"{current['id']} is part of DSM (Package Center does not offer to uninstall it); nothing was changed"
            )
        return dict(current) if current else None

    def desired(self, current):
        params = self.params
        name = params["name"]
        running = params["running"]
        if current is None:
            catalog = self.center.catalog()
            entry = offered(catalog, name)
            if entry is None:
                raise ResourceError(not_offered_message(catalog, name))
            self._plan(entry, catalog)
            return {
                "id": name,
                "name": entry.get("dname") or name,
                "version": entry.get("version"),
                "status": "stopped" if running is False else "running",
                "startable": bool(entry.get("start", True)),
                "install_type": entry.get("install_type") or "",
                "uninstallable": entry.get("install_type") != "system",
            }
        wanted = dict(current)
        if params["state"] == "latest":
            catalog = self.center.catalog()
            entry = offered(catalog, name)
            if entry is None:
                self.module.warn(
                    f"{name} is installed but this NAS's catalog does not offer it: left at {current['version']}"
                )
            elif is_newer(entry.get("version"), current["version"]):
                self._plan(entry, catalog)
                wanted["version"] = entry.get("version")
            elif compare_versions(entry.get("version"), current["version"]) == -1:
                self.module.warn(
                    f"{name} {current['version']} is newer than the catalog's {entry.get('version')}; "
                    "it is left as it is (never a downgrade)"
                )
        if running is not None and current["startable"]:
            wanted["status"] = "running" if running else "stopped"
        return wanted

    def _plan(self, entry, catalog):
        """Read DSM's install queue and the volume; everything that can refuse does so here, before any write."""
        name = self.params["name"]
        queue = self.center.queue(dict(entry, id=name))
        self.plan, paused = install_plan(queue, name, self._installed, catalog)
        if paused:
            self.module.warn(f"DSM stops {', '.join(paused)} while it updates {name}, and starts them again after")
        check = self.center.check(dict(entry, id=name), upgrade=name in self._installed)
        if check.get("is_occupied"):
            raise ResourceError(
                f"Package Center is busy with another install, update or removal ({INSTALL_API} check answers "
                "is_occupied, as DSM error 4530 would): wait until it ends (Package Center shows it), then re-run; "
                "nothing was changed"
            )
        listed_volumes = [item.get("mount_point") for item in check.get("volume_list") or [] if isinstance(item, dict)]
        volume = self.params["volume"] or check.get("volume_path")
        if not volume:
            raise ResourceError(f"DSM proposes no volume for {name}: set the option volume (like /volume1)")
        if listed_volumes and volume not in listed_volumes:
            raise ResourceError(f"volume {volume} is not a volume of this NAS (it has {', '.join(listed_volumes)})")
        self.volume = volume
        self.actions = [
            {"package": step["package"], "action": step["action"], "version": step["version"]} for step in self.plan
        ]

    def predict(self, current, desired):
        self._predict_control(current, desired)
        return dict(desired)

    def _predict_control(self, current, desired):
        before = current["status"] if current else None
        if current is not None and desired["status"] != before and desired["startable"]:
            action = "start" if desired["status"] == "running" else "stop"
            self.actions.append({"package": desired["id"], "action": action, "version": desired["version"]})

    # --- write -----------------------------------------------------------------------------------------------------
    def _run_plan(self):
        timeout = self.params["wait_timeout"]
        target = self.params["name"]
        for step in self.plan:
            entry = dict(step["entry"], id=step["package"])
            if step["action"] == "upgrade":
                self.center.upgrade(entry, timeout)
            else:
                run = self.params["running"] is not False or step["package"] != target
                self.center.install(entry, self.volume, run, timeout)

    def create(self, desired):
        self._run_plan()
        listed = self.center.installed().get(desired["id"])
        if (
            listed
            and self.params["running"] is not None
            and listed["startable"]
            and listed["status"] != desired["status"]
        ):
            self._control(desired)

    def update(self, current, desired):
        if current["version"] != desired["version"]:
            self._run_plan()
        listed = self.center.installed().get(desired["id"]) or current
        if listed["status"] != desired["status"] and listed["startable"]:
            self._control(desired)

    def _control(self, desired):
        action = "start" if desired["status"] == "running" else "stop"
        self.actions.append({"package": desired["id"], "action": action, "version": desired["version"]})
        self.center.control(desired["id"], action, self.params["wait_timeout"])

    def delete(self, current):
        timeout = self.params["wait_timeout"]
        if current["status"] == "running" and current["startable"]:
            # As Package Center does: stop first, then uninstall.
            self.actions.append({"package": current["id"], "action": "stop", "version": current["version"]})
            self.center.control(current["id"], "stop", timeout)
        self.center.uninstall(current["id"], self.params["uninstall_values"], timeout)

    def report(self, result):
        if self.params["state"] == "absent" and result.get("changed"):
            current = self._installed[self.params["name"]]
            if self.module.check_mode and current["status"] == "running" and current["startable"]:
                self.actions.append({"package": current["id"], "action": "stop", "version": current["version"]})
            self.actions.append({"package": current["id"], "action": "uninstall", "version": current["version"]})
        result["actions"] = self.actions
        if self.volume:
            result["volume"] = self.volume
        if not self.module.check_mode and self.params["state"] != "absent":
            # An install or an update brings (or changes) the package's APIs: the play's session lists those of its
            # login, so hand back DSM's table as it is now (no secret in it) for the play to carry on with. Also when
            # nothing changed: another host's task (the same NAS) may have installed it since this host's login.
            result["api_info"] = self.client.rediscover()


# --- dsm_package_info -------------------------------------------------------------------------------------------------
INFO_OPTIONS = dict(
    names=dict(type="list", elements="str", default=[]),
    catalog=dict(type="bool", default=False),
)


def gather(client, params):
    """The installed packages (and, with catalog, what this model is offered), limited to params['names'] if set."""
    center = PackageCenter(client)
    wanted = set(params["names"] or [])
    installed = center.installed()
    facts = {"packages": {pid: entry for pid, entry in installed.items() if not wanted or pid in wanted}}
    if params["catalog"]:
        catalog = center.catalog()
        offered_now = {}
        for entry in catalog.get("packages") or []:
            pid = entry.get("id") or entry.get("package") if isinstance(entry, dict) else None
            if not pid or (wanted and pid not in wanted):
                continue
            have = installed.get(pid)
            offered_now[pid] = {
                "name": entry.get("dname") or pid,
                "version": entry.get("version"),
                "install_type": entry.get("install_type") or "",
                "update_available": bool(have) and is_newer(entry.get("version"), have["version"]),
            }
        facts["offered"] = offered_now
    return facts
