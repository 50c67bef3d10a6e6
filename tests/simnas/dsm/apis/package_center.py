"""Package Center: the catalog, the install queue, installs (quick and two-phase), control and uninstall.

After dsm-webapi.md §10.2 and the clients that ran against DSM:
- `SYNO.Core.Package list` (v1/v2) lists the installed packages; the fields asked for in `additional` come under
  `additional` (status "running" / "stop"), and an unknown `additional` key rejects the whole call with 120
  (ychiu1211/dsmctl operation.go inventoryAdditional, live DSM 7.3; the known keys are N4S4/synology-api
  core_package.py list_installed's). A package is listed only once installed: a download never shows there
  (pvulgaris/synology-cli packages.ts startInstallation, live DSM 7.3.2), and "only Package.list proves the result".
- `SYNO.Core.Package.Server list` is the catalog of this model: `packages` and `beta_packages`, each with id/package,
  dname, version, link, md5, size, deppkgs, qinst, qstart, install_type... (N4S4 list_installable; synology-cli
  CatalogPackage, "production-verified" names). A model's catalog may lack a package (ContainerManager on some ARM
  models: 007revad/ContainerManager_for_all_armv8): Simulator(not_offered=...).
- `SYNO.Core.Package.Installation get_queue` plans an install: dependencies first, the target last, with
  broken/conflicted/non_exist/paused lists (synology-cli getInstallQueue; dsm_helper installPackageQueue). The
  catalog's `deppkgs` is not reliable (synology-cli: null for Synology Drive Server, which needs Universal Viewer):
  the simulated SynologyDrive lists `deppkgs: null` while its queue names its dependencies.
- `Installation check` (v1/v2) answers volume_path, volume_list and is_occupied (N4S4 check_installation).
- `Installation install` three ways: quick (`blqinst: true`: download and install in one task, dsmctl install.go
  live on DSM 7.3.2, dsm_helper installPackageTask; 4501 when the package needs its install wizard, dsm_helper
  detail.dart), download (`blqinst: false`: a task `@SYNOPKG_DOWNLOAD_<id>` that only downloads, polled with
  `status` `task_id`, then `Installation.Download check` gives the file) and commit (`path`: installs the download,
  answers `{packageName, worker_message, message}` when done: N4S4 install_package, synology-cli
  applyInstallFromPath). `upgrade` takes the same two phases for an installed package (synology-cli, DSM 7.3.2 HAR).
- `Installation status` wants `task_id` (N4S4, synology-cli, dsm_helper); dsmctl's `taskid` got 120.
- `SYNO.Core.Package.Control start/stop` (`id`) answers `{}` at once and the status follows later (synology-cli
  controlPackage polls the list); 4582 when other running packages depend on the one to stop (dsmctl WI-019).
- `SYNO.Core.Package.Uninstallation uninstall` (`id`, `dsm_apps`, optional `extra_values`): without wizard values the
  package's data stays (synology-cli nasPackageUninstall).
- Error codes (N4S4 error_codes.py, dsm_helper, synology-cli): 4501 wizard needed, 4520 no space, 4526 dependency
  not installed, 4530 another package operation is running, 4544 already installed, 4582 others depend on it.

The reads answer the shapes of the collection's table of DSM contracts (_dsm_contracts.py: package_list,
package_catalog), to which tests/pytest/simulator/test_contracts_on_the_simulator.py holds the simulator.

Real-DSM behaviours (simnas.dsm.behaviours): how long an install takes, that the request which runs the install
loses its answer, and how long start/stop take. SIMULATOR CHOICES where no public source says what DSM does are
marked so below; tests that rest on them carry @pytest.mark.unverified_contract.
"""

import hashlib
import json
import time

from simnas.dsm.behaviours import behaviour
from simnas.dsm.registry import APIS, DROP, DSMError, Later, declare_api, method

PACKAGE = "SYNO.Core.Package"
SERVER = "SYNO.Core.Package.Server"
INSTALLATION = "SYNO.Core.Package.Installation"
DOWNLOAD = "SYNO.Core.Package.Installation.Download"
CONTROL = "SYNO.Core.Package.Control"
UNINSTALLATION = "SYNO.Core.Package.Uninstallation"

declare_api(PACKAGE, dsm7=(1, 2), dsm6=(1, 1))
declare_api(SERVER, dsm7=(1, 2), dsm6=(1, 1))
declare_api(INSTALLATION, dsm7=(1, 2), dsm6=(1, 1))
declare_api(DOWNLOAD, dsm7=(1, 1), dsm6=(1, 1))
declare_api(CONTROL, dsm7=(1, 1), dsm6=(1, 1))
declare_api(UNINSTALLATION, dsm7=(1, 1), dsm6=(1, 1))

INSTALL_SECONDS = behaviour(
    "package_install_seconds",
    real=20.0,
    off=0.0,
    source="ychiu1211/dsmctl spec/work-items/WI-029 (live DSM 7.3.2: a 30-minute cap per package); "
    "batonogov/terraform-provider-synology-dsm waitForPackage (15 min); dsm-webapi.md §10.2 'Waiting'",
    what="an install (download and install) takes this long before Package.list lists the package; a two-phase "
    "install spends half of it downloading and half in the commit. Real installs take minutes",
)
ANSWER_DROPPED = behaviour(
    "package_install_answer_dropped",
    real=True,
    off=False,
    source="pvulgaris/synology-cli src/tools/packages.ts applyInstallFromPath (DSM 7.3.2, live): 'DSM frequently "
    "drops the TCP connection mid-commit while finishing server-side'",
    what="the request that runs an install (the two-phase commit, and the quick install, which runs the same "
    "install step) is held while DSM installs, then its connection drops without an answer. SIMULATOR CHOICE for "
    "the quick install: dsmctl and dsm_helper got its task id back at once (behaviour off)",
)
CONTROL_SECONDS = behaviour(
    "package_control_seconds",
    real=3.0,
    off=0.0,
    source="pvulgaris/synology-cli src/tools/packages.ts controlPackage (polls the list 30 s for the status to flip); "
    "batonogov/terraform-provider-synology-dsm SetPackageRunning",
    what="Package.Control start/stop answers at once; the listed status changes this many seconds later",
)

ARCH = "x86_64"
GIB = 1024**3


def _pkg(pid, dname, version, size_mb, requires=None, listed_deps=True, install_type="", wizard=False, startable=True):
    return {
        "id": pid,
        "dname": dname,
        "version": version,
        "size": size_mb * 1024 * 1024,
        #: what DSM's queue installs first ({id: minimum version}); the catalog's deppkgs shows it unless listed_deps
        #: is False (synology-cli: deppkgs was null for a package whose queue named dependencies)
        "requires": dict(requires or {}),
        "listed_deps": listed_deps,
        "install_type": install_type,
        #: SIMULATOR CHOICE (dsm-webapi.md §10.2 gap 6: no list of packages that need their wizard): these answer
        #: 4501 to a quick install and to a commit without wizard values
        "wizard": wizard,
        "startable": startable,
    }


#: the catalog of the simulated DS920+ (DSM 7.2.2) and DS918+ (DSM 6.2.4); versions as Package Center wrote them then
CATALOGS = {
    "dsm7": [
        _pkg("ContainerManager", "Container Manager", "24.0.2-1535", 118),
        _pkg("HyperBackup", "Hyper Backup", "4.1.0-3718", 96),
        _pkg("HyperBackupVault", "Hyper Backup Vault", "3.0.2-2432", 34),
        _pkg("FileStation", "File Station", "1.4.2-1566", 22, install_type="system", startable=False),
        _pkg("SynologyApplicationService", "Synology Application Service", "1.8.0-20662", 60),
        _pkg(
            "UniversalViewer",
            "Universal Viewer",
            "1.3.0-0312",
            28,
            requires={"SynologyApplicationService": "1.8.0-20662"},
        ),
        _pkg(
            "SynologyDrive",
            "Synology Drive Server",
            "3.5.1-26102",
            210,
            requires={"UniversalViewer": "1.3.0-0312", "SynologyApplicationService": "1.8.0-20662"},
            listed_deps=False,
        ),
        _pkg("SurveillanceStation", "Surveillance Station", "9.2.0-11289", 420, wizard=True),
        _pkg("TextEditor", "Text Editor", "3.1.0-0208", 3),
    ],
    "dsm6": [
        _pkg("Docker", "Docker", "20.10.3-1308", 100),
        _pkg("HyperBackup", "Hyper Backup", "3.0.2-2432", 90),
        _pkg("FileStation", "File Station", "1.2.6-0196", 20, install_type="system", startable=False),
        _pkg("TextEditor", "Text Editor", "2.0.2-0115", 3),
    ],
}

#: the packages a NAS starts with unless Simulator(installed_packages=...) says otherwise: what DSM ships, File
#: Station, a little ahead of the catalog (DSM 7.3's catalog may offer an older build than the installed one: dsmctl
#: package-center.md). Container Manager (Docker on DSM 6) and Hyper Backup are Package Center installs, as on a
#: NAS fresh from its setup wizard: their APIs (PACKAGE_APIS) are absent until a play or a test installs them.
DEFAULT_INSTALLED = {
    "dsm7": {"FileStation": "1.4.2-1575"},
    "dsm6": {"FileStation": "1.2.6-0210"},
}
#: what a user who installed both in Package Center has (tests of the modules that need them seed it explicitly)
USER_INSTALLED = {
    "dsm7": {"FileStation": "1.4.2-1575", "ContainerManager": None, "HyperBackup": None},
    "dsm6": {"FileStation": "1.2.6-0210", "Docker": None, "HyperBackup": None},
}

#: the APIs a package brings: present in SYNO.API.Info (and callable) only while it is installed
PACKAGE_APIS = {
    "ContainerManager": ("SYNO.Docker.",),
    "Docker": ("SYNO.Docker.",),
    "HyperBackup": ("SYNO.Backup.",),
}

#: the additional keys Package list takes (N4S4 list_installed); any other answers 120 (dsmctl, live DSM 7.3)
LIST_ADDITIONAL = {
    "description",
    "description_enu",
    "dependent_packages",
    "beta",
    "distributor",
    "distributor_url",
    "maintainer",
    "maintainer_url",
    "dsm_apps",
    "dsm_app_page",
    "dsm_app_launch_name",
    "report_beta_url",
    "support_center",
    "startable",
    "installed_info",
    "support_url",
    "is_uninstall_pages",
    "install_type",
    "autoupdate",
    "silent_upgrade",
    "installing_progress",
    "ctl_uninstall",
    "updated_at",
    "status",
    "url",
    "available_operation",
}

DEFAULT_FREE = 500 * GIB


# --- versions and the catalog -------------------------------------------------------------------------------------
def version_key(text):
    """'24.0.2-1535' -> ((24, 0, 2), 1535); DSM's Package Center versions are dotted numbers and a build."""
    head, _sep, build = str(text).partition("-")
    try:
        return tuple(int(part) for part in head.split(".")), int(build or 0)
    except ValueError:
        return (), 0


def catalog(sim):
    """{id: package} this model is offered."""
    return {pkg["id"]: pkg for pkg in CATALOGS[sim.personality] if pkg["id"] not in sim.not_offered}


def _known(sim):
    """Every package the simulator knows of, offered or not (a not-offered one may still be installed)."""
    return {pkg["id"]: pkg for pkg in CATALOGS[sim.personality]}


def _link(pkg):
    pid, version = pkg["id"], pkg["version"]
    return f"https://global.synologydownload.com/download/Package/spk/{pid}/{version}/{pid}-{ARCH}-{version}.spk"


def _md5(pkg):
    return hashlib.md5(f"{pkg['id']}-{pkg['version']}".encode()).hexdigest()  # noqa: S324 - an id, not security


def catalog_entry(pkg):
    """One Server.list item, with the field names synology-cli verified on a live NAS."""
    return {
        "id": pkg["id"],
        "package": pkg["id"],
        "dname": pkg["dname"],
        "desc": f"{pkg['dname']} for Synology NAS.",
        "version": pkg["version"],
        "link": _link(pkg),
        "md5": _md5(pkg),
        "size": pkg["size"],
        "beta": False,
        "deppkgs": dict(pkg["requires"]) if pkg["requires"] and pkg["listed_deps"] else None,
        "conflictpkgs": None,
        "depsers": None,
        "qinst": not pkg["wizard"],
        "qstart": pkg["startable"] and not pkg["wizard"],
        "qupgrade": True,
        "source": "syno",
        "install_type": pkg["install_type"],
        "install_on_cold_storage": False,
        "maintainer": "Synology Inc.",
        "distributor": "",
        "thirdparty": False,
        "type": 0,
        "start": pkg["startable"],
    }


# --- the state ------------------------------------------------------------------------------------------------------
def center(sim):
    """The Package Center state, seeded from the Simulator options on first use (then persisted with the NAS)."""
    data = sim.state.data
    if "package_center" not in data:
        wanted = sim.installed_packages
        if wanted is None:
            wanted = DEFAULT_INSTALLED[sim.personality]
        if not isinstance(wanted, dict):
            wanted = dict.fromkeys(wanted)
        known = _known(sim)
        installed = {}
        for pid, version in wanted.items():
            if pid not in known:
                raise ValueError(f"installed_packages: unknown package {pid} (known: {', '.join(sorted(known))})")
            installed[pid] = _installed_entry(known[pid], version or known[pid]["version"], "/volume1", run=True)
        data["package_center"] = {"installed": installed, "tasks": {}, "downloads": {}, "controls": {}, "data": {}}
    return data["package_center"]


def _installed_entry(pkg, version, volume, run):
    running = run and pkg["startable"]
    return {
        "version": version,
        # A package without start/stop control (startable false) is listed running once installed.
        "status": "running" if running or not pkg["startable"] else "stop",
        "volume": volume,
        "installed_at": time.time(),
    }


def settle(sim):
    """Apply every task and control whose time has come (an install lands when its time is up)."""
    state = center(sim)
    now = time.time()
    known = _known(sim)
    for task in state["tasks"].values():
        if task["done"] or task["ends"] > now:
            continue
        task["done"] = True
        if task["kind"] == "download":
            continue
        pkg = known[task["pkg"]]
        if task["pkg"] in state["installed"]:
            state["installed"][task["pkg"]]["version"] = task["version"]
        else:
            state["installed"][task["pkg"]] = _installed_entry(pkg, task["version"], task["volume"], task["run"])
        state["data"].pop(task["pkg"], None)
    for pid, control in list(state["controls"].items()):
        if control["at"] <= now:
            if pid in state["installed"]:
                state["installed"][pid]["status"] = control["status"]
            del state["controls"][pid]
    return state


def missing_apis(sim):
    """The APIs whose package is not installed (SYNO.API.Info leaves them out; a call answers 102)."""
    installed = settle(sim)["installed"]
    prefixes = [prefix for pid, prefixes in PACKAGE_APIS.items() if pid not in installed for prefix in prefixes]
    if not prefixes:
        return set()
    # A prefix two packages share (SYNO.Docker.: Docker and ContainerManager) stays while either is installed.
    kept = [prefix for pid, prefixes in PACKAGE_APIS.items() if pid in installed for prefix in prefixes]
    gone = [prefix for prefix in prefixes if prefix not in kept]
    return {name for name in APIS if any(name.startswith(prefix) for prefix in gone)}


def busy(state):
    """A download, install or upgrade is running (Package Center does one at a time: 4530, is_occupied)."""
    return any(not task["done"] for task in state["tasks"].values())


def free_bytes(sim, volume):
    return sim.volume_free_bytes.get(volume.lstrip("/"), DEFAULT_FREE)


def volumes(sim):
    """The volume_list entries of Installation check (N4S4 check_installation's shape)."""
    found = []
    for directory in sorted(sim.volumes_root.iterdir()) if sim.volumes_root.is_dir() else []:
        if not directory.is_dir() or not directory.name.startswith("volume"):
            continue
        free = free_bytes(sim, directory.name)
        found.append(
            {
                "desc": "",
                "display": f"Volume {directory.name[6:]} (Available capacity:  {free / GIB:.2f} GB )",
                "mount_point": f"/{directory.name}",
                "size_free": str(free),
                "size_total": str(max(free, 1024 * GIB)),
                "vol_desc": "",
                "volume_features": [],
            }
        )
    return found


# --- reads ----------------------------------------------------------------------------------------------------------
def _additional(ctx):
    wanted = ctx.params.get("additional", [])
    if not isinstance(wanted, list) or any(key not in LIST_ADDITIONAL for key in wanted):
        raise DSMError(120)
    return wanted


def listed(sim, pid, entry, wanted):
    pkg = _known(sim)[pid]
    extra = {
        "status": entry["status"],
        "status_code": 0 if entry["status"] == "running" else 263,
        "status_origin": entry["status"],
        "beta": False,
        "startable": pkg["startable"],
        "install_type": pkg["install_type"],
        "ctl_uninstall": pkg["install_type"] != "system",
        "is_uninstall_pages": False,
        "description": f"{pkg['dname']} for Synology NAS.",
        "maintainer": "Synology Inc.",
        "dsm_apps": f"SYNO.SDS.{pid}.Instance",
    }
    return {
        "id": pid,
        "name": pkg["dname"],
        "version": entry["version"],
        "timestamp": int(entry["installed_at"] * 1000),
        "additional": {key: extra[key] for key in wanted if key in extra},
    }


@method(PACKAGE, "list")
def package_list(ctx):
    wanted = _additional(ctx)
    installed = settle(ctx.sim)["installed"]
    packages = [listed(ctx.sim, pid, entry, wanted) for pid, entry in sorted(installed.items())]
    return {"packages": packages, "total": len(packages)}


@method(SERVER, "list")
def server_list(ctx):
    offered = [catalog_entry(pkg) for pkg in catalog(ctx.sim).values()]
    return {"packages": offered, "beta_packages": [], "categories": [], "banners": []}


def _queue_for(sim, state, target, operation):
    """DSM's plan for installing target: the missing or too old dependencies (deepest first), then target."""
    offered = catalog(sim)
    answer = {
        "queue": [],
        "broken_pkgs": [],
        "conflicted_pkgs": [],
        "non_exist_pkgs": [],
        "paused_pkgs": [],
        "cause_pausing_pkgs": [],
    }
    seen = set()

    def visit(pid):
        if pid in seen:
            return
        seen.add(pid)
        pkg = offered.get(pid)
        if pkg is None:
            answer["non_exist_pkgs"].append(pid)
            return
        for dep, minimum in pkg["requires"].items():
            have = state["installed"].get(dep)
            if have is None or version_key(have["version"]) < version_key(minimum):
                visit(dep)
        answer["queue"].append({"pkg": pid, "beta": False})

    visit(target)
    if operation == "upgrade" and target in state["installed"]:
        # Upgrading a package stops the running packages that depend on it meanwhile (dsm_helper detail.dart update).
        for pid, entry in sorted(state["installed"].items()):
            pkg = _known(sim).get(pid)
            if pkg and target in pkg["requires"] and entry["status"] == "running":
                answer["paused_pkgs"].append(pid)
        if answer["paused_pkgs"]:
            answer["cause_pausing_pkgs"].append(target)
    return answer


@method(INSTALLATION, "get_queue")
def installation_get_queue(ctx):
    pkgs = ctx.params.get("pkgs")
    if not isinstance(pkgs, list) or not pkgs or not all(isinstance(item, dict) and item.get("pkg") for item in pkgs):
        raise DSMError(120)
    state = settle(ctx.sim)
    merged = None
    for item in pkgs:
        answer = _queue_for(ctx.sim, state, item["pkg"], item.get("operation", "install"))
        if merged is None:
            merged = answer
        else:
            for key, value in answer.items():
                merged[key].extend(entry for entry in value if entry not in merged[key])
    return merged


@method(INSTALLATION, "check")
def installation_check(ctx):
    if not ctx.params.get("id"):
        raise DSMError(114)
    state = settle(ctx.sim)
    listed_volumes = volumes(ctx.sim)
    return {
        "is_occupied": busy(state),
        "volume_count": len(listed_volumes),
        "volume_list": listed_volumes,
        "volume_path": listed_volumes[0]["mount_point"] if listed_volumes else "",
    }


@method(INSTALLATION, "status")
def installation_status(ctx):
    task_id = ctx.params.get("task_id")
    if not isinstance(task_id, str) or not task_id:
        raise DSMError(120)  # dsmctl sent `taskid` and got 120
    state = settle(ctx.sim)
    task = state["tasks"].get(task_id)
    if task is None:
        raise DSMError(120)  # SIMULATOR CHOICE: no public source shows the answer for an unknown task
    pkg = _known(ctx.sim)[task["pkg"]]
    span = max(task["ends"] - task["started"], 1e-6)
    progress = min(1.0, max(1e-05, (time.time() - task["started"]) / span))
    installing = task["kind"] == "quick" and progress >= 0.5 and not task["done"]
    answer = {
        "beta": False,
        "blqinst": task["kind"] == "quick",
        "finished": task["done"],
        "id": task["pkg"],
        "installing": installing,
        "name": task["pkg"],
        "pid": 27844,
        "progress": 1.0 if task["done"] else progress,
        "remote_link": _link(dict(pkg, version=task["version"])),
        "size": str(pkg["size"]),
        "success": True,
        "taskid": task_id,
        "tmp_folder": task["tmp_folder"],
    }
    if installing:
        answer["status"] = "upgrading" if task["pkg"] in state["installed"] else "installing"
    return answer


@method(DOWNLOAD, "check")
def download_check(ctx):
    task_id = ctx.params.get("taskid")
    state = settle(ctx.sim)
    task = state["tasks"].get(task_id) if isinstance(task_id, str) else None
    if task is None or task["kind"] != "download":
        raise DSMError(120)  # SIMULATOR CHOICE
    pkg = _known(ctx.sim)[task["pkg"]]
    answer = {
        "id": pkg["id"],
        "name": pkg["dname"],
        "version": task["version"],
        "install_type": pkg["install_type"],
        "install_on_cold_storage": False,
        "startable": pkg["startable"],
        "status": "non_installed",
        "status_code": 255,
        "status_description": "failed to locate given package",
        "maintainer": "Synology Inc.",
    }
    if task["done"]:
        # synology-cli: no filename until the download is staged.
        answer["filename"] = f"{task['tmp_folder']}/{task_id}"
    return answer


# --- writes ---------------------------------------------------------------------------------------------------------
def _seconds(ctx):
    return float(ctx.sim.behaviours[INSTALL_SECONDS])


def _extra_values(value):
    """extra_values as sent (a JSON string holding an object, doubly encoded, or an object): a dict, or 120."""
    for _level in range(3):
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        if not isinstance(value, str):
            raise DSMError(120)
        try:
            value = json.loads(value)
        except ValueError:
            raise DSMError(120) from None
    raise DSMError(120)


def _check_room(ctx, pkg, volume):
    if ctx.sim.volume_dir(volume) is None:
        raise DSMError(120)  # SIMULATOR CHOICE: a volume the NAS does not have
    if pkg["size"] > free_bytes(ctx.sim, volume):
        raise DSMError(4520)


def _unmet(state, pkg):
    for dep, minimum in pkg["requires"].items():
        have = state["installed"].get(dep)
        if have is None or version_key(have["version"]) < version_key(minimum):
            return dep
    return None


def _start_task(state, kind, pkg, version, volume, run, seconds):
    now = time.time()
    task_id = f"@SYNOPKG_DOWNLOAD_{pkg['id']}"
    # A finished task of the same package gives way to the new one.
    state["tasks"][task_id] = {
        "kind": kind,
        "pkg": pkg["id"],
        "version": version,
        "volume": volume,
        "run": run,
        "started": now,
        "ends": now + seconds,
        "done": seconds <= 0,
        "tmp_folder": f"{volume or '/volume1'}/@tmp/synopkg/download.{hashlib.sha1(task_id.encode()).hexdigest()[:6]}",  # noqa: S324
    }
    return task_id


def _install(ctx, upgrade):
    params = ctx.params
    state = settle(ctx.sim)
    if busy(state):
        raise DSMError(4530)
    if params.get("path"):
        return _commit(ctx, state, upgrade)
    pid = params.get("name")
    if not isinstance(pid, str) or not pid:
        raise DSMError(114)
    pkg = catalog(ctx.sim).get(pid)
    if pkg is None:
        raise DSMError(120)  # SIMULATOR CHOICE: a package this model's catalog does not offer
    installed = pid in state["installed"]
    if upgrade and not installed:
        raise DSMError(120)  # SIMULATOR CHOICE: nothing to upgrade
    if not upgrade and installed:
        raise DSMError(4544)
    volume = params.get("volume_path") or (state["installed"][pid]["volume"] if installed else None)
    if not isinstance(volume, str) or not volume:
        raise DSMError(114)
    _check_room(ctx, pkg, volume)
    seconds = _seconds(ctx)
    if params.get("blqinst") is True:
        if pkg["wizard"]:
            raise DSMError(4501)
        dep = _unmet(state, pkg)
        if dep:
            raise DSMError(4526)
        run = params.get("installrunpackage", True) is not False
        task_id = _start_task(state, "quick", pkg, pkg["version"], volume, run, seconds)
        if ctx.sim.behaviours[ANSWER_DROPPED]:
            return _held(seconds, DROP)
        # dsm_helper reads `progress` of this answer as a string.
        return {"taskid": task_id, "progress": "0.00"}
    task_id = _start_task(state, "download", pkg, pkg["version"], volume, True, seconds / 2)
    state["downloads"][task_id] = {"pkg": pid, "version": pkg["version"], "volume": volume}
    return {"taskid": task_id, "progress": 1e-05}


def _held(seconds, answer):
    """DSM works inside the request: the answer (or DROP) after seconds, with the simulator's lock free meanwhile."""

    def finish():
        time.sleep(seconds)
        return answer

    return Later(finish)


def _commit(ctx, state, upgrade):
    params = ctx.params
    path = params["path"]
    download = next(
        (
            (task_id, task)
            for task_id, task in state["tasks"].items()
            if task["kind"] == "download" and task["done"] and f"{task['tmp_folder']}/{task_id}" == path
        ),
        None,
    )
    if download is None:
        raise DSMError(120)  # SIMULATOR CHOICE: no staged download at this path
    task_id, task = download
    pkg = _known(ctx.sim)[task["pkg"]]
    if upgrade != (pkg["id"] in state["installed"]):
        raise DSMError(4544 if not upgrade else 120)
    values = _extra_values(params.get("extra_values"))
    if pkg["wizard"] and not values:
        raise DSMError(4501)
    if _unmet(state, pkg):
        raise DSMError(4526)
    volume = params.get("volume_path") or task["volume"]
    _check_room(ctx, pkg, volume)
    run = params.get("installrunpackage", True) is not False
    seconds = _seconds(ctx) / 2
    commit_id = f"@SYNOPKG_INSTALL_{pkg['id']}"
    now = time.time()
    state["tasks"][commit_id] = dict(
        task, kind="commit", volume=volume, run=run, started=now, ends=now + seconds, done=seconds <= 0
    )
    state["tasks"].pop(task_id)
    state["downloads"].pop(task_id, None)
    answer = {"packageName": pkg["dname"], "worker_message": [], "message": ""}
    return _held(seconds, DROP if ctx.sim.behaviours[ANSWER_DROPPED] else answer)


@method(INSTALLATION, "install", write=True)
def installation_install(ctx):
    return _install(ctx, upgrade=False)


@method(INSTALLATION, "upgrade", write=True)
def installation_upgrade(ctx):
    return _install(ctx, upgrade=True)


@method(INSTALLATION, "delete", write=True)
def installation_delete(ctx):
    path = ctx.params.get("path")
    state = settle(ctx.sim)
    for task_id, task in list(state["tasks"].items()):
        if task["kind"] == "download" and f"{task['tmp_folder']}/{task_id}" == path:
            del state["tasks"][task_id]
            state["downloads"].pop(task_id, None)
    return {}


def _installed_or_120(state, ctx):
    pid = ctx.params.get("id")
    if not isinstance(pid, str) or pid not in state["installed"]:
        raise DSMError(120)  # SIMULATOR CHOICE: no public source shows the code for a package not installed
    return pid


@method(CONTROL, "start", write=True)
def control_start(ctx):
    return _control(ctx, "running")


@method(CONTROL, "stop", write=True)
def control_stop(ctx):
    return _control(ctx, "stop")


def _control(ctx, status):
    state = settle(ctx.sim)
    pid = _installed_or_120(state, ctx)
    if busy(state):
        raise DSMError(4530)
    pkg = _known(ctx.sim)[pid]
    if not pkg["startable"]:
        return {}  # nothing to start or stop; DSM answers success for a package already so (synology-cli)
    if status == "stop":
        for other, entry in state["installed"].items():
            needs = _known(ctx.sim)[other]["requires"]
            if pid in needs and entry["status"] == "running":
                raise DSMError(4582)
    seconds = float(ctx.sim.behaviours[CONTROL_SECONDS])
    if seconds <= 0:
        state["installed"][pid]["status"] = status
    else:
        state["controls"][pid] = {"status": status, "at": time.time() + seconds}
    return {}


@method(UNINSTALLATION, "uninstall", write=True)
def uninstallation_uninstall(ctx):
    state = settle(ctx.sim)
    pid = _installed_or_120(state, ctx)
    if busy(state):
        raise DSMError(4530)
    pkg = _known(ctx.sim)[pid]
    if pkg["install_type"] == "system":
        raise DSMError(120)  # SIMULATOR CHOICE: DSM's own packages are not uninstalled through this API
    values = _extra_values(ctx.params.get("extra_values"))
    entry = state["installed"].pop(pid)
    state["controls"].pop(pid, None)
    # SIMULATOR CHOICE: any wizard value set true deletes the data (the keys are per package: synology-cli).
    state["data"][pid] = {"volume": entry["volume"], "kept": not any(value is True for value in values.values())}
    return {"message": "", "worker_message": []}
