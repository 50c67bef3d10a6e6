"""Runs playbooks the way a user does (ansible-playbook, the demo inventory) and records each task with the
benchmarks' callback (callback_plugins/bench_timer.py); builds the no-op floor plays."""

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "inventories" / "demo"
SITE = ROOT / "playbooks" / "site.yml"
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
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
    def module_tasks(self):
        return [task for task in self.tasks if task["action"] not in CONTROLLER_ONLY]


def run_playbook(playbook, workdir, env, extra_vars=None, profile_name="run"):
    """Run playbook on the demo inventory; a Run with the wall time (process start to exit) and the tasks."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    timer_out = workdir / f"{profile_name}.tasks.json"
    command = ["ansible-playbook", "-i", str(INVENTORY), str(playbook)]
    if extra_vars:
        vars_file = workdir / f"{profile_name}.vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        command += ["-e", f"@{vars_file}"]
    run_env = dict(
        os.environ,
        **env,
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
        ANSIBLE_CALLBACKS_ENABLED="bench_timer",
        BENCH_TIMER_OUT=str(timer_out),
        ANSIBLE_NOCOLOR="1",
    )
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=run_env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    (workdir / f"{profile_name}.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise PlaybookFailed(f"{playbook.name} ({profile_name}) failed:\n{(done.stdout + done.stderr)[-4000:]}")
    tasks = json.loads(timer_out.read_text())["tasks"]
    recap = done.stdout[done.stdout.rfind("PLAY RECAP") :].strip()
    return Run(seconds=seconds, tasks=tasks, recap=recap)


def write_floor_play(path, site_run, with_modules):
    """A play on the same hosts with as many tasks as site_run ran: all debug no-ops, or (with_modules)
    ansible.builtin.ping delegated to localhost where the site ran a module, debug elsewhere."""
    tasks = []
    for number, task in enumerate(site_run.tasks, start=1):
        if with_modules and task["action"] not in CONTROLLER_ONLY:
            tasks.append({"name": f"module {number}", "ansible.builtin.ping": {}, "delegate_to": "localhost"})
        else:
            tasks.append({"name": f"noop {number}", "ansible.builtin.debug": {"msg": "noop"}})
    play = [{"name": "Ansible floor", "hosts": "synology", "gather_facts": False, "tasks": tasks}]
    Path(path).write_text(yaml.safe_dump(play, sort_keys=False))
    return Path(path)
