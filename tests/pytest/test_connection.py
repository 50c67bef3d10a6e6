"""How the collection reaches the NAS: one DSM connection mapping for every DSM module, and a Docker host that
cannot silently be the controller's."""

import json

import pytest
import yaml
from harness.runner import ROOT, run_playbook
from simnas.server import free_port

CANONICAL = "{{ dsm_module_defaults }}"
DSM_GROUP = "group/ankinas.synology.dsm"


def module_defaults_of(node):
    """Every module_defaults mapping in a parsed YAML document, wherever it is nested."""
    if isinstance(node, dict):
        if isinstance(node.get("module_defaults"), dict):
            yield node["module_defaults"]
        for value in node.values():
            yield from module_defaults_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from module_defaults_of(item)


def playbooks_and_tasks():
    # What the collection ships and runs; tests/pytest tests modules.
    folders = ["roles", "playbooks", "extensions/molecule"]
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.yml"))


def test_every_dsm_module_defaults_is_the_one_canonical_mapping():
    uses = {}
    for path in playbooks_and_tasks():
        for defaults in module_defaults_of(yaml.safe_load(path.read_text())):
            if DSM_GROUP in defaults:
                uses.setdefault(str(path.relative_to(ROOT)), []).append(defaults[DSM_GROUP])
    assert {"playbooks/site.yml", "roles/data_folder/tasks/main.yml", "roles/reverse_proxy/tasks/main.yml"} <= set(uses)
    copies = {path: values for path, values in uses.items() if any(value != CANONICAL for value in values)}
    assert copies == {}, f"module_defaults for {DSM_GROUP} must be {CANONICAL!r}, the one mapping"


def test_the_canonical_mapping_carries_every_connection_option_of_the_dsm_modules():
    mapping = yaml.safe_load((ROOT / "roles/dsm/defaults/main.yml").read_text())["dsm_module_defaults"]
    fragment = (ROOT / "plugins/doc_fragments/dsm.py").read_text()
    options = yaml.safe_load(fragment.split('DOCUMENTATION = r"""')[1].split('"""')[0])["options"]
    assert set(mapping) == set(options)


@pytest.mark.parametrize("docker_host", ["tcp://127.0.0.1:2375", "ssh://admin@localhost"])
def test_a_docker_host_on_the_controller_for_a_remote_nas_fails_before_any_change(dsm, tmp_path, docker_host):
    """A remote NAS (here an SSH port nobody answers on) and the controller's Docker Engine: refused while only
    variables are read, before the DSM login and before any connection to the NAS."""
    inventory = tmp_path / "hosts.yml"
    nas = {
        "ansible_host": "127.0.0.1",
        "ansible_port": free_port(),
        "ansible_connection": "ssh",
        "ansible_user": "ansible",
    }
    inventory.write_text(json.dumps({"all": {"children": {"synology": {"hosts": {"nas": nas}}}}}))
    variables = dsm.connection()
    variables.update(
        anki_sync_server_docker_host=docker_host,
        anki_sync_server_users=[{"name": "alice", "password": "alice-secret"}],
        reverse_proxy_certificate="",
    )
    dsm.reset_counters()
    process = run_playbook(ROOT / "playbooks" / "site.yml", variables, inventory=str(inventory))
    assert process.returncode != 0
    assert f"anki_sync_server_docker_host ({docker_host}) is the controller's Docker Engine" in process.stdout
    assert dsm.counters()["logins_attempted"] == 0
