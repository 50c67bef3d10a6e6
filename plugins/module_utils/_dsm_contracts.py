# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""THE table of DSM contracts: every read a run of this collection depends on, what DSM is observed to answer to it,
which modules rely on it, and how we know.

PRIVATE to the collection: it can change at any time.

One table, used by:
- the probe (module dsm_probe, playbooks/probe.yml): it makes each read on a user's NAS and says whether the
  answer has the shape below (holds / differs / not offered), and writes a capture a user can attach to an issue;
- site.yml's validation phase: the contracts of the modules the run will call, before any change;
- the simulated NAS's tests (tests/pytest/simulator/test_contracts_on_the_simulator.py): every contract it serves
  holds there;
- the README's "What is unverified on a real DSM" (generated: python scripts/contracts-doc.py) and the modules'
  notes (tests/pytest/test_contracts_docs.py checks that each module names its contracts).

A contract describes what DSM is observed to answer, not what the simulator answers: where the simulator is
different (or kinder), `simulator` says so. Its `status` says how we know:
- VERIFIED: a public client that ran against a real DSM reads this shape (`sources` name the repository, path,
  function and the DSM it ran on, as the source states it);
- APP_ONLY: seen only in an app's code (no sign that it ran against a real DSM);
- UNVERIFIED: nothing public shows it;
- USER_CAPTURE: a user's probe capture confirmed it (`captures` give the DSM version and the issue). When a capture
  confirms a contract, add it to `captures` and set this status: the README follows.

Shapes are written in the language of _dsm_shape.py. Parameter values starting with "$" are filled by the probe
from earlier answers or from its options (see PLACEHOLDERS); everything else is sent as the modules send it.
"""

from dataclasses import dataclass, field

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import COLLECTION_APIS
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_shape import one_of

VERIFIED = "verified"
APP_ONLY = "app-only"
UNVERIFIED = "unverified"
USER_CAPTURE = "user-capture"

#: how each status reads in the probe's report and the README
STATUS_TEXT = {
    VERIFIED: "verified by a public live capture",
    APP_ONLY: "seen only in an app's code",
    UNVERIFIED: "unverified (nothing public)",
    USER_CAPTURE: "verified by a user's capture",
}

#: what the probe fills in (the value never reaches the capture: a capture carries the placeholder)
PLACEHOLDERS = {
    "$api_names": "the APIs of this table and of the collection, comma-separated",
    "$project_id": "the id of the project the inventory names (anki_sync_server_container_name), else the first listed",
    "$task_id": "the id of the root script task the inventory names (the snapshot task), else the first listed",
    "$task_owner": "that task's real_owner",
    "$backup_task_id": "the id of the Hyper Backup task the inventory names (hyper_backup_task_name), else the first",
    "$data_folder": "the data folder as a File Station path (data_folder_path without /volumeN)",
    "$existing_data_folder": "the data folder as a File Station path, when it exists (else not checked)",
    "$container_name": "the container the inventory names (anki_sync_server_container_name), else the first listed",
    "$missing_path": "a path that does not exist, in the data folder's shared folder",
    "$backup_share": "the local destination shared folder of Hyper Backup (hyper_backup_destination_share), if listed",
}


@dataclass(frozen=True)
class Source:
    """Public evidence: where a client reads (or sends) the shape, and what it ran on, as the source states it."""

    repo: str
    path: str
    function: str
    dsm: str


@dataclass(frozen=True)
class Capture:
    """A user's probe capture that confirmed a contract."""

    dsm: str
    reference: str


@dataclass(frozen=True)
class Contract:
    id: str
    api: str
    method: str
    #: the versions the modules call (the highest one DSM offers is used)
    versions: tuple
    #: the read-only parameters, as the modules send them
    params: dict
    shape: object
    #: the modules that rely on the answer (empty: read by no module yet)
    modules: tuple
    #: the roles (and when) that call those modules, for the README
    roles: tuple
    status: str
    sources: tuple = ()
    captures: tuple = ()
    #: (list key, total key): DSM lists every item the params' limit asks for (-1: all of them; the modules find by
    #: name in the list, paging where the limit is positive)
    complete: tuple = ()
    #: parameters DSM reads as plain strings, sent as they are
    raw: tuple = ()
    #: the DSM package that provides the API, when it is not part of DSM itself
    package: str = ""
    #: what is worth knowing about the answer
    note: str = ""
    #: the part of the answer no public capture shows (the README lists it; a user's capture settles it)
    unverified: str = ""
    #: where the simulated NAS answers otherwise than DSM is observed to (empty: as observed)
    simulator: str = ""
    #: contracts whose answers fill this one's placeholders (they run first)
    after: tuple = field(default_factory=tuple)
    #: the expected shape in words, where the keys alone would make a long line
    expects: str = ""
    #: the modules read it only when dsm_url is plain HTTP (a run over HTTPS does not depend on it)
    http_only: bool = False
    #: DSM error codes that answer this read instead of the shape and mean the same (a missing path: error 408 for
    #: the whole call); the probe takes them as the contract holding (or not applicable)
    error_answers: tuple = ()
    #: a run reads it only when this holds (site.yml's check skips it otherwise; the probe always reads it):
    #: "backup_task_missing" (the inventory's Hyper Backup task is not listed), "data_folder_missing"
    needed_if: str = ""


#: every DSM module of the collection (each discovers its APIs through the one client)
DSM_MODULES = (
    "dsm_certificate",
    "dsm_container_info",
    "dsm_container_project",
    "dsm_container_project_info",
    "dsm_ddns",
    "dsm_ddns_info",
    "dsm_folder",
    "dsm_folder_info",
    "dsm_http2",
    "dsm_hyper_backup",
    "dsm_info",
    "dsm_package",
    "dsm_package_info",
    "dsm_probe",
    "dsm_reverse_proxy",
    "dsm_scheduled_task",
    "dsm_scheduled_task_info",
    "dsm_session",
    "dsm_shared_folder",
)

_API_ENTRY = {"path": "str", "minVersion": "int", "maxVersion": "int", "requestFormat?": "str"}
_HB_LIST_ADDITIONAL = ["last_bkp_time", "last_bkp_result", "get_source", "schedule"]
_HB_GET_ADDITIONAL = ["backup_params", "rotate_params", "schedule", "repository", "last_bkp_time", "last_bkp_result"]
_HB_STATUS_ADDITIONAL = [
    "last_bkp_time",
    "last_bkp_result",
    "is_modified",
    "last_bkp_progress",
    "last_bkp_success_version",
]
_FILE_ADDITIONAL = ["real_path", "owner", "perm"]

_ACME = "acmesh-official/acme.sh"
_MIKESPUB_REPO = "mikespub/synology"
_DSMCTL_EXTERNAL = "internal/synology/operations/externalaccess/operation.go"
#: as its recorded SYNO.DSM.Info answer (tools/results/SYNO.DSM.Info-getinfo.json) says
_MIKESPUB = "DSM 7.1.1-42962 Update 4 (DS220+)"
#: its live lab, a DS3018xs (spec/work-items/WI-041-external-access.md)
_DSMCTL = "DSM 7.3-81168 (its live lab)"

CONTRACTS = (
    Contract(
        id="api_info",
        api="SYNO.API.Info",
        method="query",
        versions=(1,),
        params={"query": "$api_names"},
        raw=("query",),
        # the required pair is there on every DSM; the others exist when DSM (or a package) offers them
        shape={"SYNO.API.Auth": _API_ENTRY, "SYNO.API.Info": _API_ENTRY},  # completed below with every API
        expects="{<API>: {path, minVersion, maxVersion, requestFormat?}} for SYNO.API.Auth, SYNO.API.Info and "
        "each other API of this table that DSM offers",
        modules=DSM_MODULES,
        roles=("every role that calls DSM",),
        status=VERIFIED,
        sources=(
            Source(_ACME, "deploy/synology_dsm.sh", "SYNO.API.Info query on query.cgi", "DSM 6 and 7"),
            Source(
                "mib1185/py-synologydsm-api",
                "tests/api_data/dsm_7/const_7_api_info.py",
                "a recorded SYNO.API.Info answer",
                "DSM 7",
            ),
        ),
        note="Package APIs (SYNO.Docker.*, SYNO.Backup.*) are listed only while their package is installed.",
    ),
    Contract(
        id="dsm_info",
        api="SYNO.DSM.Info",
        method="getinfo",
        versions=(2,),
        params={},
        shape={"model": "str", "version_string": "str", "version?": "str"},
        modules=("dsm_info",),
        roles=("anki_sync_server (deploy method auto)",),
        status=VERIFIED,
        sources=(
            Source("mikespub/synology", "tools/results/SYNO.DSM.Info-getinfo.json", "a recorded answer", _MIKESPUB),
            Source(
                "mib1185/py-synologydsm-api",
                "src/synology_dsm/api/dsm/information.py",
                "SynoDSMInformation (Home Assistant's client)",
                "DSM 6 and 7",
            ),
        ),
        note="getinfo exists in version 2 only.",
    ),
    Contract(
        id="system_info",
        api="SYNO.Core.System",
        method="info",
        versions=(1,),
        params={},
        shape={"model": "str", "firmware_ver": "str"},
        modules=("dsm_info",),
        roles=("anki_sync_server (deploy method auto, where SYNO.DSM.Info v2 is missing)",),
        status=VERIFIED,
        sources=(
            Source("ychiu1211/dsmctl", "internal/synology/operations/systeminfo/operation.go", "info", _DSMCTL),
            Source(
                "mib1185/py-synologydsm-api",
                "tests/api_data/dsm_6/const_6_core_system.py",
                "a recorded answer",
                "DSM 6.2",
            ),
        ),
        note="dsm_info reads it only where SYNO.DSM.Info v2 is missing.",
    ),
    Contract(
        id="region_ntp",
        api="SYNO.Core.Region.NTP",
        method="get",
        versions=(1,),
        params={},
        shape={
            "timezone": "str",
            "date": "str",
            "hour": "int",
            "minute": "int",
            "second": "int",
            "timestamp": "int",
        },
        expects="{timezone (DSM's zone name), date (Y/M/D), hour, minute, second (the wall clock in that zone), "
        "timestamp (the epoch)}",
        modules=("dsm_info",),
        roles=("status.yml (the ages it reports, on the NAS's clock)",),
        status=VERIFIED,
        sources=(
            Source(
                "batonogov/terraform-provider-synology-dsm",
                "internal/client/system_settings.go",
                "GetSystemSettings (the answer quoted from a live NAS)",
                "DSM 7.4-90075",
            ),
            Source(
                "ychiu1211/dsmctl",
                "internal/synology/operations/controlpaneltime/decode.go",
                "decode (timezone and enable_ntp, v3, then v2, then v1)",
                _DSMCTL,
            ),
        ),
        note="The NAS's offset from UTC is the wall clock minus the epoch; DSM writes every time it reports (Hyper "
        "Backup's last backup) on that wall clock. Without it dsm_info reads SYNO.DSM.Info's time (no zone).",
        unverified="the wall clock and timestamp fields before DSM 7.4 (dsmctl's decoder, live on 7.3, reads the "
        "time zone only).",
    ),
    Contract(
        id="share_list",
        api="SYNO.Core.Share",
        method="list",
        versions=(1,),
        params={"shareType": "all", "offset": 0, "limit": -1},
        shape={"shares": [{"name": "str", "vol_path": "str", "desc?": "str"}], "total": "int"},
        complete=("shares", "total"),
        modules=("dsm_shared_folder", "dsm_hyper_backup"),
        roles=("data_folder", "hyper_backup"),
        status=VERIFIED,
        sources=(
            Source("ychiu1211/dsmctl", "internal/synology/operations/shareinventory/operation.go", "list", _DSMCTL),
            Source("N4S4/synology-api", "synology_api/core_share.py", "list_folders", "DSM 7.x (a recorded answer)"),
            Source("mikespub/synology", "tools/schemas/SYNO.Core.Share-list.json", "a recorded answer", _MIKESPUB),
        ),
    ),
    Contract(
        id="reverse_proxy_list",
        api="SYNO.Core.AppPortal.ReverseProxy",
        method="list",
        versions=(1,),
        params={},
        shape={
            "entries": [
                {
                    "UUID": "str",
                    "_key?": "str",
                    "description": "str",
                    "frontend": {
                        "fqdn": "str",
                        "port": "int",
                        "protocol": one_of(0, 1),
                        "https?": {"hsts?": "bool", "http2?": "bool"},
                        "acl?": "str|null",
                    },
                    "backend": {"fqdn": "str", "port": "int", "protocol": one_of(0, 1)},
                    "customize_headers?": [{"name": "str", "value": "str"}],
                    "proxy_connect_timeout?": "int",
                    "proxy_read_timeout?": "int",
                    "proxy_send_timeout?": "int",
                    "proxy_http_version?": "int",
                    "proxy_intercept_errors?": "bool",
                }
            ]
        },
        modules=("dsm_reverse_proxy",),
        roles=("reverse_proxy",),
        status=VERIFIED,
        sources=(
            Source(
                "okkes/munniv2",
                "infra/modules/dsm.mjs",
                "the rule list it reads (21 rules, every one keyed UUID)",
                "DSM 7.3.2-86009 Update 4 (live, 2026-09-16)",
            ),
            Source(
                "ychiu1211/dsmctl",
                "internal/synology/operations/loginportal/operation.go",
                "reverseProxyOperation (the list envelope; its lab had no rule)",
                _DSMCTL,
            ),
            Source("phoeluga/synology-proxy-operator", "internal/synology/client.go", "ProxyEntry", "in production"),
        ),
        note="DSM 7 lists no frontend.https.http2 (HTTP/2 is DSM's global switch, contract web_dsm_get).",
    ),
    Contract(
        id="certificate_list",
        api="SYNO.Core.Certificate.CRT",
        method="list",
        versions=(1,),
        params={},
        shape={
            "certificates": [
                {
                    "id": "str",
                    "desc": "str",
                    "is_default": "bool",
                    "subject": {"common_name": "str", "sub_alt_name?": ["str"]},
                    "issuer?": "dict",
                    "valid_from?": "str",
                    "valid_till": "str",
                    "renewable?": "bool",
                    "services": [
                        {
                            "display_name": "str",
                            "service": "str",
                            "subscriber": "str",
                            "isPkg?": "bool",
                            "owner?": "str",
                            "multiple_cert?": "bool",
                            "user_setable?": "bool",
                        }
                    ],
                }
            ]
        },
        modules=("dsm_certificate", "dsm_reverse_proxy"),
        roles=("reverse_proxy",),
        status=VERIFIED,
        sources=(
            Source(
                "mikespub/synology",
                "tools/schemas/SYNO.Core.Certificate.CRT-list.json",
                "a recorded answer",
                _MIKESPUB,
            ),
            Source(_ACME, "deploy/synology_dsm.sh", "the CRT list before an import", "DSM 6 and 7"),
            Source("okkes/munniv2", "infra/modules/dsm.mjs", "listCerts", "DSM 7.2 and 7.3 (live)"),
        ),
        note="Needs the SynoToken even to read (103 without it).",
        unverified="whether DSM 7.2/7.3 lists subject alternative names (munniv2 and krg-infra saw the common name "
        "only, mikespub's DSM 7.1.1 answer has sub_alt_name): the contract lets it be absent, and the modules then "
        "match the common name and the description.",
    ),
    Contract(
        id="web_dsm_get",
        api="SYNO.Core.Web.DSM",
        method="get",
        versions=(1,),
        params={},
        shape={
            "http_port": "int",
            "https_port": "int",
            "enable_https": "bool",
            "enable_https_redirect": "bool",
            "enable_hsts": "bool",
            "enable_spdy": "bool",
            "enable_custom_domain": "bool",
            "fqdn": "str|null",
        },
        modules=("dsm_http2",),
        roles=("reverse_proxy (reverse_proxy_http2 set)",),
        status=VERIFIED,
        sources=(
            Source(
                "ychiu1211/dsmctl",
                "internal/synology/operations/loginportal/operation.go",
                "dsmWebServiceOperation (v1: v2 leaves out enable_https and enable_hsts)",
                _DSMCTL,
            ),
        ),
    ),
    Contract(
        id="project_list",
        api="SYNO.Docker.Project",
        method="list",
        versions=(1,),
        params={"offset": 0, "limit": -1},
        shape={
            "*": {
                "id": "str",
                "name": "str",
                "status": "str",
                "share_path": "str",
                "path?": "str",
                "containerIds?": "list|null",
                "content?": "str",
            }
        },
        package="ContainerManager",
        modules=("dsm_container_project", "dsm_container_project_info"),
        roles=("anki_sync_server (container_manager)", "playbooks/status.yml, restore_drill.yml (container_manager)"),
        status=VERIFIED,
        sources=(
            Source(
                "pvulgaris/synology-cli",
                "src/tools/containers.ts",
                "listProjectsRaw",
                "DSM 7.3 / Container Manager 24.0.2",
            ),
            Source(
                "N4S4/synology-api",
                "synology_api/docker_api.py",
                "list_projects (a recorded answer, 2025-06: no content)",
                "not stated (Container Manager with docker compose 2.20.1)",
            ),
            Source(
                "synology-community/go-synology",
                "pkg/api/docker/project.go",
                "ProjectListResponse (an object keyed by project id)",
                "DSM 7.2.2 and 7.3.2 (terraform-provider-synology)",
            ),
        ),
        note="An object keyed by project id. DSM leaves the compose content out of the list (N4S4's recorded answer; "
        "an integration's mock): the content comes from get (contract project_get). Statuses seen: RUNNING, STOPPED, "
        "WARNING, ERROR; others (BUILDING, ...) are transient.",
    ),
    Contract(
        id="project_get",
        api="SYNO.Docker.Project",
        method="get",
        versions=(1,),
        params={"id": "$project_id"},
        shape={
            "id": "str",
            "name": "str",
            "status": "str",
            "share_path": "str",
            "content": "str",
            "containerIds?": "list|null",
            "containers?": "list|null",
        },
        package="ContainerManager",
        after=("project_list",),
        modules=("dsm_container_project", "dsm_container_project_info"),
        roles=("anki_sync_server (container_manager)",),
        status=VERIFIED,
        sources=(
            Source(
                "pvulgaris/synology-cli",
                "src/tools/containers.ts",
                "projectInfoById",
                "DSM 7.3 / Container Manager 24.0.2",
            ),
            Source(
                "synology-community/terraform-provider-synology",
                "synology/provider/container/project_resource.go",
                "Read (ProjectGet().Content)",
                "DSM 7.2.2 and 7.3.2",
            ),
            Source(
                "N4S4/synology-api",
                "synology_api/docker_api.py",
                "get_project_info (a recorded answer with content and the containers' inspect)",
                "not stated (Container Manager with docker compose 2.20.1)",
            ),
        ),
        unverified="builds that leave the content out of get too (batonogov says so, and then reads "
        "get_share_info; never seen on hardware).",
    ),
    Contract(
        id="container_list",
        api="SYNO.Docker.Container",
        method="list",
        versions=(1,),
        params={"offset": 0, "limit": -1, "type": "all"},
        shape={
            "containers": [{"name": "str", "id?": "str", "image?": "str", "status?": "str", "State?": "dict"}],
            "total": "int",
        },
        complete=("containers", "total"),
        package="ContainerManager",
        modules=("dsm_container_info",),
        roles=("anki_sync_server (container_manager without an SSH host: which container holds the name, port, data)",),
        status=VERIFIED,
        sources=(
            Source(
                "mikespub/synology",
                "tools/schemas/SYNO.Docker.Container-list.json",
                "a recorded answer",
                _MIKESPUB + ", Docker package",
            ),
            Source(
                "pvulgaris/synology-cli",
                "src/tools/containers.ts",
                "nasContainersList",
                "DSM 7.3 / Container Manager 24.0.2",
            ),
            Source(
                "ApaipaiLtd/dsm_helper",
                "lib/models/Syno/Docker/DockerContainer.dart",
                "a recorded answer in its comments (16 containers, type all)",
                "DSM 7.1.1-42962 (the same repository's recorded desktop data), Docker package",
            ),
        ),
        note="offset, limit and type are all required (114 without one: pvulgaris). The list shows no ports, mounts, "
        "labels or environment: those come from get (contract container_get), once per container.",
    ),
    Contract(
        id="container_get",
        api="SYNO.Docker.Container",
        method="get",
        versions=(1,),
        params={"name": "$container_name"},
        shape={
            "details": {
                "Name": "str",
                "Config": {"Image": "str", "Env?": "list|null", "Labels?": "dict|null"},
                "HostConfig?": "dict",
                "Mounts?": "list|null",
                "State?": "dict",
            },
            "profile?": "dict",
        },
        package="ContainerManager",
        after=("container_list",),
        modules=("dsm_container_info",),
        roles=("anki_sync_server (container_manager without an SSH host)",),
        status=VERIFIED,
        sources=(
            Source(
                "pvulgaris/synology-cli",
                "src/tools/containers.ts",
                "nasContainerInfo (details: Name, Config Image/Env/Labels, HostConfig, Mounts)",
                "DSM 7.3 / Container Manager 24.0.2",
            ),
            Source(
                "bwilczynski/homelab-api",
                "internal/adapters/synology.go",
                "GetContainer (details: the Engine's inspect; profile: port_bindings, volume_bindings; 117 unknown)",
                "not stated",
            ),
            Source(
                "ApaipaiLtd/dsm_helper",
                "lib/pages/docker/detail.dart",
                "getData (profile: port_bindings, volume_bindings, env_variables, network)",
                "DSM 7.1.1-42962, Docker package (app code)",
            ),
        ),
        note="details is the Docker Engine's inspect of the container, with DSM's additions; profile is Container "
        "Manager's view of its settings. An unknown name answers 117.",
        unverified="HostConfig inside details (PortBindings, with the published ports' host address): pvulgaris "
        "reads HostConfig.NetworkMode only; without it the ports come from profile.port_bindings, which have no "
        "host address.",
    ),
    Contract(
        id="task_list",
        api="SYNO.Core.TaskScheduler",
        method="list",
        versions=(3,),
        params={"sort_by": "name", "sort_direction": "ASC", "offset": 0, "limit": 50},
        shape={
            "tasks": [
                {
                    "id": "int",
                    "name": "str",
                    "owner": "str",
                    "real_owner": "str",
                    "enable": "bool",
                    "type": "str",
                }
            ],
            "total": "int",
        },
        complete=("tasks", "total"),
        modules=("dsm_scheduled_task", "dsm_folder", "dsm_scheduled_task_info"),
        roles=(
            "hyper_backup (the snapshot task, and the snapshot jobs of earlier task names)",
            "data_folder (container_manager: a one-shot chown)",
        ),
        status=VERIFIED,
        sources=(
            Source("okkes/munniv2", "infra/modules/dsm.mjs", "ensurePollerTask (limit 500)", "DSM 7.2 and 7.3 (live)"),
            Source(
                "N4S4/synology-api",
                "synology_api/task_scheduler.py",
                "get_task_list (a recorded answer, 2024)",
                "DSM 7.x, not stated",
            ),
        ),
        note="The modules page with limit 50 (N4S4's page; munniv2 sends 500) until total: no public client sends "
        "limit -1, and a task missed would be created again on every run. Version 4 list answers nothing usable "
        "(batonogov).",
    ),
    Contract(
        id="task_get",
        api="SYNO.Core.TaskScheduler",
        method="get",
        versions=(4,),
        params={"id": "$task_id", "real_owner": "$task_owner"},
        shape={
            "id": "int",
            "name": "str",
            "owner": "str",
            "real_owner": "str",
            "enable": "bool",
            "type": "str",
            "schedule": {
                "date_type": "int",
                "repeat_date": "int",
                "week_day": "str",
                "hour": "int",
                "minute": "int",
            },
            "extra": {"script": "str", "notify_enable?": "bool", "notify_mail?": "str"},
        },
        after=("task_list",),
        modules=("dsm_scheduled_task", "dsm_folder", "dsm_scheduled_task_info"),
        roles=(
            "hyper_backup (the snapshot task, and the snapshot jobs of earlier task names)",
            "data_folder (container_manager: a one-shot chown)",
        ),
        status=VERIFIED,
        sources=(
            Source("okkes/munniv2", "infra/modules/dsm.mjs", "ensurePollerTask", "DSM 7.2 and 7.3 (live)"),
            Source(
                "N4S4/synology-api",
                "synology_api/task_scheduler.py",
                "get_task_config (a recorded answer, 2024)",
                "DSM 7.x, not stated",
            ),
        ),
        note="Read for a root script task. A weekly schedule is repeat_date 1002 with its week_day "
        "(terraform-provider-synology's parseSchedule, DSM 7.4; batonogov; N4S4); an unknown id answers an empty task.",
    ),
    Contract(
        id="task_history",
        api="SYNO.Core.TaskScheduler",
        method="get_history_status_list",
        versions=(1,),
        params={"id": "$task_id"},
        shape=[
            {
                "exit_code": "int|str",
                "exit_type": "str",
                "start_time": "str",
                "stop_time": "str",
                "timestamp?": "str|int",
            }
        ],
        after=("task_list",),
        modules=("dsm_scheduled_task", "dsm_folder"),
        roles=("hyper_backup (a snapshot now, without SSH)", "data_folder (container_manager: a one-shot chown)"),
        status=VERIFIED,
        sources=(
            Source(
                "N4S4/synology-api",
                "synology_api/task_scheduler.py",
                "get_task_results (a recorded answer, 2024)",
                "DSM 7.x, not stated",
            ),
        ),
        note="A list, newest first, of finished runs.",
        unverified="how DSM lists a run that is still going (the modules count only results with a stop time and "
        "an exit code).",
    ),
    Contract(
        id="backup_task_list",
        api="SYNO.Backup.Task",
        method="list",
        versions=(1,),
        params={"sort_by": "name", "additional": _HB_LIST_ADDITIONAL},
        shape={
            "task_list": [
                {
                    "task_id": "int",
                    "name": "str",
                    "repo_id?": "int",
                    "target_id?": "str",
                    "state?": "str",
                    "status?": "str",
                    "last_bkp_time?": "str",
                    "last_bkp_end_time?": "str",
                    "last_bkp_result?": "str",
                    "schedule?": "dict",
                    "source?": {"folder_list?": [{"folderPath": "str"}], "file_list?": "list"},
                }
            ],
            "total?": "int",
        },
        package="HyperBackup",
        modules=("dsm_hyper_backup",),
        roles=("hyper_backup", "playbooks/status.yml"),
        status=VERIFIED,
        sources=(
            Source(
                "ychiu1211/dsmctl",
                "internal/synology/operations/hyperbackup/operation.go",
                "the task list",
                "Hyper Backup 4.2.2-4262 on DSM 7.3 (live, 2026-07-21)",
            ),
            Source("mikespub/synology", "tools/schemas/SYNO.Backup.Task-list.json", "a recorded answer", _MIKESPUB),
        ),
    ),
    Contract(
        id="backup_task_get",
        api="SYNO.Backup.Task",
        method="get",
        versions=(1,),
        params={"task_id": "$backup_task_id", "additional": _HB_GET_ADDITIONAL},
        shape={
            "task_id": "int",
            "name": "str",
            "repository?": {
                "transfer_type": "str",
                "share?": "str",
                "remote_share?": "str",
                "dest?": "str",
                "remote_url?": "str",
                "port?": "int|str",
                "account?": "str",
            },
            "schedule?": {"schedule_enable?": "bool", "schedule?": {}},
            # {}: a record of DSM's field names, captured by name and type (the retention fields are not public)
            "rotate_params?": {},
            "backup_params?": {},
        },
        package="HyperBackup",
        after=("backup_task_list",),
        modules=("dsm_hyper_backup",),
        roles=("hyper_backup", "playbooks/status.yml"),
        status=VERIFIED,
        sources=(
            Source(
                "ychiu1211/dsmctl",
                "internal/synology/operations/hyperbackup/operation.go",
                "the task detail",
                "Hyper Backup 4.2.2-4262 on DSM 7.3 (live, 2026-07-21)",
            ),
        ),
        unverified="the field names inside rotate_params (retention): no public client decodes them; the probe's "
        "capture lists them.",
    ),
    Contract(
        id="backup_task_status",
        api="SYNO.Backup.Task",
        method="status",
        versions=(1,),
        params={"task_id": "$backup_task_id", "blOnline": False, "additional": _HB_STATUS_ADDITIONAL},
        shape={
            "status": "str",
            "state?": "str",
            "last_bkp_time?": "str",
            "last_bkp_end_time?": "str",
            "last_bkp_result?": "str",
            "last_bkp_success_version?": "str|int",
        },
        package="HyperBackup",
        after=("backup_task_list",),
        modules=("dsm_hyper_backup",),
        roles=("hyper_backup (hyper_backup_run_now)",),
        status=VERIFIED,
        sources=(
            Source(
                "N4S4/synology-api",
                "synology_api/core_backup.py",
                "backup_task_result (its issue #77: tested on DSM 6 and 7)",
                "DSM 6 and 7",
            ),
            Source("mikespub/synology", "tools/schemas/SYNO.Backup.Task-status.json", "a recorded answer", _MIKESPUB),
        ),
    ),
    Contract(
        id="backup_repository_list",
        api="SYNO.Backup.Repository",
        method="list",
        versions=(1,),
        params={},
        shape={
            "repo_list": [
                {
                    "repo_id": "int",
                    "name": "str",
                    "transfer_type": "str",
                    "target_type?": "str",
                    "target_id?": "str",
                    "share?": "str",
                }
            ],
            "total?": "int",
        },
        package="HyperBackup",
        modules=("dsm_hyper_backup",),
        roles=("hyper_backup",),
        status=VERIFIED,
        sources=(
            Source(
                "mikespub/synology",
                "tools/schemas/SYNO.Backup.Repository-list.json",
                "a recorded answer",
                _MIKESPUB,
            ),
        ),
        note="Read to find a repository left by a create whose answer was lost.",
    ),
    Contract(
        id="backup_candidate_dir",
        api="SYNO.Backup.Target",
        method="get_candidate_dir",
        versions=(1,),
        params={"target_type": "image", "transfer_type": "image_local", "share": "$backup_share"},
        shape={"candidate_dir": "str", "deststatus?": "int"},
        package="HyperBackup",
        after=("share_list", "backup_task_list"),
        needed_if="backup_task_missing",
        modules=("dsm_hyper_backup",),
        roles=("hyper_backup (a new task on a local shared folder)",),
        status=VERIFIED,
        sources=(
            Source(
                "ychiu1211/dsmctl",
                "internal/synology/operations/hyperbackup/operation.go",
                "taskCreateOperation (its first call)",
                "Hyper Backup 4.2.2-4262 on DSM 7.3 (live, local and NAS-to-NAS)",
            ),
        ),
        note="The first of the three calls that make a task; it names the folder the backups go to and changes "
        "nothing. Read for a local destination only (a remote one would log in to the other NAS).",
    ),
    Contract(
        id="file_info",
        api="SYNO.FileStation.List",
        method="getinfo",
        versions=(1, 2),
        params={"path": ["$data_folder"], "additional": _FILE_ADDITIONAL},
        shape={
            "files": [
                {
                    "isdir": "bool",
                    "name": "str",
                    "path": "str",
                    "additional": {
                        "real_path": "str",
                        "owner": {"uid": "int", "gid": "int"},
                        "perm": {"posix": "int"},
                    },
                }
            ]
        },
        modules=("dsm_folder", "dsm_folder_info"),
        roles=("data_folder (container_manager)",),
        status=VERIFIED,
        sources=(
            Source(
                "mikespub/synology",
                "tools/schemas/SYNO.FileStation.List-getinfo.json",
                "a recorded answer",
                _MIKESPUB,
            ),
        ),
        error_answers=(408,),
        unverified="that perm.posix is the mode's octal digits read as a decimal number (755 for 0755, 70 for 0070), "
        "as batonogov reads it.",
    ),
    Contract(
        id="file_info_missing",
        api="SYNO.FileStation.List",
        method="getinfo",
        versions=(1, 2),
        params={"path": ["$missing_path"], "additional": _FILE_ADDITIONAL},
        shape={"files": [{"code": one_of(408), "path": "str"}]},
        after=("share_list", "file_info"),
        needed_if="data_folder_missing",
        modules=("dsm_folder", "dsm_folder_info", "dsm_container_project"),
        roles=("data_folder (container_manager)", "anki_sync_server (container_manager)"),
        status=APP_ONLY,
        sources=(
            Source(
                "batonogov/terraform-provider-synology-dsm",
                "internal/client/file.go",
                "parseFileInfo (it also handles an error 408 for the whole call)",
                "virtual DSM 7.2.2 for its acceptance tests; not run on hardware",
            ),
        ),
        error_answers=(408,),
        note="A missing path answers success with an entry carrying code 408, or error 408 for the whole call "
        "(batonogov's GetFileInfo handles that form too); the modules take either as absent.",
        unverified="all of it: File Station's answer for a missing path, and which of the two forms a DSM answers.",
        simulator="answers error 408 for the whole call (real-DSM behaviour file_station_missing_path_fails_call; "
        "the entry form with it off).",
    ),
    Contract(
        id="folder_list",
        api="SYNO.FileStation.List",
        method="list",
        versions=(1, 2),
        params={"folder_path": "$existing_data_folder", "offset": 0, "limit": 1000, "additional": _FILE_ADDITIONAL},
        shape={
            "files": [
                {
                    "isdir": "bool",
                    "name": "str",
                    "path": "str",
                    "additional": {
                        "real_path": "str",
                        "owner": {"uid": "int", "gid": "int"},
                        "perm": {"posix": "int"},
                    },
                }
            ],
            "offset": "int",
            "total": "int",
        },
        after=("file_info",),
        modules=("dsm_folder_info",),
        roles=(
            "data_folder (container_manager: the owner of everything in the data folder)",
            "anki_sync_server (container_manager: the collections of a changed data directory)",
        ),
        status=VERIFIED,
        sources=(
            Source(
                "mikespub/synology",
                "tools/schemas/SYNO.FileStation.List-list.json",
                "a recorded answer",
                _MIKESPUB,
            ),
        ),
        note="Pages of at most limit entries; total counts them all. The data folder's mode may keep the DSM account "
        "out (an error then, reported by the module as not checked).",
        unverified="how File Station lists a symbolic link (as the folder it leads to, or with a real_path of its "
        "target): no capture shows one.",
    ),
    Contract(
        id="package_list",
        api="SYNO.Core.Package",
        method="list",
        versions=(1, 2),
        params={"additional": ["status", "beta", "startable", "install_type"], "offset": 0, "limit": -1},
        shape={
            "packages": [
                {
                    "id": "str",
                    "name": "str",
                    "version": "str",
                    "additional?": {"status?": "str", "startable?": "bool", "install_type?": "str", "beta?": "bool"},
                }
            ],
            "total": "int",
        },
        complete=("packages", "total"),
        modules=("dsm_package", "dsm_package_info"),
        roles=(),
        status=VERIFIED,
        sources=(
            Source(
                "ychiu1211/dsmctl",
                "internal/synology/operations/packagecenter/operation.go",
                "inventoryVariant (v2, then v1)",
                _DSMCTL,
            ),
            Source(
                "N4S4/synology-api",
                "synology_api/core_package.py",
                "list_installed (a recorded answer)",
                "DSM 7.2.2-72806, DS723+",
            ),
        ),
        note="An unknown additional key fails the whole call with 120. A package is listed once installed (a "
        "download never is): the only proof of an install.",
    ),
    Contract(
        id="package_catalog",
        api="SYNO.Core.Package.Server",
        method="list",
        versions=(1, 2),
        params={"blforcereload": False, "blloadothers": False},
        shape={
            "packages": [{"id?": "str", "package?": "str", "version": "str", "dname?": "str", "install_type?": "str"}],
            "beta_packages?": [],
        },
        modules=("dsm_package", "dsm_package_info"),
        roles=(),
        status=VERIFIED,
        sources=(
            Source(
                "pvulgaris/synology-cli",
                "src/tools/packages.ts",
                "loadCatalog, normalizeCatalogPackage (field names verified on the live NAS)",
                "DSM 7.3.2 (its live NAS, a browser capture)",
            ),
            Source(
                "N4S4/synology-api",
                "synology_api/core_package.py",
                "list_installable (a recorded answer)",
                "DSM 7.2.2-72806, DS723+",
            ),
        ),
        note="This model's catalog: a package it lacks is not offered (dsm_package fails before any write). The "
        "download fields (link, md5, size) go back with the install. dsm_package's other reads take a package's "
        "catalog fields and are not in this table yet: Installation get_queue and check before an install "
        "(synology-cli, live DSM 7.3.2; N4S4), status and Installation.Download check during an update.",
    ),
    Contract(
        id="ddns_record_list",
        api="SYNO.Core.DDNS.Record",
        method="list",
        versions=(1,),
        params={},
        shape={
            "records": [
                {
                    "id": "str",
                    "provider": "str",
                    "hostname": "str",
                    "enable": "bool",
                    "status": "str",
                    "heartbeat?": "bool",
                    "net?": "str",
                    "ip?": "str",
                    "ipv6?": "str",
                    "username?": "str",
                    "lastupdated?": "str",
                }
            ],
            "next_update_time?": "str",
        },
        modules=("dsm_ddns", "dsm_ddns_info"),
        roles=(),
        status=VERIFIED,
        sources=(
            Source("ychiu1211/dsmctl", _DSMCTL_EXTERNAL, "ddnsRecordOp", _DSMCTL),
            Source(_MIKESPUB_REPO, "tools/schemas/SYNO.Core.DDNS.Record-list.json", "a recorded answer", _MIKESPUB),
        ),
        note="The list never carries the record's password; a record's id is its provider (USER_<name> for a "
        "custom one).",
    ),
    Contract(
        id="ddns_provider_list",
        api="SYNO.Core.DDNS.Provider",
        method="list",
        versions=(1,),
        params={},
        shape={"providers": [{"id": "str", "provider": "str", "website?": "str", "url?": "str"}]},
        modules=("dsm_ddns", "dsm_ddns_info"),
        roles=(),
        status=VERIFIED,
        sources=(
            Source(
                "xupin/synology-php",
                "tools/schemas/SYNO.Core.DDNS.Provider-list.json",
                "a schema generated from recorded answers (mikespub/synology's tools)",
                "DSM 7.x, not stated",
            ),
            Source(
                "ApaipaiLtd/dsm_helper",
                "lib/pages/control_panel/public_access/public_access.dart",
                "getData (keeps USER_* and the url-less built-ins)",
                "DSM 7.x (a shipped app)",
            ),
        ),
        note="A custom provider is listed as USER_<name>, with its query URL.",
    ),
    Contract(
        id="ddns_external_ip",
        api="SYNO.Core.DDNS.ExtIP",
        method="list",
        versions=(1, 2),
        params={},
        shape=[{"ip": "str", "ipv6?": "str", "type": "str"}],
        modules=("dsm_ddns", "dsm_ddns_info"),
        roles=(),
        status=VERIFIED,
        sources=(
            Source("ychiu1211/dsmctl", _DSMCTL_EXTERNAL, "ddnsExtIPOp", _DSMCTL),
            Source("mikespub/synology", "tools/schemas/SYNO.Core.DDNS.ExtIP-list.json", "a recorded answer", _MIKESPUB),
        ),
        note="0.0.0.0 means no address. dsm_ddns_info returns it as external_ip, what a host name must resolve "
        "to for Let's Encrypt to reach the NAS.",
    ),
    Contract(
        id="myds_account",
        api="SYNO.Core.MyDSCenter",
        method="query",
        versions=(1, 2),
        params={},
        shape={"is_logged_in": "bool", "account?": "str", "activated?": "bool"},
        modules=("dsm_ddns", "dsm_ddns_info"),
        roles=(),
        status=VERIFIED,
        sources=(Source("ychiu1211/dsmctl", _DSMCTL_EXTERNAL, "accountCoreOp (query v2, then v1)", _DSMCTL),),
        note="The Synology Account DSM is signed in to: Synology's own DDNS names need it.",
    ),
    Contract(
        id="encryption_info",
        api="SYNO.API.Encryption",
        method="getinfo",
        versions=(1,),
        params={"format": "module"},
        raw=("format",),
        http_only=True,
        shape={"cipherkey": "str", "ciphertoken": "str", "public_key": "str", "server_time": "int"},
        modules=("dsm_hyper_backup", "dsm_scheduled_task", "dsm_folder"),
        roles=(
            "hyper_backup (a remote destination, dsm_url over plain HTTP)",
            "hyper_backup, data_folder (a root task's password confirmation, dsm_url over plain HTTP)",
        ),
        status=VERIFIED,
        sources=(
            Source("ychiu1211/dsmctl", "internal/synology/encryption.go", "encryptionInfoLocked", _DSMCTL),
            Source("N4S4/synology-api", "synology_api/auth.py", "_get_enc_info", "DSM 7.x"),
        ),
        note="Used only over plain HTTP, for the secrets DSM wants in its encryption envelope (Hyper Backup's remote "
        "password; the PasswordConfirm password of a root task, as N4S4's core_user.py password_confirm sends it). "
        "The key is fetched again after 300 s.",
        unverified="that DSM 7 refuses an envelope whose server_time is older than 360 s (Synology's GPL synocgi.h "
        "of an older DSM, CIPHERTOKEN_VALID_DURATION 360).",
    ),
)

#: the APIs the probe asks SYNO.API.Info about (the table's and the client's)
PROBED_APIS = tuple(sorted({contract.api for contract in CONTRACTS}))

BY_ID = {contract.id: contract for contract in CONTRACTS}
# The discovery answer may list every API of the table: each one is an optional key of the same entry shape.
BY_ID["api_info"].shape.update(
    {
        api + "?": _API_ENTRY
        for api in sorted(set(PROBED_APIS) | set(COLLECTION_APIS))
        if api not in BY_ID["api_info"].shape
    }
)


def for_modules(modules, https=False):
    """The contracts the given modules rely on, in the table's order (discovery left out: a session has it; over
    HTTPS, the reads the modules make only over plain HTTP left out)."""
    wanted = set(modules)
    return [
        contract
        for contract in CONTRACTS
        if contract.id != "api_info" and wanted & set(contract.modules) and not (https and contract.http_only)
    ]


def of_module(module):
    """The ids of the contracts a module relies on (what its notes name)."""
    return [contract.id for contract in CONTRACTS if module in contract.modules]


# --- write shapes no probe can check ------------------------------------------------------------------------------
@dataclass(frozen=True)
class WriteShape:
    """A write the modules send whose shape (or effect) no public capture confirms; the probe changes nothing, so
    only a real run shows it. Listed in the README's "What is unverified on a real DSM"."""

    module: str
    what: str


UNVERIFIED_WRITES = (
    WriteShape(
        "dsm_reverse_proxy",
        "that moving a rule's entry onto a certificate that lists it already merges the two (how a rule listed "
        "twice is fixed); unbinding a certificate with an empty id (DSM lists the rule under the default "
        "afterwards; the delete never depends on it).",
    ),
    WriteShape(
        "dsm_http2",
        "whether `SYNO.Core.Web.DSM set` takes `enable_spdy` alone (the module sends the eight fields a verified "
        "client sends).",
    ),
    WriteShape(
        "dsm_certificate",
        "the answer of `SYNO.Core.Certificate.LetsEncrypt create` on success (the module finds the certificate in "
        "the listing instead); the copies of `api`/`version`/`method` in an import's multipart body (the URL query "
        "DSM dispatches from is confirmed: acme.sh, N4S4, batonogov); how long DSM's web server restarts after a "
        "certificate change, and that the change is applied before the restart drops its answer (also "
        "`dsm_reverse_proxy`'s bind and `dsm_http2`: they wait `restart_timeout`, 90 s, then decide by the state).",
    ),
    WriteShape(
        "dsm_hyper_backup",
        "the schedule and retention payloads of `SYNO.Backup.Task set` (the create flow itself is verified); "
        "`task_id_list` for delete; `SYNO.Backup.Repository delete` by `repo_id` (only for the module's own unused "
        "repositories); the meaning of error 4405 to `Task create` (taken as a task of that name made meanwhile: no "
        "public source decodes Hyper Backup's codes).",
    ),
    WriteShape(
        "dsm_container_project",
        "project states other than RUNNING/STOPPED/WARNING (taken as busy; no live capture shows a project's status "
        "while an action still works); error 2104 or 408 for an unknown project id (both taken as absent; "
        "batonogov/terraform-provider-synology-dsm, never run on hardware); `get_share_info{path}` -> `{content}` when "
        "`get` omits the content (batonogov only); that `create` with the content in one call deploys what the UI "
        "deploys; the public clients disagree on raw or JSON-quoted `id`/`content` (the module sends JSON literals, as "
        "go-synology, used on 7.2.2/7.3.2). Confirmed by clients that ran on real DSM, and followed by the simulator: "
        "`build` is `compose up` and starts the containers (pvulgaris/synology-cli `nasContainerProjectDeploy`, DSM "
        "7.3; synology-community/terraform-provider-synology `project_resource.go`, DSM 7.2.2/7.3.2; DSM's own log in "
        "linuxserver/docker-sonarr #268); `build` pulls inside the request and DSM drops the connection of long "
        "actions while finishing them (pvulgaris `docs/dsm-api-quirks.md`; terraform-provider-synology #177); "
        "`build` and `stop` answer 1202 after the work (pvulgaris `containers.ts` `ambiguousProjectError`); 2102 for "
        "a taken name (go-synology `docker/methods/errors.go`, terraform-provider-synology `projectExists`); "
        "`WARNING` as the steady state of a project with an exited one-shot container (batonogov #69/#101, from "
        "users' NAS); the `*_stream` methods answer plain text (terraform-provider-synology #177, DSM 7.3.2).",
    ),
    WriteShape(
        "dsm_scheduled_task",
        "that `SYNO.Core.User.PasswordConfirm` reads a raw password that is valid JSON (all digits, `true`) as a "
        "number or literal and refuses it (inferred from its requestFormat JSON; the module sends it JSON-quoted, as "
        "go-synology does live), and refuses it in the clear over plain HTTP (the module envelopes it, as N4S4 does); "
        "how long DSM queues a root task's run (one measurement: 5-10 min; the modules wait `wait_timeout`, 900 s) "
        "and what becomes of a queued run whose task is deleted (a one-shot task is deleted only once its result is "
        "listed); the task's script carries `anki_snapshot.py` inline (no public source shows a size limit of the "
        "script field).",
    ),
    WriteShape(
        "dsm_folder",
        "that `chmod` by a root task takes on a folder of a shared folder in ACL mode (the module reads the mode "
        "back and fails when it did not).",
    ),
    WriteShape("dsm_shared_folder", "the values sent at creation beyond name, volume and description."),
    WriteShape(
        "dsm_package",
        "which packages refuse Package Center's quick install (`blqinst`) and need their install wizard (DSM error "
        "4501; Container Manager and Hyper Backup are believed not to), and what a quick install of a package whose "
        "dependencies are missing answers (the module installs them first, in the order of DSM's install queue).",
    ),
    WriteShape(
        "dsm_ddns",
        "every record write: `create` has no public capture at all; `set`, `delete`, `update_ip_address` and `test` "
        "are what the app dsm_helper sends; whether DSM keeps one record per provider. Registering a "
        "`*.synology.me` name has no public wire shape, so the module only reads those.",
    ),
    WriteShape(
        "portainer_stack",
        "stack status values of Portainer newer than 2.23. The role writes each `SYNC_USERn` single-quoted into "
        "the stack's env file, which compose v2 (Portainer's) reads literally; compose v1 (the simulated "
        "Portainer's) expands `${...}` even inside quotes, so plaintext passwords "
        "(`anki_sync_server_hash_passwords: false`) with `${`, a quote, a backslash or a line break are refused "
        "before any change.",
    ),
)
