"""Cases 1-6, 8, 11-14 against one simulated NAS deployed by site.yml: bad input fails before any change
(0 DSM writes, container and data directory unchanged) with a message naming the variable, and faults
leave the server serving every user's notes. Also playbooks/status.yml (issue 16) on the same NAS: green
when healthy, one clear PROBLEM line each for a failed backup and a stopped container."""

import json
import os
import socket
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from harness import anki_client
from harness.connect_proxy import ConnectProxy
from harness.runner import ROOT, play_recap, run_module, run_playbook
from reliability_nas import NOTES, USERS, backup_now, backup_through_dsm, snapshot_through_dsm, status_of_hosts
from simnas.ca import TestCA
from simnas.server import free_port

pytestmark = pytest.mark.docker
DEMO = str(ROOT / "inventories" / "demo")
#: the roles that make the data folder and run the server: a run of these alone is the deploy under test, without
#: the reverse-proxy and backup roles (and their preflights), which these tests do not look at
SERVER = "data_folder,anki_sync_server"


def assert_deploy_failed_showing(deployed_nas, process, *reasons):
    """The run failed with the reason (not "censored") and no password or deployed hash in its output."""
    assert process.returncode != 0
    shown = process.stdout.split("could not be deployed", 1)
    assert len(shown) == 2 and "censored" not in shown[1], process.stdout[-3000:]
    assert all(reason in shown[1] for reason in reasons), shown[1][:2000]
    env = deployed_nas.container().attrs["Config"]["Env"]
    secrets = [item.split(":", 1)[1] for item in env if item.startswith("SYNC_USER")]
    secrets += [user["password"] for user in deployed_nas.overrides["anki_sync_server_users"]]
    assert not [secret for secret in secrets if secret in process.stdout]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        # 1: '..' in the path variables of each role (the unit tests cover '.', '//' and trailing '/')
        ({"data_folder_path": "/volume1/docker/../../etc/anki"}, "data_folder_path contains a '.' or '..' segment"),
        # the data folder variables of earlier releases, removed: the run names the one that replaced them
        ({"anki_sync_server_data_dir": "/volume1/docker/anki-server"}, "set data_folder_path instead"),
        ({"hyper_backup_data_dir": "/volume1/docker/anki-server"}, "hyper_backup_data_dir was removed"),
        # 2: user names the server cannot keep as a folder
        ({"anki_sync_server_users": [{"name": "x/../bob", "password": "p"}]}, "anki_sync_server_users[0].name"),
        # 6: every role's argument spec (choices, types) before the first change
        ({"anki_sync_server_deploy_method": "kubernetes"}, "anki_sync_server_deploy_method must be one of"),
        (
            {"hyper_backup_schedule_frequency": "hourly", "hyper_backup_schedule_weekdays": ["mon"]},
            "hyper_backup_schedule_frequency must be one of: daily, weekly, got: hourly",
        ),
        ({"reverse_proxy_source_port": "https"}, "reverse_proxy_source_port"),
        # 11: a numeric password is a number, not "empty"
        ({"anki_sync_server_users": [{"name": "alice", "password": 123456}]}, "password of user 'alice' is a number"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_bad_input_fails_before_any_change_naming_the_variable(deployed_nas, overrides, named):
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    deployed_nas.reset_dsm_counters()
    process = deployed_nas.site(**overrides)
    assert process.returncode != 0
    assert named in process.stdout, process.stdout[-3000:]
    assert deployed_nas.dsm_writes() == {}
    assert deployed_nas.container().id == container_id
    assert deployed_nas.data_snapshot() == data
    assert play_recap(process, "simnas")["changed"] == 0


def test_published_on_the_loopback_only_and_checked_from_the_nas(deployed_nas):
    # 3: docker port shows 127.0.0.1, and the only listening socket of the port is on the loopback
    published = subprocess.run(
        ["docker", "port", deployed_nas.name, "8080/tcp"], capture_output=True, text=True, check=True
    )
    assert published.stdout.split() == [f"127.0.0.1:{deployed_nas.port}"]
    assert listening_addresses(deployed_nas.port) == {"127.0.0.1"}
    # the login check ran on the NAS host against its loopback, and opened every user's collection: the server made
    # each user's collection.anki2 during the first run, before the fixture's clients synced anything
    assert "Wait for /health, log in as every user and open each user's collection" in deployed_nas.first_run.stdout
    assert deployed_nas.collections_after_first_run == ["alice", "bob"]
    # 13: the client URLs, once-slashed
    proxy = deployed_nas.env["SIMNAS_PROXY_PORT"]
    assert f"https://anki.nas.test:{proxy}/," in deployed_nas.first_run.stdout
    assert f"media URL https://anki.nas.test:{proxy}/msync/" in deployed_nas.first_run.stdout
    assert f"{proxy}//" not in deployed_nas.first_run.stdout


def test_the_loopback_bound_server_syncs_through_the_https_reverse_proxy(deployed_nas, monkeypatch):
    # 3: with the port on 127.0.0.1 only, DSM's reverse proxy (nginx on the NAS, to localhost) still reaches it
    with ConnectProxy() as tunnel:
        monkeypatch.setenv("HTTPS_PROXY", tunnel.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(deployed_nas.home / "ca" / "ca.crt"))
        endpoint = f"https://anki.nas.test:{deployed_nas.env['SIMNAS_PROXY_PORT']}/"
        assert anki_client.download_notes("alice", USERS[0]["password"], endpoint) == sorted(NOTES["alice"])
        assert tunnel.tunnels, "the client did not go through the proxy"


def listening_addresses(port):
    """The local addresses with a TCP socket listening on port (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    raw = bytes.fromhex(address)
                    if len(raw) == 4:
                        found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                    else:
                        words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                        found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_a_taken_host_port_fails_before_the_running_container_is_touched(deployed_nas):
    # 4 and 5: the old container keeps serving; the reason shows, the secrets do not
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        container_id = deployed_nas.container().id
        deployed_nas.reset_dsm_counters()
        process = deployed_nas.site(tags=SERVER, anki_sync_server_host_port=taken, reverse_proxy_destination_port=taken)
    assert process.returncode != 0
    assert f"anki_sync_server_host_port {taken} is already in use" in process.stdout
    assert deployed_nas.dsm_writes() == {}
    assert deployed_nas.container().id == container_id
    deployed_nas.assert_serves_every_users_notes()


def test_a_failed_replacement_puts_the_previous_container_back(deployed_nas):
    # 4 and 5: the new container cannot start (its volume lies under a file); the old one comes back
    before = deployed_nas.container().attrs
    process = deployed_nas.site(tags=SERVER, anki_sync_server_volume_root="/etc/hostname")
    assert_deploy_failed_showing(deployed_nas, process, "not a directory", "The previous container was put back")
    after = deployed_nas.container().attrs
    assert after["State"]["Running"]
    assert after["Config"]["Env"] == before["Config"]["Env"]
    assert after["HostConfig"]["PortBindings"] == before["HostConfig"]["PortBindings"]
    assert after["HostConfig"]["Binds"] == before["HostConfig"]["Binds"]
    deployed_nas.assert_serves_every_users_notes()


def test_ownership_drift_is_repaired(deployed_nas):
    # 8: everything chowned to root (a copy as root); the deploy repairs it and every user syncs again
    subprocess.run(["chown", "-R", "0:0", str(deployed_nas.data_dir)], check=True)
    process = deployed_nas.site(tags=SERVER)
    assert process.returncode == 0, process.stdout[-3000:]
    owners = {
        (path.stat().st_uid, path.stat().st_gid) for path in [deployed_nas.data_dir, *deployed_nas.data_dir.rglob("*")]
    }
    assert owners == {(1000, 1000)}
    deployed_nas.assert_serves_every_users_notes()


def test_the_snapshot_job_snapshots_every_collection(deployed_nas):
    # 11: the snapshot job, a root Task Scheduler task, started through the DSM Web API as DSM would start it; it
    # stops the server for the snapshot and starts it again
    snapshot_through_dsm(deployed_nas)
    for user in ("alice", "bob"):
        assert (deployed_nas.data_dir / user / "collection.snapshot.anki2").stat().st_size > 0
    deployed_nas.assert_serves_every_users_notes()


def test_check_diff_names_the_users_that_change(deployed_nas):
    # 12: names only, nothing changed
    container_id = deployed_nas.container().id
    users = [{"name": "alice", "password": "alice-changed-2"}, {"name": "carol", "password": "carol-new-1"}]
    deployed_nas.reset_dsm_counters()
    # The roles that deploy the server and its users (their diff is the subject), not the proxy's and backup's.
    process = deployed_nas.site(check=True, diff=True, tags=SERVER, anki_sync_server_users=users)
    assert process.returncode == 0, process.stdout[-3000:]
    assert "Users added: carol" in process.stdout
    assert "Users removed: bob" in process.stdout
    assert "Users with a new password: alice" in process.stdout
    for secret in ["alice-changed-2", "carol-new-1", "$pbkdf2"]:
        assert secret not in process.stdout
    assert deployed_nas.dsm_writes() == {}
    assert deployed_nas.container().id == container_id


def test_restore_drill_resolves_the_example_inventory(deployed_nas, tmp_path):
    # 14: with the example inventory (connection values only) the drill gets past every variable to its
    # confirmation guard, instead of failing on data_folder_path from another role's defaults
    vault = tmp_path / "vault-pass"
    vault.write_text("ankinas-example")
    env = dict(deployed_nas.env, ANSIBLE_VAULT_PASSWORD_FILE=str(vault))
    process = run_playbook(
        ROOT / "playbooks" / "restore_drill.yml",
        {"ansible_host": "127.0.0.1", "ansible_connection": "local"},
        env=env,
        inventory=str(ROOT / "inventories" / "example"),
    )
    assert process.returncode != 0
    assert "replaces the data folder /volume1/docker/anki-server" in process.stdout, process.stdout[-3000:]
    assert "Run it again with -e restore_drill_confirm=true" in process.stdout
    assert "is undefined" not in process.stdout


# --- playbooks/status.yml (issue 16) ---------------------------------------------------------------


def status(deployed_nas):
    """Runs the status playbook: (exit code, the report's lines, the number of changed tasks)."""
    returncode, lines, changed = status_of_hosts(deployed_nas.overrides, DEMO, deployed_nas.env)
    return returncode, lines["simnas"], changed["simnas"]


def test_status_is_green_when_healthy_and_names_a_failed_backup_and_a_stopped_container(deployed_nas):
    # The role's own way to back up now (run_now, snapshot_now over SSH): the suite's one run of it. It took a
    # snapshot of every user's collection during this run, and the backup it waited for is the last one.
    started = time.time()
    backed_up = backup_now(deployed_nas)
    assert backed_up.returncode == 0, backed_up.stdout[-3000:]
    for user in ("alice", "bob"):
        snapshot = deployed_nas.data_dir / user / "collection.snapshot.anki2"
        assert snapshot.stat().st_mtime >= started - 1, f"no new snapshot of {user}'s collection"
    deployed_nas.wait_healthy()  # the snapshot restarted the server
    deployed_nas.reset_dsm_counters()

    returncode, lines, changed = status(deployed_nas)
    assert returncode == 0, lines
    assert f"container {deployed_nas.name} (docker): running, image jeankhawand/anki-sync-server:25.07" in lines
    assert "logins: 2 of 2 users can log in" in lines
    assert f"reverse proxy: https://anki.nas.test:443 -> localhost:{deployed_nas.port} (as in the inventory)" in lines
    assert any(line.startswith("certificate: anki.nas.test, valid till ") for line in lines), lines
    assert any(line.startswith("last backup: ") and ", done (" in line for line in lines), lines
    assert any(line.startswith("snapshots: 2 of 2 collections, oldest ") for line in lines), lines
    assert lines[-1] == "HEALTHY" and not any(line.startswith("PROBLEM") for line in lines)
    assert changed == 0
    assert deployed_nas.dsm_writes() == {}

    # A backup that fails (its destination directory turned into a file), run through DSM as its schedule would
    # (that run_now fails on it is dsm_hyper_backup's test), then the container stopped.
    (target,) = (deployed_nas.home / "volumes" / "volume1" / "backups").iterdir()
    moved = target.with_name(target.name + ".moved")
    target.rename(moved)
    try:
        target.write_text("not a directory")
        assert backup_through_dsm(deployed_nas) == "fail", "the backup was meant to fail"
        deployed_nas.container().stop()
        returncode, lines, _changed = status(deployed_nas)
        assert returncode != 0
        assert "logins: not checked (the container is not running)" in lines, lines
        assert [line for line in lines if line.startswith("PROBLEM")] == [
            f"PROBLEM: the container {deployed_nas.name} is exited (expected running)",
            "PROBLEM: the last backup ended with fail",
        ]
    finally:
        target.unlink(missing_ok=True)
        moved.rename(target)
        deployed_nas.container().start()
        deployed_nas.wait_healthy()
    deployed_nas.assert_serves_every_users_notes()


def backup_history(deployed_nas, hours_ago):
    """The Hyper Backup task's last backup as if it never ran (None) or last ran hours_ago hours ago (simulator)."""
    answer = deployed_nas._control("backup-history", "POST", {"task": "anki", "hours_ago": hours_ago})
    assert answer["changed"] == 1, answer


def problems(lines):
    return [line for line in lines if line.startswith("PROBLEM")]


def import_anki_certificate(deployed_nas, certificate, private_key):
    """The NAS's anki.nas.test certificate replaced in place (an import over it, as its renewal is; the rule stays
    bound to it)."""
    imported = run_module(
        "dsm_certificate",
        dict(
            deployed_nas.dsm_connection(),
            source="import",
            common_name="anki.nas.test",
            description="Anki",
            certificate=certificate,
            private_key=private_key,
        ),
    )
    assert not imported.failed and imported["operation"] == "update", imported.get("msg")


def test_status_names_each_problem_of_the_nas_and_the_inventory(deployed_nas):
    """The status report's other PROBLEM kinds, each from the state that is its reason: a user whose password changed,
    a rule edited on the NAS, a certificate within the alert window, a task that differs from the inventory, a backup
    too old or never run, collections without a snapshot or with an old one. Everything is put back after."""
    # Every user's snapshot and a backup, whatever ran before: the night's jobs, run through DSM.
    snapshot_through_dsm(deployed_nas)
    assert backup_through_dsm(deployed_nas) == "done"
    snapshots = sorted(deployed_nas.data_dir.glob("*/collection.snapshot.anki2"))
    assert [path.parent.name for path in snapshots] == ["alice", "bob"]
    aside = [path.with_name("snapshot.aside") for path in snapshots]

    client = deployed_nas.dsm_client()
    (rule,) = client.call("SYNO.Core.AppPortal.ReverseProxy", "list", {}, version=1)["entries"]
    users = [dict(user) for user in deployed_nas.overrides["anki_sync_server_users"]]
    users[1]["password"] = "bob-not-what-the-server-has"
    ca = deployed_nas.home / "ca"
    original = (ca / "dsm-cert-anki.nas.test.crt").read_text(), (ca / "dsm-cert-anki.nas.test.key").read_text()
    restored = False
    expiring = TestCA(ca)._ca.issue_cert(
        "anki.nas.test", common_name="anki.nas.test", not_after=datetime.now(timezone.utc) + timedelta(days=5)
    )
    try:
        # 1. On the NAS: the rule edited in DSM (its read timeout), its certificate replaced by one that expires in 5
        # days, the snapshots gone, the last backup 3 days old. In the inventory: bob's password changed, the task
        # keeps 10 versions.
        edited = dict(rule, proxy_read_timeout=300)
        client.call("SYNO.Core.AppPortal.ReverseProxy", "update", {"entry": edited}, version=1, write=True)
        import_anki_certificate(
            deployed_nas, expiring.cert_chain_pems[0].bytes().decode(), expiring.private_key_pem.bytes().decode()
        )
        for path, moved in zip(snapshots, aside, strict=True):
            path.rename(moved)
        backup_history(deployed_nas, 72)
        deployed_nas.reset_dsm_counters()
        returncode, lines, _changed = status_of_hosts(
            dict(deployed_nas.overrides, anki_sync_server_users=users, hyper_backup_max_versions=10),
            DEMO,
            deployed_nas.env,
        )
        lines = lines["simnas"]
        assert returncode != 0, lines  # the roles in check mode predict the drifts' changes; nothing is written
        found = problems(lines)
        assert found[0].startswith("PROBLEM: users cannot log in: the Anki sync server refused the login of: bob."), (
            found
        )
        assert found[1] == (
            "PROBLEM: the reverse-proxy rule Anki Sync Server differs from the inventory"
            " (site.yml --check --diff shows how)"
        )
        assert found[2] in (
            "PROBLEM: the certificate expires in 5.0 days",
            "PROBLEM: the certificate expires in 4.9 days",
        )
        assert found[3] == "PROBLEM: the last backup is 72.0 h old", found
        assert found[4] == (
            "PROBLEM: the Hyper Backup task anki differs from the inventory (site.yml --check --diff shows how)"
        )
        data = "/volume1/docker/anki-server"  # as the NAS names it
        assert found[5:] == [
            f"PROBLEM: no snapshot of the collection of {user} ({data}/{user}/collection.anki2)"
            for user in ("alice", "bob")
        ], found
        assert "bob-not-what-the-server-has" not in json.dumps(lines)
        assert deployed_nas.dsm_writes() == {}

        # 2. The rule and the certificate as the inventory has them; a task that never ran, snapshots three days old.
        client.call("SYNO.Core.AppPortal.ReverseProxy", "update", {"entry": rule}, version=1, write=True)
        import_anki_certificate(deployed_nas, *original)
        restored = True
        for path, moved in zip(snapshots, aside, strict=True):
            moved.rename(path)
            old = time.time() - 72 * 3600
            os.utime(path, (old, old))
        backup_history(deployed_nas, None)
        returncode, lines, changed = status(deployed_nas)
        assert returncode != 0 and changed == 0, lines
        assert "last backup: none yet" in lines, lines
        assert problems(lines) == [
            "PROBLEM: no backup has run yet",
            *(
                f"PROBLEM: the snapshot of the collection of {user} is 72.0 h old "
                f"({data}/{user}/collection.snapshot.anki2)"
                for user in ("alice", "bob")
            ),
        ], lines
    finally:
        if not restored:
            client.call("SYNO.Core.AppPortal.ReverseProxy", "update", {"entry": rule}, version=1, write=True)
            import_anki_certificate(deployed_nas, *original)
        client.close()
        for path, moved in zip(snapshots, aside, strict=True):
            if moved.exists():
                moved.rename(path)
        assert backup_through_dsm(deployed_nas) == "done"
    deployed_nas.assert_serves_every_users_notes()


def test_status_reads_container_manager_projects_without_ssh(deployed_nas, tmp_path):
    """Two sync servers of their own deployed through Container Manager on the same NAS by one site.yml run with DSM
    credentials alone (an inventory whose NAS hosts have no SSH: their port refuses), one of them then stopped; one
    status.yml run reports the running one green and the stopped one with one clear PROBLEM line. The rule keeps
    pointing at the docker server and the backup task is the inventory's, so both stay as the inventory says."""
    names = {"simnas": f"{deployed_nas.name}-cm", "simnas-stopped": f"{deployed_nas.name}-cm-stopped"}
    hosts = {
        host: {
            "ansible_host": "127.0.0.1",
            "ansible_port": 9,  # closed: any task that tried to reach the NAS over SSH would fail
            "ansible_connection": "ssh",
            "anki_sync_server_container_name": name,
            "anki_sync_server_network": name,
            "anki_sync_server_host_port": free_port(),
            "data_folder_path": f"/volume1/docker/{name}",
        }
        for host, name in names.items()
    }
    (tmp_path / "hosts.yml").write_text(json.dumps({"all": {"children": {"synology": {"hosts": hosts}}}}))
    inventory = [DEMO, str(tmp_path / "hosts.yml")]
    per_host = set(next(iter(hosts.values())))
    extra_vars = {key: value for key, value in deployed_nas.overrides.items() if key not in per_host}
    # This NAS's backup task and snapshot job are the docker server's: the status reads the task (which backs up the
    # docker server's data folder, the status run's data_folder_path), not the job.
    extra_vars.update(
        hyper_backup_snapshot_enabled=False,
        reverse_proxy_destination_port=deployed_nas.port,
    )
    env = dict(deployed_nas.env, ANKINAS_DEPLOY_METHOD="container_manager")
    try:
        deployed = run_playbook(
            ROOT / "playbooks" / "site.yml",
            extra_vars,
            # One host at a time: both are one NAS, whose one-shot root task (folder permissions) has one name.
            env=dict(env, ANSIBLE_RUN_TAGS="data_folder,anki_sync_server", ANSIBLE_FORKS="1"),
            inventory=inventory,
        )
        assert deployed.returncode == 0, deployed.stdout[-3000:]
        deployed_nas.docker.containers.get(names["simnas-stopped"]).stop()
        assert backup_through_dsm(deployed_nas) == "done"
        deployed_nas.reset_dsm_counters()
        docker_data = {"data_folder_path": "/volume1/docker/anki-server"}  # as the NAS names it
        returncode, lines, changed = status_of_hosts(dict(extra_vars, **docker_data), inventory, env)
        assert returncode != 0  # the stopped host
        image = "image jeankhawand/anki-sync-server:25.07"
        running, stopped = lines["simnas"], lines["simnas-stopped"]
        assert f"project {names['simnas']} (container_manager): running, {image}" in running
        assert "logins: 2 of 2 users can log in" in running
        assert (
            f"reverse proxy: https://anki.nas.test:443 -> localhost:{deployed_nas.port} (as in the inventory)"
            in running
        )
        assert any(line.startswith("certificate: anki.nas.test, valid till ") for line in running), running
        assert any(line.startswith("last backup: ") and ", done (" in line for line in running), running
        # No SSH host (its port refuses): the snapshots are not read, and that is no problem with Container Manager.
        (snapshots,) = [line for line in running if line.startswith("snapshots: ")]
        assert snapshots.startswith("snapshots: not read (") and "Connection refused" in snapshots, snapshots
        assert running[-1] == "HEALTHY" and not any(line.startswith("PROBLEM") for line in running)

        assert f"project {names['simnas-stopped']} (container_manager): stopped, {image}" in stopped
        assert "logins: not checked (the Container Manager project is not running)" in stopped, stopped
        assert [line for line in stopped if line.startswith("PROBLEM")] == [
            f"PROBLEM: the Container Manager project {names['simnas-stopped']} is stopped (expected running)"
        ]
        assert changed == {"simnas": 0, "simnas-stopped": 0}
        assert deployed_nas.dsm_writes() == {}
    finally:
        for name in names.values():
            for container in deployed_nas.docker.containers.list(all=True, filters={"name": name}):
                container.remove(force=True, v=True)
            for network in deployed_nas.docker.networks.list(names=[name]):
                network.remove()
    deployed_nas.assert_serves_every_users_notes()
