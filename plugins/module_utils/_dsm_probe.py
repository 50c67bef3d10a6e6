# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe: the contracts of _dsm_contracts.py checked against a NAS with read calls only (the module dsm_probe:
selected() reads its options, gather() returns its facts).

PRIVATE to the collection: it can change at any time.

Each contract ends in one of four results:
- holds: DSM offers the API in a version the modules call, and the answer has the expected shape;
- differs: the answer has another shape (or DSM refused the call, or offers other versions): what differs is named,
  never a value;
- not offered: DSM lists no such API (its package is not installed, or the DSM release has none);
- not checked: nothing to read it on (no project, no root script task, no data folder yet) or no answer came.

The capture (capture()) is what a user may attach to a bug report: per call, the API, method, version, the
parameters as the table writes them (placeholders, not the values filled in), the result and the answer's shape
(_dsm_shape.capture: no value). Its header names the DSM version and the model, and the versions of the packages the
collection uses, which identify no one.
"""

import secrets
from urllib.parse import urlsplit

from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_contracts as table
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import COLLECTION_APIS, DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_shape import capture as shape_of
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_shape import describe, differences
from ansible_collections.ankinas.synology.plugins.module_utils._nas_path import file_station_path, share_of
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

HOLDS, DIFFERS, NOT_OFFERED, NOT_CHECKED = "holds", "differs", "not offered", "not checked"
CAPTURE_FORMAT = "ankinas.synology dsm_probe capture 1"
#: packages whose versions the capture's header names
NAMED_PACKAGES = ("ContainerManager", "Docker", "HyperBackup")


def with_dependencies(contracts):
    """The contracts and those whose answers they need (their `after`), in the table's order."""
    wanted = {contract.id for contract in contracts}
    changed = True
    while changed:
        changed = False
        for contract_id in list(wanted):
            for needed in table.BY_ID[contract_id].after:
                if needed not in wanted:
                    wanted.add(needed)
                    changed = True
    return [contract for contract in table.CONTRACTS if contract.id in wanted]


class Probe:
    """Checks contracts on one DSM client. names: project, task, backup_task, backup_share, data_folder (what the
    inventory names)."""

    def __init__(self, client, names=None):
        self.client = client
        self.names = dict(names or {})
        self.answers = {}
        self.results = []
        self.calls = []

    # --- running -----------------------------------------------------------------------------------------------
    def run(self, contracts, for_a_run=False):
        """Check the contracts (and those whose answers they need). for_a_run: only what a run of the roles needs
        (site.yml's check): a contract whose needed_if does not hold is not read."""
        contracts = with_dependencies(contracts)
        self.client.discover({contract.api for contract in contracts})
        for contract in contracts:
            unneeded = for_a_run and self._unneeded(contract)
            if unneeded:
                self.results.append(self._result(contract, NOT_CHECKED, reason=unneeded))
            else:
                self.results.append(self.check(contract))
        return self.results

    def _unneeded(self, contract):
        """Why a run does not read this contract (its needed_if does not hold), or ''."""
        if contract.needed_if == "backup_task_missing":
            listed = (self.answers.get("backup_task_list") or {}).get("task_list") or []
            name = self.names.get("backup_task")
            if name and any(isinstance(task, dict) and task.get("name") == name for task in listed):
                return "this run does not read it: the Hyper Backup task exists"
        answer = self.answers.get("file_info")
        found = answer is not None and not self._not_applicable(table.BY_ID["file_info"], answer)
        if contract.needed_if == "data_folder_missing" and found:
            return "this run does not read it: the data folder exists"
        return ""

    def check(self, contract):
        info = self.client.api_info(contract.api)
        if info is None:
            package = f" (is the {contract.package} package installed?)" if contract.package else ""
            return self._result(contract, NOT_OFFERED, reason=f"DSM lists no {contract.api}{package}")
        low, high = info.get("minVersion", 1), info["maxVersion"]
        usable = [version for version in contract.versions if low <= version <= high]
        if not usable:
            offered = f"v{low}" if low == high else f"v{low}-{high}"
            wanted = "/".join(f"v{version}" for version in contract.versions)
            return self._result(
                contract, DIFFERS, problems=[f"DSM offers {contract.api} {offered}, the modules call {wanted}"]
            )
        version = max(usable)
        params, missing = self._params(contract)
        if missing:
            return self._result(contract, NOT_CHECKED, version=version, reason=missing)
        try:
            data = self.client.call(contract.api, contract.method, params, version=version, raw=contract.raw)
        except DSMAPIError as exc:
            if exc.code is None:
                # The client's text may name the NAS's address: the capture keeps the kind of failure only.
                return self._result(contract, NOT_CHECKED, version=version, reason="DSM gave no usable answer")
            if exc.code in contract.error_answers:
                skipped = self._not_applicable(contract, None, exc.code)
                reason = skipped or f"DSM answered error {exc.code}, which the modules take as this answer"
                status = NOT_CHECKED if skipped else HOLDS
                return self._result(contract, status, version=version, reason=reason, error=exc.code)
            return self._result(contract, DIFFERS, version=version, problems=[f"DSM error {exc.code} ({exc.meaning})"])
        except ResourceError:
            return self._result(contract, NOT_CHECKED, version=version, reason="DSM gave no usable answer")
        self.answers[contract.id] = data
        skipped = self._not_applicable(contract, data)
        if skipped:
            return self._result(contract, NOT_CHECKED, version=version, reason=skipped, data=data)
        problems = differences(contract.shape, data)
        problems += self._incomplete(contract, data)
        return self._result(contract, DIFFERS if problems else HOLDS, version=version, problems=problems, data=data)

    # --- placeholders ------------------------------------------------------------------------------------------
    def _params(self, contract):
        """(params with the placeholders filled, None) or (None, why a placeholder has no value)."""
        params = {}
        for key, value in contract.params.items():
            filled, missing = self._fill(value)
            if missing:
                return None, missing
            params[key] = filled
        return params, None

    def _fill(self, value):
        if isinstance(value, list):
            items = []
            for item in value:
                filled, missing = self._fill(item)
                if missing:
                    return None, missing
                items.append(filled)
            return items, None
        if not (isinstance(value, str) and value.startswith("$")):
            return value, None
        resolver = getattr(self, "_" + value[1:])
        return resolver()

    def _api_names(self):
        return ",".join(sorted(set(table.PROBED_APIS) | set(COLLECTION_APIS))), None

    def project_listed(self):
        """Whether DSM's project list holds the project the inventory names; None when the list was not read. A DSM
        without Container Manager (no SYNO.Docker.Project) holds no project: False."""
        if any(r["id"] == "project_list" and r["result"] == NOT_OFFERED for r in self.results):
            return False
        projects = self.answers.get("project_list")
        if not isinstance(projects, dict) or not self.names.get("project"):
            return None
        return any(isinstance(item, dict) and item.get("name") == self.names["project"] for item in projects.values())

    def _project_id(self):
        projects = self.answers.get("project_list")
        listed = [p for p in (projects or {}).values() if isinstance(p, dict) and p.get("id")]
        chosen = _named(listed, "name", self.names.get("project"))
        return (chosen["id"], None) if chosen else (None, "no Container Manager project on this NAS to read")

    def _script_task(self):
        tasks = (self.answers.get("task_list") or {}).get("tasks") or []
        scripts = [t for t in tasks if isinstance(t, dict) and t.get("type") == "script" and t.get("id") is not None]
        own = [t for t in scripts if t.get("real_owner") == "root"] or scripts
        return _named(own, "name", self.names.get("task"))

    def _task_id(self):
        task = self._script_task()
        return (task["id"], None) if task else (None, "no script task in Task Scheduler to read")

    def _task_owner(self):
        task = self._script_task()
        return (task.get("real_owner"), None) if task else (None, "no script task in Task Scheduler to read")

    def _backup_task_id(self):
        tasks = (self.answers.get("backup_task_list") or {}).get("task_list") or []
        listed = [t for t in tasks if isinstance(t, dict) and t.get("task_id") is not None]
        chosen = _named(listed, "name", self.names.get("backup_task"))
        return (chosen["task_id"], None) if chosen else (None, "no Hyper Backup task on this NAS to read")

    def _data_folder(self):
        path = file_station_path(self.names.get("data_folder") or "")
        return (path, None) if path else (None, "no data folder given (data_folder_path)")

    def _existing_data_folder(self):
        answer = self.answers.get("file_info")
        if answer is None or self._not_applicable(table.BY_ID["file_info"], answer):
            return None, "the data folder does not exist yet"
        return self._data_folder()

    def _container_name(self):
        listed = (self.answers.get("container_list") or {}).get("containers") or []
        containers = [c for c in listed if isinstance(c, dict) and c.get("name")]
        chosen = _named(containers, "name", self.names.get("project"))
        return (chosen["name"], None) if chosen else (None, "no container on this NAS to read")

    def _missing_path(self):
        share = share_of(self.names.get("data_folder") or "")
        if not share:
            shares = (self.answers.get("share_list") or {}).get("shares") or []
            share = next((s["name"] for s in shares if isinstance(s, dict) and s.get("name")), "")
        if not share:
            return None, "no shared folder on this NAS to look in"
        return f"/{share}/ankinas-probe-missing-{secrets.token_hex(6)}", None

    def _backup_share(self):
        share = self.names.get("backup_share") or ""
        shares = (self.answers.get("share_list") or {}).get("shares") or []
        if share and any(isinstance(s, dict) and s.get("name") == share for s in shares):
            return share, None
        return None, "no local destination shared folder for Hyper Backup on this NAS yet"

    # --- checks beyond the shape -------------------------------------------------------------------------------
    def _not_applicable(self, contract, data, code=None):
        """Why an answer (or an error code of contract.error_answers) says nothing about the contract (a data folder
        that does not exist yet), or ''."""
        if contract.id == "file_info":
            files = data.get("files") if isinstance(data, dict) else None
            if code is not None or (
                isinstance(files, list) and files and isinstance(files[0], dict) and "code" in files[0]
            ):
                return "the data folder does not exist yet (its missing-path answer is contract file_info_missing)"
        return ""

    @staticmethod
    def _incomplete(contract, data):
        """A list that holds fewer items than DSM counts and the limit asks for (the limit not honoured)."""
        if not contract.complete or not isinstance(data, dict):
            return []
        items, total = data.get(contract.complete[0]), data.get(contract.complete[1])
        if not isinstance(items, list) or not isinstance(total, int) or isinstance(total, bool):
            return []
        limit = contract.params.get("limit", -1)
        wanted = min(total, limit) if isinstance(limit, int) and limit > 0 else total
        if len(items) < wanted:
            return [f"lists {len(items)} of {total} {contract.complete[0]} (limit {limit} not honoured)"]
        return []

    # --- results -----------------------------------------------------------------------------------------------
    def _result(self, contract, status, version=None, problems=(), reason="", data=None, error=None):
        result = {
            "id": contract.id,
            "api": contract.api,
            "method": contract.method,
            "version": version,
            "result": status,
            "differences": list(problems),
            "reason": reason,
            "expects": contract.expects or describe(contract.shape),
            "evidence": table.STATUS_TEXT[contract.status],
            "modules": list(contract.modules),
        }
        call = {
            "contract": contract.id,
            "api": contract.api,
            "method": contract.method,
            "version": version,
            "params": contract.params,
            "result": status,
        }
        if problems:
            call["differences"] = list(problems)
        if reason:
            call["reason"] = reason
        if status in (HOLDS, DIFFERS) and contract.id in self.answers:
            call["shape"] = shape_of(data, contract.shape)
        if error is not None:
            call["error"] = error  # an error code of contract.error_answers: the answer in place of a shape
        self.calls.append(call)
        return result

    def capture(self):
        """The capture file's content (see the module's docstring)."""
        header = {"format": CAPTURE_FORMAT}
        info = self.answers.get("dsm_info") or {}
        system = self.answers.get("system_info") or {}
        version = info.get("version_string") or system.get("firmware_ver")
        if isinstance(version, str):
            header["dsm"] = version
        model = info.get("model") or system.get("model")
        if isinstance(model, str):
            header["model"] = model
        packages = (self.answers.get("package_list") or {}).get("packages") or []
        named = {
            p["id"]: p.get("version")
            for p in packages
            if isinstance(p, dict) and p.get("id") in NAMED_PACKAGES and isinstance(p.get("version"), str)
        }
        if named:
            header["packages"] = named
        header["summary"] = summary(self.results)
        header["calls"] = self.calls
        return header


def _named(items, key, name):
    """The item whose key is name, else the first one, else None."""
    if not items:
        return None
    return next((item for item in items if name and item.get(key) == name), items[0])


def line(result):
    """One line of the probe's report."""
    version = f" v{result['version']}" if result["version"] else ""
    head = f"{result['id']}: {result['api']} {result['method']}{version}, expected {result['expects']}"
    if result["result"] == DIFFERS:
        outcome = "DIFFERS: " + "; ".join(result["differences"])
    elif result["reason"]:
        outcome = f"{result['result']} ({result['reason']})"
    else:
        outcome = result["result"]
    return f"{head} -> {outcome} [{result['evidence']}]"


def summary(results):
    counts = {status: 0 for status in (HOLDS, DIFFERS, NOT_OFFERED, NOT_CHECKED)}
    for result in results:
        counts[result["result"]] += 1
    text = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    differing = [result["id"] for result in results if result["result"] == DIFFERS]
    if differing:
        text += "; differing: " + ", ".join(differing)
    return text


def selected(params):
    """The contracts the options name; ResourceError naming the option for an unknown id or module."""
    unknown = [contract_id for contract_id in params["contracts"] if contract_id not in table.BY_ID]
    if unknown:
        raise ResourceError(
            "contracts: unknown contract(s) {}; known: {}".format(", ".join(unknown), ", ".join(table.BY_ID))
        )
    known_modules = {module for contract in table.CONTRACTS for module in contract.modules}
    strangers = [module for module in params["modules"] if module not in known_modules]
    if strangers:
        raise ResourceError(
            "modules: no contract names {} (modules with contracts: {})".format(
                ", ".join(strangers), ", ".join(sorted(known_modules))
            )
        )
    if not params["contracts"] and not params["modules"]:
        return list(table.CONTRACTS)
    https = urlsplit(params["dsm_url"]).scheme == "https"
    wanted = set(params["contracts"]) | {contract.id for contract in table.for_modules(params["modules"], https)}
    return [contract for contract in table.CONTRACTS if contract.id in wanted]


def gather(module, client):
    """The facts of the module dsm_probe (fails the module when asked to and a contract differs)."""
    params = module.params
    contracts = selected(params)
    probe = Probe(
        client,
        {
            "project": params["project_name"],
            "task": params["task_name"],
            "backup_task": params["backup_task_name"],
            "backup_share": params["backup_share"],
            "data_folder": params["data_folder"],
        },
    )
    results = probe.run(contracts, for_a_run=bool(params["modules"]))
    facts = {
        "contracts": results,
        "report": [line(result) for result in results],
        "summary": summary(results),
        "differing": [result["id"] for result in results if result["result"] == "differs"],
        "capture": probe.capture(),
        "project_listed": probe.project_listed(),
    }
    if params["fail_on_difference"] and facts["differing"]:
        client.close()
        details = "; ".join(
            "{} ({} {} v{}): {}".format(
                r["id"], r["api"], r["method"], r["version"] or "?", "; ".join(r["differences"])
            )
            for r in results
            if r["result"] == "differs"
        )
        module.fail_json(
            msg=f"DSM answers otherwise than the modules of this run expect, so nothing was changed: {details}. "
            "Run playbooks/probe.yml (ankinas.synology.probe) and attach its capture to an issue.",
            **facts,
        )
    return facts
