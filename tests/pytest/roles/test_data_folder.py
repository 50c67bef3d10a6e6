"""Role data_folder against the simulated NAS: the shared folder through the DSM API, the directory over SSH
as the NAS's administrator with sudo."""

import json
import os
import pathlib

import pytest
from harness.runner import play_recap, run_playbook

PLAYBOOK = pathlib.Path(__file__).parent / "playbooks" / "data_folder.yml"


@pytest.fixture
def dsm_with_ssh_host(dsm, make_ssh_nas):
    """The simulated DSM and its SSH host (the DSM account is the SSH account); an inventory of it."""
    ssh = make_ssh_nas(dsm.home, "admin", dsm.password)
    variables = {**ssh.connection(), "ansible_become_password": dsm.password}
    dsm.inventory = dsm.home / "hosts.yml"
    dsm.inventory.write_text(json.dumps({"all": {"hosts": {"nas": variables}}}))
    return dsm


def converge(dsm, **overrides):
    variables = {"dsm_url": dsm.url, "dsm_username": "admin", "dsm_password": dsm.password, "dsm_ca_path": dsm.ca_path}
    variables.update(overrides)
    return run_playbook(PLAYBOOK, variables, inventory=str(dsm.inventory))


def test_makes_the_share_and_a_private_directory_then_changes_nothing(dsm_with_ssh_host):
    dsm = dsm_with_ssh_host
    process = converge(dsm)
    assert process.returncode == 0, process.stdout[-3000:]
    shares = dsm.state()["state"]["shares"]
    assert shares["docker"]["vol_path"] == "/volume1"
    directory = dsm.home / "volumes" / "volume1" / "docker" / "anki-server"
    stat = directory.stat()
    assert (stat.st_uid, stat.st_gid, stat.st_mode & 0o777) == (1000, 1000, 0o750)
    # DSM makes the share in ACL mode, POSIX mode 000: the role makes its directory with root's rights
    # (become on a real NAS) and leaves the share's own permissions to DSM: one write, the create (no Share set,
    # no permission API), and the share's folder still as DSM made it (owner and mode).
    assert dsm.counters()["writes"] == {"SYNO.Core.Share.create": 1}
    share = directory.parent.stat()
    assert (share.st_uid, share.st_gid, share.st_mode & 0o7777) == (0, 0, 0)

    (directory / "alice").mkdir()
    (directory / "alice" / "collection.anki2").write_bytes(b"notes")
    # as the server (PUID:PGID 1000) writes them; files of another owner would be repaired
    for path in (directory / "alice", directory / "alice" / "collection.anki2"):
        os.chown(path, 1000, 1000)
    dsm.reset_counters()
    again = converge(dsm)
    assert again.returncode == 0, again.stdout[-3000:]
    assert play_recap(again, "nas")["changed"] == 0
    assert dsm.counters()["writes"] == {}
    assert (directory / "alice" / "collection.anki2").read_bytes() == b"notes"


def test_a_path_outside_the_volumes_fails_before_any_call(dsm_with_ssh_host):
    dsm = dsm_with_ssh_host
    dsm.reset_counters()
    process = converge(dsm, data_folder_path="/srv/anki")
    assert process.returncode != 0
    assert "data_folder_path does not start with /volumeN/ (got '/srv/anki')" in process.stdout
    assert dsm.counters()["logins_attempted"] == 0
