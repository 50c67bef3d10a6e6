"""The shipped inventories: the example for a real NAS (secrets in Vault) and the demo's simulated NAS."""

import json
import subprocess

import pytest
from harness.runner import ROOT

EXAMPLE_VAULT_PASSWORD = "ankinas-example"  # README, "Using it on a real NAS"


@pytest.fixture
def vault_password_file(tmp_path):
    path = tmp_path / "vault-pass"
    path.write_text(EXAMPLE_VAULT_PASSWORD)
    return str(path)


def run(*command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_example_inventory_keeps_its_secrets_in_vault(vault_password_file):
    vault = (ROOT / "inventories/example/group_vars/synology/vault.yml").read_text()
    assert vault.startswith("$ANSIBLE_VAULT;")
    process = run(
        "ansible-inventory", "-i", "inventories/example", "--vault-password-file", vault_password_file, "--host", "nas"
    )
    assert process.returncode == 0, process.stderr
    host = json.loads(process.stdout)
    assert host["vault_dsm_password"] and [user["name"] for user in host["vault_anki_users"]] == ["alice", "bob"]
    assert host["dsm_password"] == "{{ vault_dsm_password }}"


@pytest.mark.parametrize("inventory", ["inventories/example", "inventories/demo"])
def test_site_playbook_parses_with_each_inventory(inventory, vault_password_file):
    process = run(
        "ansible-playbook",
        "--syntax-check",
        "playbooks/site.yml",
        "-i",
        inventory,
        "--vault-password-file",
        vault_password_file,
    )
    assert process.returncode == 0, process.stderr
