"""The simulated NAS's Python is DSM's: /usr/bin/python3 is 3.8 with the standard library only, found so by Ansible's
interpreter discovery, also as root under sudo's secure_path (where the snapshot and restore scripts run)."""

import json

import pytest
from harness.runner import ROOT, run_playbook

pytestmark = [pytest.mark.docker, pytest.mark.simulator]

VERSION = "import sys; print('%d.%d' % sys.version_info[:2])"


@pytest.fixture
def nas(tmp_path, make_ssh_nas):
    return make_ssh_nas(tmp_path / "home", "admin", "pw-python-nas")


def test_python3_is_dsms_38_without_packages(nas):
    assert nas.shell(f'python3 -c "{VERSION}"').stdout.strip() == "3.8"
    assert nas.shell(f'/usr/bin/python3 -c "{VERSION}"').stdout.strip() == "3.8"
    # As root with sudo's secure_path (/bin first): the same 3.8, with its standard library.
    as_root = nas.shell(f"echo {nas.password} | sudo -S -p '' python3 -c \"import sqlite3, ssl; {VERSION}\"")
    assert as_root.stdout.strip() == "3.8", as_root.stderr
    for missing in ("import requests", "import pip", "import ensurepip", "import docker"):
        assert nas.shell(f'python3 -c "{missing}"').returncode != 0, f"the NAS's Python must not have: {missing}"
    listed = nas.shell("ls /usr/bin /usr/local/bin | grep '^python'").stdout.split()
    assert sorted(listed) == ["python3", "python3.8"]


def test_interpreter_discovery_finds_38(nas, tmp_path):
    variables = nas.connection()
    del variables["ansible_python_interpreter"]  # discovery, as on a NAS whose inventory does not name one
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"nas": variables}}}))
    playbook = tmp_path / "discover.yml"
    playbook.write_text(
        "- hosts: nas\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.ping:\n      register: pinged\n"
        "    - ansible.builtin.debug:\n"
        "        msg: 'DISCOVERED {{ pinged.ansible_facts.discovered_interpreter_python }}'\n"
    )
    process = run_playbook(playbook, inventory=str(inventory), env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
    assert process.returncode == 0, process.stdout[-2000:]
    assert "DISCOVERED /usr/bin/python3.8" in process.stdout
