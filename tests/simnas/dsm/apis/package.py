"""SYNO.Core.Package list: the installed packages, read only (package management comes with issue #26).

The shape is dsm-webapi.md §10.2's (ychiu1211/dsmctl inventoryVariant, live on DSM 7.3; N4S4 list_installed, a
recorded answer from DSM 7.2.2): {packages: [{id, name, version, timestamp, additional: {status, ...}}], total};
an `additional` key DSM does not know fails the whole call with 120. The simulated NAS has the packages whose
APIs it offers: Container Manager with SYNO.Docker.Project (DSM 7), Hyper Backup with SYNO.Backup.Task. Their
versions are those of the public captures (Container Manager 24.0.2, Hyper Backup 4.2.2).
"""

from simnas.dsm.registry import DSMError, declare_api, method

API = "SYNO.Core.Package"
declare_api(API, dsm7=(1, 2), dsm6=(1, 1))

#: package id -> (name, version, the API that comes with it)
PACKAGES = {
    "ContainerManager": ("Container Manager", "24.0.2-1535", "SYNO.Docker.Project"),
    "HyperBackup": ("Hyper Backup", "4.2.2-4262", "SYNO.Backup.Task"),
}
ADDITIONAL = {"status", "beta", "startable", "install_type", "ctl_uninstall", "dsm_apps", "description"}


@method(API, "list")
def package_list(ctx):
    additional = ctx.params.get("additional") or []
    if not isinstance(additional, list) or not set(additional) <= ADDITIONAL:
        raise DSMError(120)
    offered = ctx.sim.apis()
    packages = []
    for package_id, (name, version, api) in sorted(PACKAGES.items()):
        if api not in offered:
            continue
        entry = {"id": package_id, "name": name, "version": version, "timestamp": 1735689600000}
        extra = {"status": "running", "beta": False, "startable": True, "install_type": "", "ctl_uninstall": True}
        if additional:
            entry["additional"] = {key: value for key, value in extra.items() if key in additional}
        packages.append(entry)
    return {"packages": packages, "total": len(packages)}
