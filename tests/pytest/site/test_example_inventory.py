"""inventories/example, as a user runs it on a real NAS, against a simulated NAS as strict as a Synology: reached
over SSH as an administrator who is not root and whose sudo asks the password, a root-only Docker socket,
2-factor authentication on in DSM.

One sequence: the constraints of the NAS, 2FA enrollment (playbooks/enroll_device.yml), a missing backup
destination refused before any change, a converge at -vvv without a secret in its output, a rerun whose DSM
session expires in the middle and re-logs in with the device token, changing nothing.
"""

import json
import pathlib
import re
import subprocess
import uuid

import pyotp
import pytest
import yaml
from harness.runner import ROOT, play_recap, run_module, run_playbook
from simnas.dsm.apis.certificate import add_certificate
from simnas.server import free_port

pytestmark = pytest.mark.docker
EXAMPLE = ROOT / "inventories" / "example"
EXAMPLE_VAULT_PASSWORD = "ankinas-example"  # README, "Using it on a real NAS"
CALLBACKS = pathlib.Path(__file__).parent / "callback_plugins"
#: the snapshot job as an earlier version of the collection put it in /etc/crontab (roles/hyper_backup/README.md)
OLD_CRONTAB_LINE = (
    "45 2 * * * root python3 /volume1/docker/ankinas-tools/anki_snapshot.py snapshot /volume1/docker/anki-server"
    " # ankinas-anki-snapshot:anki"
)


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    """The example's vault, decrypted with its documented password, and a password file for the runs."""
    password_file = tmp_path_factory.mktemp("vault") / "password"
    password_file.write_text(EXAMPLE_VAULT_PASSWORD)
    shown = subprocess.run(
        [
            "ansible-vault",
            "view",
            "--vault-password-file",
            str(password_file),
            str(EXAMPLE / "group_vars/synology/vault.yml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return password_file, yaml.safe_load(shown.stdout)


def test_example_inventory_on_a_strict_nas_with_2fa(make_dsm, make_ssh_nas, vault, docker_client, anki_server_images):
    password_file, secrets = vault
    account, password = "ansible", secrets["vault_dsm_password"]  # the example's dsm_username and ansible_user
    otp_secret = pyotp.random_base32()
    dsm = make_dsm(
        users={"admin": "admin-" + uuid.uuid4().hex, account: {"password": password, "otp_secret": otp_secret}}
    )
    add_certificate(dsm.sim, "your-domain", "Anki", "anki.your-domain.me")
    nas = make_ssh_nas(dsm.home, account, password)
    name = f"ankinas-example-{uuid.uuid4().hex[:8]}"
    # A second inventory source over the example, for its host: connection values only, plus what a machine
    # shared by concurrent tests cannot share (names, the host port) and the simulated NAS's one knob (its
    # Docker Engine finds /volume1 elsewhere). Host variables, not extra vars: those would also redirect the
    # tasks delegated to the controller.
    overrides = {
        **nas.connection(),
        "dsm_url": dsm.url,
        "dsm_ca_path": dsm.ca_path,
        "anki_sync_server_container_name": name,
        "anki_sync_server_network": name,
        "anki_sync_server_host_port": free_port(),
        "anki_sync_server_volume_root": str(dsm.home / "volumes"),
    }
    overlay = dsm.home / "overrides.yml"
    overlay.write_text(json.dumps({"all": {"children": {"synology": {"hosts": {"nas": overrides}}}}}))

    def run(playbook, verbosity=0, env=None, **extra_vars):
        """ansible-playbook playbooks/PLAYBOOK -i inventories/example (its vault opened with its password)."""
        env = {"ANSIBLE_VAULT_PASSWORD_FILE": str(password_file), **(env or {})}
        path = ROOT / "playbooks" / playbook
        return run_playbook(path, extra_vars, verbosity=verbosity, env=env, inventory=[EXAMPLE, overlay])

    try:
        # The NAS is as strict as DSM: not root, sudo asks the password, no `sudo docker`, a root-only socket, no home.
        shell = nas.shell(
            "id -Gn; test -d ~ || echo no-home; docker ps; sudo -n true || echo sudo-asks;"
            f" echo '{password}' | sudo -S docker ps"
        )
        assert "administrators" in shell.stdout.split("\n")[0].split() and "no-home" in shell.stdout
        assert "sudo-asks" in shell.stdout and "permission denied" in shell.stderr
        assert "docker: command not found" in shell.stderr

        # 2FA: without a code nor a token the run stops at the login, naming the code.
        refused = run("site.yml")
        assert refused.returncode != 0 and "dsm_otp_code" in refused.stdout, refused.stdout[-3000:]

        code = pyotp.TOTP(otp_secret).now()
        enrolled = run("enroll_device.yml", verbosity=3, dsm_otp_code=code)
        assert enrolled.returncode == 0, enrolled.stdout[-3000:]
        tokens = dsm.state()["state"]["device_tokens"]
        assert len(tokens) == 1
        token = next(iter(tokens))
        assert enrolled.stdout.count(token) == 1, "the device token is printed exactly once"
        assert "vault_dsm_device_id" in enrolled.stdout
        assert_no_secret(enrolled, [password, *passwords(secrets)], code)

        # The destination share the example names must exist: the run stops before any change.
        dsm.reset_counters()
        missing = run("site.yml", dsm_device_id=token)
        assert missing.returncode != 0
        assert "hyper_backup_destination_share" in missing.stdout and "'backup'" in missing.stdout
        assert dsm.counters()["writes"] == {}
        assert not (dsm.home / "volumes" / "volume1" / "docker").exists()
        assert docker_client.containers.list(all=True, filters={"name": name}) == []

        made = run_module("dsm_shared_folder", dsm.connection(name="backup", volume="/volume1"))
        assert not made.failed, made.get("msg")
        # The example keeps hyper_backup_legacy_cron_file at its default, /etc/crontab: the NAS's, where an earlier
        # version of the collection left its snapshot line. The run removes that line there, and this machine's
        # /etc/crontab stays as it was.
        host_crontab = file_bytes("/etc/crontab")
        assert nas.root(f"echo {OLD_CRONTAB_LINE!r} >> /etc/crontab").returncode == 0
        converged = run("site.yml", verbosity=3, dsm_device_id=token)
        assert converged.returncode == 0, converged.stdout[-4000:]
        nas_crontab = nas.root("cat /etc/crontab").stdout
        assert "ankinas-anki-snapshot" not in nas_crontab and "synoschedtask --run id=1" in nas_crontab, nas_crontab
        assert file_bytes("/etc/crontab") == host_crontab
        assert_no_secret(converged, [password, token, *passwords(secrets)], code)
        container = docker_client.containers.get(name)
        # rw is a bind's default mode: the Engine shows it or not, by the tool that made the container
        assert [bind.removesuffix(":rw") for bind in container.attrs["HostConfig"]["Binds"]] == [
            f"{dsm.home}/volumes/volume1/docker/anki-server:/anki_data"
        ]
        data = dsm.home / "volumes" / "volume1" / "docker" / "anki-server"
        assert (data.stat().st_uid, data.stat().st_gid, data.stat().st_mode & 0o777) == (1000, 1000, 0o750)
        tasks = dsm.state()["state"]["scheduled_tasks"].values()
        assert [task["name"] for task in tasks if task["name"].startswith("ankinas-anki-snapshot-")], tasks

        # DSM drops the play's session just before the reverse-proxy task: the module logs in again with the
        # device token, no code, and the rerun changes nothing.
        dsm.reset_counters()
        env = {
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "expire_dsm_sessions",
            "SIMNAS_EXPIRE_AT_TASK": "Ensure the reverse-proxy rule 'Anki Sync Server'",
            "SIMNAS_DSM_CONTROL": dsm.http_url,
        }
        rerun = run("site.yml", env=env, dsm_device_id=token)
        assert rerun.returncode == 0, rerun.stdout[-4000:]
        assert play_recap(rerun, "nas")["changed"] == 0
        counters = dsm.counters()
        assert "119" in counters["errors"], counters  # the expired session was met ...
        assert counters["logins_succeeded"] >= 2 and counters["logins_failed"] == 0  # ... and a new login passed
        assert "403" not in counters["errors"] and "404" not in counters["errors"]  # without a code
        assert counters["writes"] == {}
    finally:
        for container in docker_client.containers.list(all=True, filters={"name": name}):
            container.remove(force=True, v=True)
        for network in docker_client.networks.list(names=[name]):
            network.remove()


def file_bytes(path):
    """A file's content, None when there is none."""
    path = pathlib.Path(path)
    return path.read_bytes() if path.exists() else None


def passwords(secrets):
    return [user["password"] for user in secrets["vault_anki_users"]]


def assert_no_secret(process, secrets, code):
    """None of secrets, nor the OTP code as a number of its own, is in the output."""
    output = process.stdout + process.stderr
    shown = [secret for secret in secrets if secret and secret in output]
    # Where each one shows, the secret itself masked, so that a failure says which task printed it.
    where = [
        line.replace(secret, "<SECRET>")[:300] for secret in shown for line in output.splitlines() if secret in line
    ]
    assert shown == [], f"{len(shown)} secret(s) in the output, in: {where[:5]}"
    assert not re.search(rf"(?<![0-9]){code}(?![0-9])", output), "the OTP code is in the output"


# --- Every variable of the example is one a role declares, or a documented connection variable ------------
def declared_variables():
    names = set()
    for spec in (ROOT / "roles").glob("*/meta/argument_specs.yml"):
        for entry in yaml.safe_load(spec.read_text())["argument_specs"].values():
            names |= set(entry.get("options", {}))
    return names


def connection_variables():
    """The README's table of connection variables ("Using it on a real NAS")."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- connection-variables -->")[1]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE))


def test_every_variable_of_the_example_is_declared_or_a_documented_connection_variable():
    hosts = yaml.safe_load((EXAMPLE / "hosts.yml").read_text())["all"]["children"]["synology"]["hosts"]
    group_vars = yaml.safe_load((EXAMPLE / "group_vars" / "synology" / "main.yml").read_text())
    names = set(group_vars) | {name for host in hosts.values() for name in host}
    known = declared_variables() | connection_variables()
    assert sorted(names - known) == [], "set in inventories/example but read by no role nor documented"
    assert "ansible_become_password" in names, "DSM's sudo asks a password: the example must set it (from the vault)"
