"""The deployed NAS of the reliability suite (a module of its own: `import conftest` is ambiguous across suites)."""

import contextlib
import json
import time
import uuid
from pathlib import Path

import requests
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from harness import anki_client
from harness.runner import ROOT, run_playbook
from simnas.server import free_port
from simnas.supervisor import DEMO_ADMIN, DEMO_DSM_PASSWORD

USERS = [{"name": "alice", "password": "alice-reliable-1"}, {"name": "bob", "password": "bob-reliable-1"}]
NOTES = {"alice": anki_client.generate_notes(3, "alice"), "bob": anki_client.generate_notes(2, "bob")}


class DeployedNAS:
    def __init__(self, env, docker_client):
        self.env = env
        self.docker = docker_client
        self.home = Path(env["SIMNAS_HOME"])
        suffix = uuid.uuid4().hex[:8]
        self.name = f"ankinas-rel-{suffix}"
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/"
        self.data_dir = self.home / "volumes" / "volume1" / "docker" / "anki-server"
        self.overrides = {
            "anki_sync_server_container_name": self.name,
            "anki_sync_server_network": self.name,
            "anki_sync_server_portainer_stack_name": self.name,
            "anki_sync_server_host_port": self.port,
            "anki_sync_server_hash_iterations": 1000,
            "anki_sync_server_check_timeout": 30,
            "anki_sync_server_users": USERS,
        }

    def site(
        self, playbook="site.yml", check=False, diff=False, inventory="inventories/demo", method=None, tags="", **extra
    ):
        """Runs a playbook of the collection on this NAS; method: the deploy method (else the suite's, docker);
        inventory: the demo inventory, or a list of sources; tags: only these (ANSIBLE_RUN_TAGS)."""
        env = dict(self.env, ANKINAS_DEPLOY_METHOD=method) if method else dict(self.env)
        if tags:
            env["ANSIBLE_RUN_TAGS"] = tags
        sources = [str(ROOT / inventory)] if isinstance(inventory, str) else inventory
        return run_playbook(
            ROOT / "playbooks" / playbook,
            dict(self.overrides, **extra),
            env=env,
            check=check,
            diff=diff,
            inventory=sources,
        )

    @property
    def dsm_url(self):
        return f"https://127.0.0.1:{self.env['SIMNAS_DSM_PORT']}"

    @property
    def ca_path(self):
        return str(self.home / "ca" / "ca.crt")

    def dsm_client(self):
        """A DSM Web API client as the demo's administrator (close() it)."""
        return DSMClient(**self.dsm_client_options())

    def dsm_connection(self):
        """The connection options of a DSM module for this NAS."""
        return {
            "dsm_url": self.dsm_url,
            "dsm_username": DEMO_ADMIN,
            "dsm_password": DEMO_DSM_PASSWORD,
            "dsm_ca_path": self.ca_path,
        }

    def _control(self, path, method="GET", payload=None, service="DSM"):
        url = f"https://127.0.0.1:{self.env[f'SIMNAS_{service}_PORT']}/_sim/{path}"
        answer = requests.request(method, url, verify=self.ca_path, timeout=30, json={} if payload is None else payload)
        answer.raise_for_status()
        return answer.json()

    def behaviours(self, **values):
        """Tunes real-DSM behaviours of the simulated DSM at run time (simnas.dsm.behaviours)."""
        return self._control("behaviours", "POST", values)

    def dsm_client_options(self):
        """The simulated DSM's administrator, as DSMClient keyword arguments."""
        return {"url": self.dsm_url, "username": DEMO_ADMIN, "password": DEMO_DSM_PASSWORD, "ca_path": self.ca_path}

    def dsm_state(self):
        """The simulated DSM's state, sessions and armed faults (GET /_sim/state)."""
        return self._control("state")

    def dsm_faults(self, **faults):
        return self._control("faults", "POST", faults)

    def portainer_fault(self, **fault):
        return self._control("faults", "POST", fault, service="PORTAINER")

    def portainer_reset(self):
        return self._control("reset", "POST", service="PORTAINER")

    def portainer_writes(self):
        return self._control("counters", service="PORTAINER")["writes"]

    def stacks(self):
        return [stack["Name"] for stack in self._control("state", service="PORTAINER")["stacks"]]

    def projects(self):
        return {project["name"]: project for project in self.dsm_state()["state"].get("docker_projects", {}).values()}

    def dsm_counters(self):
        return self._control("counters")

    def dsm_writes(self):
        return self.dsm_counters()["writes"]

    def reset_dsm_counters(self):
        self._control("reset-counters", "POST")

    def container(self):
        return self.docker.containers.get(self.name)

    def data_snapshot(self):
        """(path, mode, uid, gid, size) of everything in the data directory."""
        entries = []
        for path in sorted([self.data_dir, *self.data_dir.rglob("*")]):
            stat = path.lstat()
            entries.append((str(path), stat.st_mode, stat.st_uid, stat.st_gid, stat.st_size))
        return entries

    def wait_healthy(self, timeout=30, endpoint=None):
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get((endpoint or self.endpoint) + "health", timeout=2).status_code == 200:
                    return
            assert time.monotonic() < deadline, f"the server did not answer /health within {timeout}s"
            time.sleep(0.2)

    def assert_serves_every_users_notes(self, endpoint=None):
        """A fresh, empty client per user downloads exactly the user's notes."""
        self.wait_healthy(endpoint=endpoint)
        for user in USERS:
            served = anki_client.download_notes(user["name"], user["password"], endpoint or self.endpoint)
            assert served == sorted(NOTES[user["name"]]), f"{user['name']} lost notes"

    def collections(self, data_dir):
        """The users whose collection is in data_dir (a path on the NAS, /volume1/...)."""
        folder = self.home / "volumes" / data_dir.lstrip("/")
        return sorted(path.parent.name for path in folder.glob("*/collection.anki2"))


def status_of_hosts(extra_vars, inventory, env):
    """Runs the status playbook: (exit code, {host: the report's lines}, {host: the number of changed tasks})."""
    process = run_playbook(
        ROOT / "playbooks" / "status.yml",
        extra_vars,
        env=dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
        inventory=inventory,
    )
    output = json.loads(process.stdout)
    (report,) = [task for play in output["plays"] for task in play["tasks"] if task["task"]["name"] == "Report"]
    lines = {host: result["msg"] for host, result in report["hosts"].items()}
    assert all(isinstance(host_lines, list) for host_lines in lines.values()), report
    return process.returncode, lines, {host: stats["changed"] for host, stats in output["stats"].items()}


def backup_now(deployed_nas, snapshot=True):
    """The hyper_backup role with a backup (and a snapshot) taken now (site.yml, tag hyper_backup)."""
    return run_playbook(
        ROOT / "playbooks" / "site.yml",
        dict(deployed_nas.overrides, hyper_backup_run_now=True, hyper_backup_snapshot_now=snapshot),
        env=dict(deployed_nas.env, ANSIBLE_RUN_TAGS="hyper_backup"),
        inventory=str(ROOT / "inventories" / "demo"),
    )


def backup_through_dsm(deployed_nas):
    """Runs the Hyper Backup task now through the DSM Web API, as its schedule would; its result once it ended."""
    client = deployed_nas.dsm_client()
    try:
        (task,) = client.call("SYNO.Backup.Task", "list", {}, version=1)["task_list"]
        client.call("SYNO.Backup.Task", "backup", {"task_id": task["task_id"]}, version=1, write=True)
        deadline = time.monotonic() + 60
        while True:
            result = client.call("SYNO.Backup.Task", "status", {"task_id": task["task_id"]}, version=1)
            if result["last_bkp_result"] != "backingup":
                return result["last_bkp_result"]
            assert time.monotonic() < deadline, "the backup did not end within 60 s"
            time.sleep(0.2)
    finally:
        client.close()


def snapshot_through_dsm(deployed_nas):
    """Runs the snapshot job (a root Task Scheduler task site.yml made) now through the DSM Web API, as its schedule
    would, and waits until it ended (it stops the server for the snapshot and starts it again); asserts it succeeded.
    With backup_through_dsm: what a night does, without an ansible-playbook run (backup_now is the role's way)."""

    def snapshot_job():
        jobs = deployed_nas.dsm_state()["state"]["scheduled_tasks"].values()
        (job,) = [job for job in jobs if job["name"] == "ankinas-anki-snapshot-anki"]  # the demo's task: anki
        return job

    client = deployed_nas.dsm_client()
    try:
        tasks = [{"id": snapshot_job()["id"], "real_owner": "root"}]
        client.call("SYNO.Core.TaskScheduler", "run", {"tasks": tasks}, version=2, write=True)
    finally:
        client.close()
    deadline = time.monotonic() + 60
    while "exit_code" not in (last_run := snapshot_job()["last_run"]):
        assert time.monotonic() < deadline, "the snapshot job did not finish within 60 s"
        time.sleep(0.2)
    assert last_run["exit_code"] == 0, last_run["output"]
    deployed_nas.wait_healthy()
