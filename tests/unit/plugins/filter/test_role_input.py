"""The roles' input checks (filter role_input): each rule names the variable, and where a module checks the same
value the role's message is the module's own, naming the role's variable."""

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.role_input import NEEDED, role_input

ROLES = Path(__file__).resolve().parents[4] / "roles"
DATA = "/volume1/docker/anki-server"


def defaults(role, **changed):
    """The base role's defaults and the role's (a template stands for the default data folder), the play's facts,
    then changed."""
    values = yaml.safe_load((ROLES / "dsm" / "defaults" / "main.yml").read_text())
    values.update(yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()))
    values = {key: DATA if "{{" in str(value) else value for key, value in values.items()}
    values.update(
        anki_sync_server_users=[{"name": "alice", "password": "a-password"}],
        anki_sync_server_deploy_method="auto",
        ansible_connection="ssh",
        inventory_hostname="nas",
        variables_set=["data_folder_path", "dsm_url", "anki_sync_server_users"],
    )
    values.update(changed)
    return {key: values[key] for key in NEEDED[role]}


@pytest.mark.parametrize("role", sorted(NEEDED))
def test_the_defaults_pass_and_come_back_unchanged(role):
    values = defaults(role)
    assert role_input(values, role) is values


@pytest.mark.parametrize(
    ("role", "changed", "message"),
    [
        ("data_folder", {"data_folder_path": "/volume1/docker/../etc"}, "data_folder_path contains a '.' or '..'"),
        ("data_folder", {"data_folder_volume": "/volume1/x"}, "data_folder_volume must be a DSM volume"),
        ("data_folder", {"data_folder_share": ".hidden"}, "data_folder_share must be the name of a shared folder"),
        ("data_folder", {"data_folder_path": "/volume1/other/anki"}, "must lie inside the shared folder"),
        ("data_folder", {"data_folder_mode": "0abc"}, "data_folder_mode must be an octal mode"),
        ("anki_sync_server", {"anki_sync_server_image_tag": "latest"}, "anki_sync_server_image_tag must be"),
        ("anki_sync_server", {"anki_sync_server_host_port": 70000}, "anki_sync_server_host_port must be a port"),
        ("anki_sync_server", {"anki_sync_server_host_port": "web"}, "anki_sync_server_host_port must be a whole"),
        ("anki_sync_server", {"anki_sync_server_bind_address": "nas.lan"}, "anki_sync_server_bind_address must"),
        ("anki_sync_server", {"anki_sync_server_volume_root": "rel/ative"}, "anki_sync_server_volume_root is not"),
        ("anki_sync_server", {"anki_sync_server_users": [{"name": "a/b", "password": "p"}]}, "users[0].name"),
        (
            "anki_sync_server",
            {"anki_sync_server_container_name": "anki server"},
            "anki_sync_server_container_name must be a name the Docker Engine accepts",
        ),
        (
            "anki_sync_server",
            {"anki_sync_server_network": "-net"},
            "anki_sync_server_network must be a name the Docker Engine accepts",
        ),
        (
            "anki_sync_server",
            {"anki_sync_server_container_name": "Anki.Server"},
            "is also the Container Manager project's name with deploy method auto (auto picks Container Manager on "
            "DSM 7.2+), which must be 1 to 64 lower-case letters, digits, '-' and '_', starting with a letter or digit "
            "(got 'Anki.Server'), e.g. 'anki-server'",
        ),
        (
            "anki_sync_server",
            {"anki_sync_server_docker_host": "tcp://127.0.0.1:2375"},
            "is the controller's Docker Engine while the NAS nas is a remote host",
        ),
        ("reverse_proxy", {"reverse_proxy_source_host": "a b"}, "reverse_proxy_source_host 'a b' is not a valid"),
        ("reverse_proxy", {"reverse_proxy_destination_host": "*.lan"}, "reverse_proxy_destination_host '*.lan'"),
        ("reverse_proxy", {"reverse_proxy_destination_port": 70000}, "reverse_proxy_destination_port must be a port"),
        ("reverse_proxy", {"reverse_proxy_source_port": "https"}, "reverse_proxy_source_port must be a whole"),
        ("reverse_proxy", {"reverse_proxy_read_timeout": 0}, "reverse_proxy_read_timeout must be from 1 to 86400"),
        (
            "reverse_proxy",
            {"reverse_proxy_custom_headers": [{"name": "Bad Header", "value": "x"}]},
            "reverse_proxy_custom_headers: the header name 'Bad Header' is invalid",
        ),
        (
            "reverse_proxy",
            {"reverse_proxy_custom_headers": [{"name": "upgrade", "value": "x"}]},
            "reverse_proxy_websocket=true already sets it",
        ),
        (
            "reverse_proxy",
            {"reverse_proxy_certificate": "anki", "reverse_proxy_source_protocol": "http"},
            "reverse_proxy_certificate needs reverse_proxy_source_protocol=https",
        ),
        (
            "reverse_proxy",
            {"reverse_proxy_certificate_issue": "letsencrypt"},
            "letsencrypt needs reverse_proxy_certificate_email",
        ),
        (
            "reverse_proxy",
            {"reverse_proxy_letsencrypt_public_addresses": ["203.0.113.7", "nas.example"]},
            "reverse_proxy_letsencrypt_public_addresses must list IP addresses",
        ),
        ("hyper_backup", {"data_folder_path": "/volume1/docker/"}, "data_folder_path ends with '/'"),
        ("anki_sync_server", {"data_folder_path": "/srv/anki"}, "data_folder_path"),
        (
            "dsm",
            {"variables_set": ["dsm_url", "anki_sync_server_data_dir"]},
            "anki_sync_server_data_dir was removed: set data_folder_path instead",
        ),
        (
            "dsm",
            {"variables_set": ["hyper_backup_data_dir", "data_folder_path"]},
            "hyper_backup_data_dir was removed: set data_folder_path instead",
        ),
        (
            "dsm",
            {"variables_set": ["hyper_backup_tools_dir"]},
            "hyper_backup_tools_dir was removed: no file of the collection lives on the NAS any more",
        ),
        ("dsm", {"data_folder_path": "docker/anki"}, "data_folder_path"),
        (
            "dsm",
            {"anki_sync_server_deploy_method": "portainer"},
            "anki_sync_server_deploy_method portainer needs portainer_url",
        ),
        ("hyper_backup", {"hyper_backup_extra_sources": ["/docker/../x"]}, "hyper_backup_extra_sources contains"),
        ("hyper_backup", {"hyper_backup_destination_share": "a/b"}, "hyper_backup_destination_share must be the"),
        (
            "hyper_backup",
            {"hyper_backup_destination_type": "image_remote", "hyper_backup_remote_host": "vault"},
            "hyper_backup_destination_type=image_remote needs hyper_backup_remote_account, "
            "hyper_backup_remote_password",
        ),
        ("hyper_backup", {"hyper_backup_schedule_time": "25:00"}, "hyper_backup_schedule_time must be a time of day"),
        ("hyper_backup", {"hyper_backup_max_versions": 0}, "hyper_backup_max_versions must be from 1 to 65535"),
        (
            "hyper_backup",
            {"hyper_backup_schedule_time": "00:10"},
            "hyper_backup_snapshot_lead_minutes (15) before the backup at 00:10",
        ),
        ("hyper_backup", {"hyper_backup_restore_keep_copies": 0}, "hyper_backup_restore_keep_copies must be at"),
    ],
)
def test_a_wrong_value_is_named_with_the_fix(role, changed, message):
    with pytest.raises(AnsibleFilterError) as error:
        role_input(defaults(role, **changed), role)
    assert message in str(error.value)


def test_the_rules_the_roles_relax_on_request():
    role_input(
        defaults("data_folder", data_folder_path="/srv/anki", data_folder_allow_outside_volumes=True), "data_folder"
    )
    role_input(defaults("reverse_proxy", reverse_proxy_state="absent", reverse_proxy_source_host=""), "reverse_proxy")
    role_input(
        defaults("hyper_backup", hyper_backup_snapshot_enabled=False, hyper_backup_schedule_time="00:10"),
        "hyper_backup",
    )
    local = defaults(
        "anki_sync_server", anki_sync_server_docker_host="tcp://127.0.0.1:2375", ansible_connection="local"
    )
    role_input(local, "anki_sync_server")
    # Only the Container Manager project's name must be lower case: the docker method takes any name Docker takes.
    docker = defaults("anki_sync_server", anki_sync_server_deploy_method="docker")
    role_input(dict(docker, anki_sync_server_container_name="Anki.Server"), "anki_sync_server")


def test_a_missing_variable_or_role_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match="needs the variables data_folder_mode"):
        role_input(
            {key: value for key, value in defaults("data_folder").items() if key != "data_folder_mode"}, "data_folder"
        )
    with pytest.raises(AnsibleFilterError, match="not 'backup'"):
        role_input({}, "backup")
