"""Runs playbooks the way a user does (ansible-playbook on an inventory) and records each task with the
benchmarks' callback (callback_plugins/bench_timer.py); builds the floor plays."""

import configparser
import json
import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "playbooks" / "site.yml"
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


def checkout_callbacks():
    """The callbacks the checkout's ansible.cfg enables (the runs as users run them)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "ansible.cfg")
    return [name.strip() for name in config["defaults"]["callbacks_enabled"].split(",")]


# Actions that run in the controller's worker without shipping a module.
CONTROLLER_ONLY = {
    "ansible.builtin.set_fact",
    "ansible.builtin.assert",
    "ansible.builtin.debug",
    "ansible.builtin.meta",
    "ansible.builtin.include_tasks",
    "ansible.builtin.import_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.fail",
    "ansible.builtin.validate_argument_spec",
    "set_fact",
    "assert",
    "debug",
    "meta",
    "include_tasks",
    "fail",
}


class PlaybookFailed(RuntimeError):
    pass


@dataclass
class Run:
    seconds: float
    tasks: list = field(default_factory=list)
    recap: str = ""

    @property
    def changed(self):
        return sum(task["results"].count("changed") for task in self.tasks)

    @property
    def hosts(self):
        return sorted({host for task in self.tasks for host in task.get("hosts", {})})

    def module_runs(self, host=None):
        """(task, host result) of every module the play ran (not skipped) on host (default: the first)."""
        host = host or self.hosts[0]
        runs = []
        for task in self.tasks:
            got = task.get("hosts", {}).get(host)
            if task["action"] not in CONTROLLER_ONLY and got and got["status"] != "skipped":
                runs.append((task, got))
        return runs

    def busy(self, host):
        """Seconds the host's workers spent in its tasks (start of its run to its result)."""
        return sum(task["hosts"][host]["seconds"] for task in self.tasks if host in task.get("hosts", {}))

    def busy_median(self):
        return statistics.median(self.busy(host) for host in self.hosts)


def run_playbook(playbook, inventory, workdir, env=None, extra_vars=None, label="run", forks=None):
    """Run playbook on inventory; a Run with the wall time (process start to exit) and the tasks."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    timer_out = workdir / f"{label}.tasks.json"
    command = ["ansible-playbook", "-i", str(inventory), str(playbook)]
    if forks:
        command += ["--forks", str(forks)]
    if extra_vars:
        vars_file = workdir / f"{label}.vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        command += ["-e", f"@{vars_file}"]
    run_env = dict(
        os.environ,
        **(env or {}),
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
        ANSIBLE_CALLBACKS_ENABLED=",".join([*checkout_callbacks(), "bench_timer"]),
        BENCH_TIMER_OUT=str(timer_out),
        ANSIBLE_NOCOLOR="1",
    )
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=run_env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    (workdir / f"{label}.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise PlaybookFailed(f"{Path(playbook).name} ({label}) failed:\n{(done.stdout + done.stderr)[-4000:]}")
    tasks = json.loads(timer_out.read_text())["tasks"]
    recap = done.stdout[done.stdout.rfind("PLAY RECAP") :].strip()
    return Run(seconds=seconds, tasks=tasks, recap=recap)


def write_floor_play(path, site_run, with_modules):
    """A play on the same hosts with as many tasks as site_run ran, each a no-op `debug` (`when: false`
    where the site's task was skipped); with_modules: `ansible.builtin.ping` where the site ran a module,
    where it ran it: delegated to localhost, or on the NAS over SSH, as root when the task became root."""
    host = site_run.hosts[0]
    tasks = []
    for number, task in enumerate(site_run.tasks, start=1):
        got = task.get("hosts", {}).get(host, {"status": "ok"})
        if with_modules and task["action"] not in CONTROLLER_ONLY and got["status"] != "skipped":
            module = {"name": f"module {number}", "ansible.builtin.ping": {}}
            if got.get("controller"):
                module["delegate_to"] = "localhost"
            elif got.get("become"):
                module["become"] = True
            tasks.append(module)
        else:
            noop = {"name": f"noop {number}", "ansible.builtin.debug": {"msg": "noop"}}
            if got["status"] == "skipped":
                noop["when"] = False
            tasks.append(noop)
    play = [{"name": "Ansible floor", "hosts": "synology", "gather_facts": False, "tasks": tasks}]
    Path(path).write_text(yaml.safe_dump(play, sort_keys=False))
    return Path(path)
