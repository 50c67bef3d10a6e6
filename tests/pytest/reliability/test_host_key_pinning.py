"""Issue 29, case 12: the checkout's ansible.cfg keeps SSH host-key checking on, so the pinning the README asks for
(the inventory's StrictHostKeyChecking=yes and its known_hosts file) holds: a NAS whose host key is not pinned is
refused, and its key is not written into the pinned file. With host_key_checking = false Ansible put
StrictHostKeyChecking=no before the inventory's options, and ssh takes the first value it reads."""

import json
import subprocess
import tempfile

import pytest
from harness.runner import run_playbook
from simnas import sshnas

pytestmark = pytest.mark.docker

PING = [{"hosts": "simnas", "gather_facts": False, "tasks": [{"ansible.builtin.ping": None}]}]


def ping(tmp_path, nas, attempt):
    (tmp_path / "ping.yml").write_text(json.dumps(PING))
    (tmp_path / "hosts.yml").write_text(json.dumps({"all": {"hosts": {"simnas": nas.connection()}}}))
    # The checkout's configuration (scripts/env.sh, harness.runner: ANSIBLE_CONFIG is ./ansible.cfg), as a user
    # who copies it runs with; each run its own SSH master connection, so every run meets the host key anew.
    # A short folder, removed after the run: ssh refuses a control socket path of 108 bytes or more, which a test's
    # tmp_path may reach.
    with tempfile.TemporaryDirectory(prefix=f"cp{attempt}-", dir="/tmp") as control:
        env = {"ANSIBLE_SSH_CONTROL_PATH_DIR": control}
        return run_playbook(tmp_path / "ping.yml", inventory=str(tmp_path / "hosts.yml"), env=env, timeout=120)


def refused(process):
    """ssh's refusal, or Ansible's own when sshpass would have to answer ssh's question about an unknown key."""
    return "Host key verification failed" in process.stdout or "add this host's fingerprint" in process.stdout


def test_an_unknown_host_key_is_refused_and_not_pinned(tmp_path, make_ssh_nas):
    home = tmp_path / "simnas"
    nas = make_ssh_nas(home, "admin", "host-key-pw-1")
    pinned = sshnas.known_hosts(home)
    key_line = pinned.read_text()

    # The NAS's key pinned: the connection works (the test's setup is sound).
    trusted = ping(tmp_path, nas, 1)
    assert trusted.returncode == 0, trusted.stdout[-3000:]

    # Nothing pinned for the NAS (a first contact, or a NAS that is not the one pinned): refused, nothing written.
    pinned.write_text("")
    unknown = ping(tmp_path, nas, 2)
    assert unknown.returncode != 0, unknown.stdout[-3000:]
    assert refused(unknown), unknown.stdout[-3000:]
    assert pinned.read_text() == ""

    # Another key pinned under the NAS's alias (the NAS was replaced, or a man in the middle): refused as well.
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    other = "{} {}\n".format(key_line.split()[0], " ".join((tmp_path / "other.pub").read_text().split()[:2]))
    pinned.write_text(other)
    changed = ping(tmp_path, nas, 3)
    assert changed.returncode != 0
    assert refused(changed), changed.stdout[-3000:]
    assert pinned.read_text() == other
