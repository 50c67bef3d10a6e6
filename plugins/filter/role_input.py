# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter role_input: the checks of a role's variables beyond their types (which the role's argument spec checks),
in Python only. Where a module checks the same value, the role calls the module's own check with the role's
variable names, so a rule is written once (the modules' checks live in module_utils).

The reverse-proxy and Hyper Backup checks are imported by the role's check that uses them, not with this file: Ansible
loads every filter file of the collection in each task's worker process that uses one of its filters, and the
reverse-proxy rule's module_utils bring the whole DSM client (about 35 ms of CPU per worker on the test machine)."""

import ipaddress
import re
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_env import validate_users
from ansible_collections.ankinas.synology.plugins.module_utils import _nas_path
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_schedule import schedule_problem
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
#: the names the Docker Engine accepts for a container or a network (its RestrictedNamePattern)
DOCKER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


def _number(values, variable):
    """values[variable] as an int (an inventory may hold "443"), else an error naming the variable."""
    value = values[variable]
    try:
        if not isinstance(value, bool):
            return int(value)
    except (TypeError, ValueError):
        pass
    raise AnsibleFilterError(f"{variable} must be a whole number (got {value!r})")


def _port(values, variable):
    number = _number(values, variable)
    if not 1 <= number <= 65535:
        raise AnsibleFilterError(f"{variable} must be a port from 1 to 65535 (got {number})")
    return number


def _path(values, variable, **options):
    _nas_path.check(values[variable], variable, **options)


def data_folder(values):
    allow_outside = values["data_folder_allow_outside_volumes"]
    _path(values, "data_folder_path", outside_volumes=allow_outside)
    volume = _nas_path.check_volume(values["data_folder_volume"], "data_folder_volume")
    share = _nas_path.check_share_name(values["data_folder_share"], "data_folder_share")
    if not allow_outside and not values["data_folder_path"].startswith(f"{volume}/{share}/"):
        raise AnsibleFilterError(
            f"data_folder_path must lie inside the shared folder {volume}/{share}/ (got "
            f"'{values['data_folder_path']}'), for example {volume}/{share}/anki-server; set "
            "data_folder_allow_outside_volumes: true to use another place."
        )
    if not _nas_path.MODE.match(str(values["data_folder_mode"])):
        raise AnsibleFilterError(
            f"data_folder_mode must be an octal mode string such as \"0750\" (got '{values['data_folder_mode']}')."
        )


def anki_sync_server(values):
    tag = str(values["anki_sync_server_image_tag"])
    if not tag or tag == "latest":
        raise AnsibleFilterError(
            f"anki_sync_server_image_tag must be an explicit version such as '25.07' (got '{tag}'): with 'latest' "
            "or no tag the server would change under you on the next pull."
        )
    _port(values, "anki_sync_server_host_port")
    outside = values["anki_sync_server_allow_data_dir_outside_volumes"]
    _path(values, "data_folder_path", outside_volumes=outside)
    if values["anki_sync_server_volume_root"]:
        _path(values, "anki_sync_server_volume_root", outside_volumes=True)
    address = str(values["anki_sync_server_bind_address"])
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise AnsibleFilterError(
            f"anki_sync_server_bind_address must be an IP address of the NAS (got '{address}'): 127.0.0.1 (the "
            "default: only the reverse proxy on the NAS reaches the server) or 0.0.0.0 to publish it on every "
            "interface."
        ) from None
    method = values["anki_sync_server_deploy_method"]
    _names(values, method)
    validate_users(
        values["anki_sync_server_users"],
        "anki_sync_server_users",
        env_file=method == "portainer" and not values["anki_sync_server_hash_passwords"],
    )
    docker_host = str(values["anki_sync_server_docker_host"])
    engine = (urlsplit(docker_host).hostname or "").lower()
    on_controller = engine in ("", "localhost", "::1") or engine.startswith("127.")
    if (
        method in ("docker", "auto")
        and not docker_host.startswith("unix://")
        and values["ansible_connection"] != "local"
        and on_controller
    ):
        raise AnsibleFilterError(
            f"anki_sync_server_docker_host ({docker_host}) is the controller's Docker Engine while the NAS "
            f"{values['inventory_hostname']} is a remote host: the container would run on the controller, not on the "
            "NAS. Leave the default unix:///var/run/docker.sock (the Docker tasks then run on the NAS, as root) or "
            "name the NAS's engine."
        )


def _names(values, method):
    """The container's and the network's names as the Docker Engine accepts them and, where Container Manager may
    deploy (container_manager, or auto, which picks it on DSM 7.2+), the container's name as the project's name
    (dsm_container_project's own rule): else the first change would be the one to fail."""
    for variable in ("anki_sync_server_container_name", "anki_sync_server_network"):
        name = str(values[variable])
        if not DOCKER_NAME.match(name):
            raise AnsibleFilterError(
                f"{variable} must be a name the Docker Engine accepts: two or more letters, digits, '_', '.' or '-', "
                f"starting with a letter or digit (got '{name}')."
            )
    if method in ("container_manager", "auto"):
        # Imported here: the DSM client comes with it, which the other roles' checks do not need.
        from ansible_collections.ankinas.synology.plugins.module_utils._dsm_container_project import (
            NAME as PROJECT_NAME,
        )

        name = str(values["anki_sync_server_container_name"])
        if not PROJECT_NAME.match(name):
            raise AnsibleFilterError(
                f"anki_sync_server_container_name is also the Container Manager project's name with deploy method "
                f"{method} (auto picks Container Manager on DSM 7.2+), which must be 1 to 64 lower-case letters, "
                f"digits, '-' and '_', starting with a letter or digit (got '{name}'), e.g. "
                f"'{re.sub(r'[^a-z0-9_-]', '-', name.lower()).strip('-_') or 'anki-sync-server'}'."
            )


#: the reverse-proxy rule's options, as the role's variables name them
RULE_VARIABLES = {
    "description": "reverse_proxy_description",
    "state": "reverse_proxy_state",
    "source_protocol": "reverse_proxy_source_protocol",
    "source_host": "reverse_proxy_source_host",
    "source_port": "reverse_proxy_source_port",
    "destination_host": "reverse_proxy_destination_host",
    "destination_port": "reverse_proxy_destination_port",
    "websocket": "reverse_proxy_websocket",
    "custom_headers": "reverse_proxy_custom_headers",
    "proxy_connect_timeout": "reverse_proxy_connect_timeout",
    "proxy_read_timeout": "reverse_proxy_read_timeout",
    "proxy_send_timeout": "reverse_proxy_send_timeout",
    "certificate": "reverse_proxy_certificate",
}


def reverse_proxy(values):
    from ansible_collections.ankinas.synology.plugins.module_utils._dsm_reverse_proxy import TIMEOUTS
    from ansible_collections.ankinas.synology.plugins.module_utils._dsm_reverse_proxy import validate as validate_rule

    issue = values["reverse_proxy_certificate_issue"]
    if issue not in ("", "letsencrypt"):
        raise AnsibleFilterError(f"reverse_proxy_certificate_issue must be '' or letsencrypt (got '{issue}')")
    if issue == "letsencrypt":
        email = str(values["reverse_proxy_certificate_email"])
        if not EMAIL.match(email) or values["reverse_proxy_source_protocol"] != "https":
            raise AnsibleFilterError(
                "reverse_proxy_certificate_issue letsencrypt needs reverse_proxy_certificate_email (an e-mail address "
                f"for Let's Encrypt, got '{email}') and reverse_proxy_source_protocol https."
            )
    for address in values["reverse_proxy_letsencrypt_public_addresses"]:
        try:
            ipaddress.ip_address(str(address))
        except ValueError:
            raise AnsibleFilterError(
                "reverse_proxy_letsencrypt_public_addresses must list IP addresses, the ones public DNS gives "
                f"reverse_proxy_source_host (got '{address}')"
            ) from None
    params = {}
    for option, variable in RULE_VARIABLES.items():
        params[option] = values[variable]
    for option in ("source_port", "destination_port", *TIMEOUTS):
        params[option] = _number(values, RULE_VARIABLES[option])
    headers = params["custom_headers"]
    if not isinstance(headers, list) or not all(
        isinstance(header, dict) and "name" in header and "value" in header for header in headers
    ):
        raise AnsibleFilterError(f"reverse_proxy_custom_headers must be a list of {{name, value}} (got {headers!r})")
    params["custom_headers"] = [{"name": str(h["name"]), "value": str(h["value"])} for h in headers]
    params["certificate"] = params["certificate"] or (values["reverse_proxy_source_host"] if issue else None)
    validate_rule(params, RULE_VARIABLES)


#: the Hyper Backup task's options, as the role's variables name them
BACKUP_VARIABLES = {
    "name": "hyper_backup_task_name",
    "sources": "data_folder_path",
    "destination.type": "hyper_backup_destination_type",
    "destination.share": "hyper_backup_destination_share",
    "destination.host": "hyper_backup_remote_host",
    "destination.port": "hyper_backup_remote_port",
    "destination.account": "hyper_backup_remote_account",
    "destination.password": "hyper_backup_remote_password",
    "retention.max_versions": "hyper_backup_max_versions",
    "wait_timeout": "hyper_backup_wait_timeout",
}


def hyper_backup(values):
    from ansible_collections.ankinas.synology.plugins.module_utils._dsm_hyper_backup import check_params

    _path(values, "data_folder_path")
    _nas_path.check_volume(values["hyper_backup_destination_volume"], "hyper_backup_destination_volume")
    _path(values, "hyper_backup_legacy_cron_file", outside_volumes=True)
    if values["hyper_backup_volume_root"]:
        _path(values, "hyper_backup_volume_root", outside_volumes=True)
    for source in values["hyper_backup_extra_sources"]:
        # /share/dir is the form Hyper Backup shows; the module checks that its share exists.
        on_volume = _nas_path.VOLUME_PREFIX.match(str(source)) is not None
        _nas_path.check(source, "hyper_backup_extra_sources", outside_volumes=not on_volume)
    at, frequency = values["hyper_backup_schedule_time"], values["hyper_backup_schedule_frequency"]
    names = {key: "hyper_backup_schedule_" + key for key in ("frequency", "time", "weekdays")}
    problem = schedule_problem(frequency, at, values["hyper_backup_schedule_weekdays"], names)
    if problem:
        raise AnsibleFilterError(problem)
    remote = values["hyper_backup_destination_type"] == "image_remote"
    check_params(
        {
            "name": values["hyper_backup_task_name"],
            "state": "present",
            "run_now": False,
            "sources": [values["data_folder_path"]],
            "destination": {
                "type": values["hyper_backup_destination_type"],
                "share": values["hyper_backup_destination_share"],
                "host": values["hyper_backup_remote_host"] if remote else None,
                "port": _number(values, "hyper_backup_remote_port"),
                "account": values["hyper_backup_remote_account"] if remote else None,
                "password": values["hyper_backup_remote_password"] if remote else None,
            },
            "schedule": None,  # checked above with the role's names
            "retention": {"max_versions": _number(values, "hyper_backup_max_versions")},
            "wait_timeout": _number(values, "hyper_backup_wait_timeout"),
        },
        BACKUP_VARIABLES,
    )
    lead = _number(values, "hyper_backup_snapshot_lead_minutes")
    hours, minutes = (int(part) for part in at.split(":"))
    if values["hyper_backup_snapshot_enabled"] and (lead < 1 or hours * 60 + minutes < lead):
        raise AnsibleFilterError(
            f"The snapshot runs hyper_backup_snapshot_lead_minutes ({lead}) before the backup at {at}, on the same "
            "day: pick a later backup time or a shorter lead."
        )
    if _number(values, "hyper_backup_restore_keep_copies") < 1:
        raise AnsibleFilterError(
            f"hyper_backup_restore_keep_copies must be at least 1 (got {values['hyper_backup_restore_keep_copies']}): "
            "it counts the copy a restore makes of the live data; set hyper_backup_restore_keep_old false to keep "
            "none."
        )


#: the variables of earlier releases that are gone, and what to do instead (the base role's check names it)
ONE_DATA_FOLDER = (
    "set data_folder_path instead (one variable names the data folder of every role: the sync server's data, the "
    "backup's source, the data folder made on the NAS)"
)
REMOVED = {
    "anki_sync_server_data_dir": ONE_DATA_FOLDER,
    "hyper_backup_data_dir": ONE_DATA_FOLDER,
    "hyper_backup_tools_dir": (
        "no file of the collection lives on the NAS any more (the snapshot job's task carries the script, and a "
        "snapshot or restore over SSH hands it to the NAS's Python); a folder an earlier release made there can go"
    ),
}


def dsm(values):
    """The base role's shared variables: no variable of an earlier release is left in the inventory, the data folder
    is a NAS path, and the portainer method has its Portainer."""
    for old in sorted(set(REMOVED) & set(values["variables_set"])):
        raise AnsibleFilterError(
            f"{old} was removed: {REMOVED[old]}. Remove {old} from the inventory. Nothing was changed."
        )
    _path(values, "data_folder_path", outside_volumes=True)
    if values["anki_sync_server_deploy_method"] == "portainer" and not values["portainer_url"]:
        raise AnsibleFilterError(
            "anki_sync_server_deploy_method portainer needs portainer_url (Portainer's address, e.g. "
            "https://nas.lan:9443) and portainer_api_key (or portainer_username and portainer_password)."
        )


ROLES = {
    "anki_sync_server": anki_sync_server,
    "dsm": dsm,
    "data_folder": data_folder,
    "hyper_backup": hyper_backup,
    "reverse_proxy": reverse_proxy,
}


def role_input(values, role):
    """values (the role's variables by name), unchanged, when they are right; else an error naming the first
    variable that is wrong and the fix."""
    if role not in ROLES:
        raise AnsibleFilterError(f"role_input knows the roles {', '.join(sorted(ROLES))}, not {role!r}")
    missing = sorted(set(NEEDED[role]) - set(values or {}))
    if missing:
        raise AnsibleFilterError(f"role_input({role!r}) needs the variables {', '.join(missing)}")
    try:
        ROLES[role](values)
    except (ResourceError, _nas_path.NasPathError) as error:
        raise AnsibleFilterError(str(error)) from None
    return values


#: the variables each role's check reads (what its validate task hands over)
NEEDED = {
    "dsm": ("variables_set", "data_folder_path", "anki_sync_server_deploy_method", "portainer_url"),
    "data_folder": (
        "data_folder_path",
        "data_folder_volume",
        "data_folder_share",
        "data_folder_mode",
        "data_folder_allow_outside_volumes",
    ),
    "anki_sync_server": (
        "anki_sync_server_image_tag",
        "anki_sync_server_host_port",
        "data_folder_path",
        "anki_sync_server_allow_data_dir_outside_volumes",
        "anki_sync_server_volume_root",
        "anki_sync_server_bind_address",
        "anki_sync_server_deploy_method",
        "anki_sync_server_container_name",
        "anki_sync_server_network",
        "anki_sync_server_users",
        "anki_sync_server_hash_passwords",
        "anki_sync_server_docker_host",
        "ansible_connection",
        "inventory_hostname",
    ),
    "reverse_proxy": (
        *RULE_VARIABLES.values(),
        "reverse_proxy_certificate_issue",
        "reverse_proxy_certificate_email",
        "reverse_proxy_letsencrypt_public_addresses",
    ),
    "hyper_backup": (
        "data_folder_path",
        "hyper_backup_destination_volume",
        "hyper_backup_legacy_cron_file",
        "hyper_backup_volume_root",
        "hyper_backup_extra_sources",
        "hyper_backup_schedule_time",
        "hyper_backup_schedule_frequency",
        "hyper_backup_schedule_weekdays",
        "hyper_backup_snapshot_enabled",
        "hyper_backup_snapshot_lead_minutes",
        "hyper_backup_restore_keep_copies",
        "hyper_backup_task_name",
        *(variable for key, variable in BACKUP_VARIABLES.items() if key not in ("name", "sources")),
    ),
}


class FilterModule:
    def filters(self):
        return {"role_input": role_input}
