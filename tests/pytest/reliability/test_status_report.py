"""playbooks/status.yml on the suite's deployed NAS: green when healthy; a failed backup and a stopped
container each give one clear PROBLEM line. The NAS is left as found (container running, backup
destination back in place)."""

import json

from simnas.runner import ROOT, run_playbook

DEMO = str(ROOT / "inventories" / "demo")


def run(nas, playbook, **env):
    return run_playbook(ROOT / "playbooks" / playbook, nas.overrides, env=dict(nas.env, **env), inventory=DEMO)


def status(nas):
    """Runs the status playbook: (exit code, the report's lines, the number of changed tasks)."""
    process = run(nas, "status.yml", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    output = json.loads(process.stdout)
    (report,) = [task for play in output["plays"] for task in play["tasks"] if task["task"]["name"] == "Report"]
    lines = report["hosts"]["simnas"]["msg"]
    assert isinstance(lines, list), report
    return process.returncode, lines, output["stats"]["simnas"]["changed"]


def backup_now(nas, snapshot=True):
    """The hyper_backup role with a backup (and a snapshot) taken now (site.yml, tag hyper_backup)."""
    return run_playbook(
        ROOT / "playbooks" / "site.yml",
        dict(nas.overrides, hyper_backup_run_now=True, hyper_backup_snapshot_now=snapshot),
        env=dict(nas.env, ANSIBLE_RUN_TAGS="hyper_backup"),
        inventory=DEMO,
    )


def test_status_is_green_when_healthy_and_names_a_failed_backup_and_a_stopped_container(nas):
    backed_up = backup_now(nas)
    assert backed_up.returncode == 0, backed_up.stdout[-3000:]
    nas.wait_healthy()  # the snapshot job restarted the server
    nas.reset_dsm_counters()

    returncode, lines, changed = status(nas)
    assert returncode == 0, lines
    assert f"container {nas.name} (docker): running, image jeankhawand/anki-sync-server:25.07" in lines
    assert "logins: 2 of 2 users can log in" in lines
    assert f"reverse proxy: https://anki.nas.test:443 -> localhost:{nas.port} (as in the inventory)" in lines
    assert any(line.startswith("certificate: anki.nas.test, valid till ") for line in lines), lines
    assert any(line.startswith("last backup: ") and ", done (" in line for line in lines), lines
    assert any(line.startswith("snapshots: 2 of 2 collections, oldest ") for line in lines), lines
    assert lines[-1] == "HEALTHY" and not any(line.startswith("PROBLEM") for line in lines)
    assert changed == 0
    assert nas.dsm_writes() == {}

    # A backup that fails (its destination directory turned into a file), then the container stopped.
    (target,) = (nas.home / "volumes" / "volume1" / "backups").iterdir()
    moved = target.with_name(target.name + ".moved")
    target.rename(moved)
    try:
        target.write_text("not a directory")
        assert backup_now(nas, snapshot=False).returncode != 0, "the backup was meant to fail"
        nas.container().stop()
        returncode, lines, _changed = status(nas)
        assert returncode != 0
        assert "logins: not checked (the container is not running)" in lines, lines
        assert [line for line in lines if line.startswith("PROBLEM")] == [
            f"PROBLEM: the container {nas.name} is exited (expected running)",
            "PROBLEM: the last backup ended with fail",
        ]
    finally:
        target.unlink(missing_ok=True)
        moved.rename(target)
        nas.container().start()
        nas.wait_healthy()
