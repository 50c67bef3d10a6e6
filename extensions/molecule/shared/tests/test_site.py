"""What the site playbook must have built on the simulated NAS, read back through other paths than the roles:
the Docker Engine, the file system, the simulators' own state, and real Anki clients; and what the converge said,
from its Ansible log (config.yml's log_path): the method the deploy method auto picked on this scenario's NAS, and
why, and no secret of the inventory anywhere in the log."""

import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time
from datetime import datetime, timezone

import docker
import pytest
import requests
from harness import anki_client
from harness.connect_proxy import ConnectProxy
from harness.expected import DEFAULT_CONTAINER_ENV, DEMO_SECRETS, container_env
from simnas import sshnas
from simnas.supervisor import DEMO_ADMIN, DEMO_DSM_PASSWORD

NAME = os.environ["MOLECULE_ANKI_NAME"]
PORT = int(os.environ["MOLECULE_ANKI_PORT"])
DATA_DIR_ON_NAS = "/volume1/docker/anki-server"
DATA_DIR = os.path.join(os.environ["SIMNAS_HOME"], "volumes", "volume1", "docker", "anki-server")
CA = os.path.join(os.environ["SIMNAS_HOME"], "ca", "ca.crt")
USERS = {"alice": "alice-demo-password", "bob": "bob-demo-password"}  # inventories/demo
#: the method auto must pick on this scenario's NAS (molecule.yml; the inventory leaves the method at auto)
METHOD = os.environ["MOLECULE_EXPECTED_METHOD"]
DSM = f"https://127.0.0.1:{os.environ['SIMNAS_DSM_PORT']}"
#: every ansible-playbook run of the scenario, in order (config.yml's log_path; the scenario's folder starts empty)
LOG = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.log")
#: the first play of converge.yml: where the converge's run, then the idempotence's, starts in the log
CONVERGE_STARTS = "PLAY [Count only this run's DSM calls"
#: what DSM ships (simnas.dsm.apis.package_center DEFAULT_INSTALLED): the scenario's NAS is fresh from its wizard
SHIPPED = {"FileStation"}
#: a log record's start: "2025-01-31 12:00:00,123 p=PID u=USER n=ansible INFO| "
RECORD = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ p=\d+ u=\S* n=\S+ \w+\| ", re.MULTILINE)


def dsm_state():
    return requests.get(f"{DSM}/_sim/state", verify=CA, timeout=30).json()["state"]


def dsm_call(api, method, version, **params):
    """One call of the simulated DSM's Web API as the demo's administrator (JSON-literal parameters)."""
    session = requests.Session()
    form = {"api": "SYNO.API.Auth", "version": 7, "method": "login", "account": DEMO_ADMIN, "passwd": DEMO_DSM_PASSWORD}
    form.update(format="sid", enable_syno_token="yes")  # noqa: S106 - a flag
    login = session.post(f"{DSM}/webapi/entry.cgi", data=form, verify=CA, timeout=30)
    auth = login.json()["data"]
    query = {"_sid": auth["sid"], "SynoToken": auth["synotoken"]}
    form = {
        "api": api,
        "version": version,
        "method": method,
        **{key: json.dumps(value) for key, value in params.items()},
    }
    answer = session.post(f"{DSM}/webapi/entry.cgi", params=query, data=form, verify=CA, timeout=120).json()
    assert answer["success"], answer
    return answer.get("data")


def ansible_log():
    with open(LOG, encoding="utf-8") as log:
        return log.read()


def converge_runs():
    """The converge's and the idempotence's parts of the log: from each start of converge.yml to the next run's start
    (the next converge.yml, or destroy's, which runs after verify)."""
    log = ansible_log()
    starts = [match.start() for match in re.finditer(re.escape(CONVERGE_STARTS), log)]
    assert len(starts) == 2, f"{LOG}: {len(starts)} runs of converge.yml, not the converge and the idempotence run"
    line_start = log.rfind("\n", 0, starts[1]) + 1  # the second run's first record, with its timestamp
    return log[starts[0] : line_start], log[line_start:]


def said(text):
    """The log's words, whatever the line breaks and the log's prefixes."""
    return " ".join(RECORD.sub("", text).split()).replace("''", "'")


def wait_for(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.2)
    return found


def test_the_rerun_wrote_nothing_to_dsm():
    """converge resets the counters first: these are the idempotence run's calls."""
    url = f"{DSM}/_sim/counters"
    assert requests.get(url, verify=CA, timeout=30).json()["writes"] == {}


def test_no_secret_of_the_inventory_is_in_the_log():
    """Every run of the scenario (prepare, converge, idempotence) with the demo inventory's secrets, none written."""
    log = ansible_log()
    assert CONVERGE_STARTS in log, f"{LOG} holds no converge"
    for secret in DEMO_SECRETS:
        assert secret not in log, "a secret of the inventory is in the Ansible log"


def test_the_converge_said_which_method_auto_picked_and_why():
    converge, _idempotence = converge_runs()
    words = said(converge)
    assert f"The sync server is deployed through {METHOD} (" in words, words[-3000:]
    if METHOD == "container_manager":
        assert "Container Manager is not installed, and this NAS's Package Center offers it: the run installs it" in (
            words
        )
    else:
        assert "this NAS's Package Center does not offer it (Synology does not publish ContainerManager" in words
        so = "portainer_url is set" if METHOD == "portainer" else "the Docker Engine over SSH, as portainer_url is not"
        assert f"; so {so}" in words


def test_the_converge_installed_the_packages_its_method_needs():
    """A fresh NAS has only what DSM ships: the converge installed Hyper Backup, and Container Manager for its method
    (the dsm_package tasks' items, in the converge's part of the log), and nothing else."""
    converge, _idempotence = converge_runs()
    installs = re.findall(r"changed: \[simnas -> localhost\] => \(item=(\w+)\)", converge)
    installed = set(dsm_state()["package_center"]["installed"])
    if METHOD == "container_manager":
        assert installs == ["ContainerManager", "HyperBackup"]
        assert installed == SHIPPED | {"ContainerManager", "HyperBackup"}
    else:
        assert installs == ["HyperBackup"]
        assert installed == SHIPPED | {"HyperBackup"}


def test_the_nas_shows_the_method_that_deployed_it(container):
    """A Container Manager project, a Portainer stack, or a plain container: each method leaves only its own."""
    projects = dsm_state().get("docker_projects", {})
    url = f"https://127.0.0.1:{os.environ['SIMNAS_PORTAINER_PORT']}/_sim/state"
    stacks = [stack["Name"] for stack in requests.get(url, verify=CA, timeout=30).json()["stacks"]]
    assert [project["name"] for project in projects.values()] == ([NAME] if METHOD == "container_manager" else [])
    assert stacks == ([NAME] if METHOD == "portainer" else [])
    assert container.labels.get("com.docker.compose.project") == (None if METHOD == "docker" else NAME)


def test_the_idempotence_run_kept_the_container(container):
    """The container the converge made, not one the idempotence run made again (to the second; the log's time is
    local time, Docker's UTC)."""
    _converge, idempotence = converge_runs()
    started = datetime.strptime(RECORD.match(idempotence).group(1), "%Y-%m-%d %H:%M:%S").astimezone()
    created = re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", container.attrs["Created"]).group()
    created = datetime.strptime(created, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    assert created <= started, f"the container was created at {created}, after the idempotence run started at {started}"


@pytest.fixture(scope="module")
def container():
    client = docker.from_env()
    yield client.containers.get(NAME)
    client.close()


def test_container_runs_the_pinned_image_with_the_guide_settings(container):
    assert container.status == "running"
    assert container.attrs["Config"]["Image"] == "jeankhawand/anki-sync-server:25.07"
    assert container.attrs["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostPort"] == str(PORT)
    assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    mounts = {mount["Destination"]: mount["Source"] for mount in container.attrs["Mounts"]}
    assert mounts["/anki_data"] == DATA_DIR
    env = container_env(container)
    assert {key: env.get(key) for key in DEFAULT_CONTAINER_ENV} == DEFAULT_CONTAINER_ENV
    assert env["SYNC_USER1"].startswith("alice:$pbkdf2-sha256$") and env["SYNC_USER2"].startswith("bob:$pbkdf2-sha256$")
    assert "SYNC_PORT" not in env


def test_container_environment_holds_hashes_not_passwords(container):
    env = "\n".join(container.attrs["Config"]["Env"])
    for password in USERS.values():
        assert password not in env
    assert env.count("$pbkdf2-sha256$") == len(USERS)


def test_data_directory_belongs_to_the_container_user():
    data = os.stat(DATA_DIR)
    # without SSH (container_manager) a one-shot root task of Task Scheduler sets them
    assert (data.st_uid, data.st_gid, data.st_mode & 0o777) == (1000, 1000, 0o750)


def nas_shell(command, stdin=None):
    """Runs command on the simulated NAS as its administrator logs in (the play's way in), over SSH."""
    home = os.environ["SIMNAS_HOME"]
    ssh = [
        "sshpass",
        "-e",
        "ssh",
        "-p",
        os.environ["SIMNAS_SSH_PORT"],
        "-o",
        "HostKeyAlias=simnas",
        "-o",
        f"UserKnownHostsFile={home}/ssh/known_hosts",
        "-o",
        "StrictHostKeyChecking=yes",
        "admin@127.0.0.1",
        command,
    ]
    env = dict(os.environ, SSHPASS=DEMO_DSM_PASSWORD)
    return subprocess.run(ssh, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.mark.skipif(METHOD == "container_manager", reason="the container_manager scenario has no SSH host")
def test_the_play_reached_the_nas_as_an_administrator_who_is_not_root():
    # sudo without its password first (refused), then with it on stdin: the shared folder is ACL-mode (no
    # POSIX permission for the account), so only root sees into it, as on DSM.
    command = "id -un; id -Gn; sudo -n true 2>/dev/null; echo $?; sudo -S -p '' stat -c '%u:%g %a' " + DATA_DIR_ON_NAS
    process = nas_shell(command, stdin=DEMO_DSM_PASSWORD + "\n")
    lines = process.stdout.splitlines()
    assert lines[0] == "admin" and "administrators" in lines[1].split()
    assert lines[2] != "0", "sudo must ask the account's password"
    # the NAS's /volume1 is the folder the container's data lives in
    assert lines[3] == "1000:1000 750", process.stderr


@pytest.mark.skipif(METHOD != "container_manager", reason="the container_manager scenario's project")
def test_the_container_manager_project_runs_the_guide_stack():
    projects = dsm_call("SYNO.Docker.Project", "list", 1, offset=0, limit=-1)
    (listed,) = [project for project in projects.values() if project["name"] == NAME]
    assert "content" not in listed  # as DSM lists projects: the content comes with get
    project = dsm_call("SYNO.Docker.Project", "get", 1, id=listed["id"])
    assert project["status"] == "RUNNING"
    assert project["share_path"] == f"/docker/{NAME}"
    assert "jeankhawand/anki-sync-server:25.07" in project["content"]
    assert "/volume1/docker/anki-server:/anki_data" in project["content"]


def test_reverse_proxy_rule_follows_the_guide():
    stored = dsm_state()["reverse_proxy"].values()
    rules = [item["entry"] for item in stored if item["entry"]["description"] == "Anki Sync Server"]
    assert len(rules) == 1
    rule = rules[0]
    assert (rule["frontend"]["fqdn"], rule["frontend"]["port"], rule["frontend"]["protocol"]) == (
        "anki.nas.test",
        443,
        1,
    )
    assert rule["frontend"]["https"]["hsts"] is True
    assert (rule["backend"]["fqdn"], rule["backend"]["port"], rule["backend"]["protocol"]) == ("localhost", PORT, 0)
    headers = {(header["name"], header["value"]) for header in rule["customize_headers"]}
    assert {("Upgrade", "$http_upgrade"), ("Connection", "$connection_upgrade")} <= headers


@pytest.fixture
def through_the_proxy(monkeypatch):
    """The Anki client reaches anki.nas.test through the HTTPS reverse proxy, TLS verified by the test CA."""
    with ConnectProxy() as tunnel:
        monkeypatch.setenv("HTTPS_PROXY", tunnel.url)
        monkeypatch.setenv("SSL_CERT_FILE", CA)
        yield f"https://anki.nas.test:{os.environ['SIMNAS_PROXY_PORT']}/"
        assert tunnel.tunnels, "the client did not go through the proxy"


def test_every_user_syncs_through_the_https_proxy_and_sees_only_their_notes(through_the_proxy):
    endpoint = through_the_proxy
    uploaded = {}
    for user, password in USERS.items():
        with tempfile.TemporaryDirectory() as directory:
            uploaded[user] = anki_client.generate_notes(2, f"molecule {user}")
            collection = anki_client.make_collection(directory, uploaded[user])
            anki_client.sync(collection, user, password, endpoint)
    # Only once every user has uploaded: a server that shared one collection would now show the last upload.
    for user, password in USERS.items():
        assert anki_client.download_notes(user, password, endpoint) == sorted(uploaded[user])


@pytest.mark.skipif(METHOD != "portainer", reason="the portainer scenario's stack")
def test_portainer_manages_the_stack_with_the_users_in_its_environment(container):
    url = f"https://127.0.0.1:{os.environ['SIMNAS_PORTAINER_PORT']}/_sim/state"
    stacks = requests.get(url, verify=CA, timeout=30).json()["stacks"]
    stack = next(stack for stack in stacks if stack["Name"] == NAME)
    assert sorted(pair["name"] for pair in stack["Env"]) == ["SYNC_USER1", "SYNC_USER2"]
    assert container.labels["com.docker.compose.project"] == NAME


@pytest.mark.unverified_contract(
    reason="Hyper Backup Task.set schedule and rotate_params payloads: no public capture (dsm-webapi.md §4.4)"
)
def test_backup_task_runs_nightly_at_three_keeping_thirty_versions():
    tasks = [task for task in dsm_state()["hyper_backup"]["tasks"].values() if task["name"] == "anki"]
    assert len(tasks) == 1
    task = tasks[0]
    assert task["source"] == ["/docker/anki-server"]
    assert task["repo"]["share"] == "backups"
    schedule = task["schedule"]
    assert schedule["schedule_enable"] is True
    assert (schedule["schedule"]["hour"], schedule["schedule"]["min"]) == (3, 0)
    assert schedule["schedule"]["week_name"] == "0,1,2,3,4,5,6"
    assert task["rotate_params"]["rotate_condition"][1] == 30


def test_snapshot_task_runs_before_the_backup_and_the_old_crontab_line_is_gone():
    tasks = [
        task for task in dsm_state()["scheduled_tasks"].values() if task["name"].startswith("ankinas-anki-snapshot")
    ]
    assert [task["name"] for task in tasks] == ["ankinas-anki-snapshot-anki"]  # the one-shot clean-up task is gone
    (task,) = tasks
    assert (task["owner"], task["type"], task["enable"]) == ("root", "script", True)
    assert (task["schedule"]["hour"], task["schedule"]["minute"], task["schedule"]["week_day"]) == (
        2,
        45,
        "0,1,2,3,4,5,6",
    )

    # The NAS's /etc/crontab (prepare.yml left the old line there), read inside the NAS: this machine's is not it.
    def crontab():
        done = sshnas.run_as_root(os.environ["SIMNAS_HOME"], "cat /etc/crontab", timeout=30)
        assert done.returncode == 0, done.stdout
        return done.stdout

    wait_for(lambda: "ankinas-anki-snapshot" not in crontab(), "the old crontab line removed")
    assert "synoschedtask --run id=1" in crontab()  # DSM's own lines stay


def test_triggering_the_snapshot_task_snapshots_every_collection():
    (task,) = [task for task in dsm_state()["scheduled_tasks"].values() if task["name"] == "ankinas-anki-snapshot-anki"]
    started = time.time()
    dsm_call("SYNO.Core.TaskScheduler", "run", 2, tasks=[{"id": task["id"], "real_owner": "root"}])

    def finished():
        run = dsm_state()["scheduled_tasks"][str(task["id"])]["last_run"]
        return run if "exit_code" in run else None

    last_run = wait_for(finished, "the snapshot run")
    assert last_run["exit_code"] == 0, last_run["output"]
    for user in USERS:
        snapshot = os.path.join(DATA_DIR, user, "collection.snapshot.anki2")
        assert os.path.getmtime(snapshot) >= started - 1
        with sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True) as db:
            db.create_collation("unicase", lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower()))  # Anki's
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == 2
    assert docker.from_env().containers.get(NAME).status == "running"  # started again after the snapshot
