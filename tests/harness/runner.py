"""Run the collection's modules and playbooks for real, as Ansible does, for the test suites.

run_module() executes a module file in a fresh Python process with its arguments in a JSON file
(the way AnsiballZ hands them over) and returns the parsed result; run_playbook() runs
ansible-playbook. Both use this checkout as the collection ankinas.synology (scripts/env.sh).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".collections"
PAYLOAD_BYTECODE = Path(__file__).resolve().parent / "payload_bytecode"
#: the msg of a ModuleResult whose module printed no JSON (it crashed before exit_json/fail_json)
NO_JSON = "module printed no JSON"


def _env(extra=None):
    """os.environ with extra, and the harness's paths first on the PYTHONPATH.

    extra is often a copy of os.environ with a few changes (a test's NAS), PYTHONPATH included: the harness's
    paths are put in front after merging it, so that a test's environment cannot drop them.
    """
    env = dict(os.environ)
    env.update(extra or {})
    # The modules' payloads compile each source once per checkout (payload_bytecode/sitecustomize.py).
    paths = [str(ROOT / "tests"), str(COLLECTIONS), str(PAYLOAD_BYTECODE)]
    paths += [path for path in env.get("PYTHONPATH", "").split(os.pathsep) if path and path not in paths]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("ANKINAS_PAYLOAD_BYTECODE", str(ROOT / ".cache" / "payload-bytecode"))
    env.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS))
    env.setdefault("ANSIBLE_LOCAL_TEMP", str(ROOT / ".cache" / "ansible-tmp"))
    return env


class ModuleResult(dict):
    """A module's JSON result, plus .rc, .stdout and .stderr of its process."""

    rc = 0
    stdout = ""
    stderr = ""

    @property
    def failed(self):
        return bool(self.get("failed")) or self.rc != 0


def run_module(name, args, check=False, diff=False, env=None, timeout=120):
    """Run ankinas.synology.<name> with args; returns a ModuleResult (never raises on module failure)."""
    module_args = dict(args)
    module_args["_ansible_check_mode"] = check
    module_args["_ansible_diff"] = diff
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
        args_path = handle.name
    try:
        process = subprocess.run(
            [sys.executable, "-m", f"ansible_collections.ankinas.synology.plugins.modules.{name}", args_path],
            capture_output=True,
            text=True,
            env=_env(env),
            timeout=timeout,
            check=False,
        )
    finally:
        os.unlink(args_path)
    try:
        result = ModuleResult(json.loads(process.stdout))
    except ValueError:
        result = ModuleResult(failed=True, msg=NO_JSON)
    result.rc, result.stdout, result.stderr = process.returncode, process.stdout, process.stderr
    return result


def run_playbook(
    path, extra_vars=None, verbosity=0, env=None, check=False, diff=False, inventory="localhost,", timeout=300
):
    """Run ansible-playbook on path (against localhost by default); returns the CompletedProcess.

    inventory: one source or a list (later ones override earlier ones' host variables). Only the default
    localhost is run with the local connection and this Python; an inventory says how to reach its hosts.
    """
    command, process_env = _playbook_command(path, extra_vars, verbosity, env, check, diff, inventory)
    started, cpu_before = time.monotonic(), _children_cpu()
    process = subprocess.run(command, capture_output=True, text=True, env=process_env, timeout=timeout, check=False)
    _log_run(path, process_env, check, time.monotonic() - started, _children_cpu() - cpu_before)
    return process


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _log_run(path, env, check, wall, cpu):
    """Where the suite's time goes: a line per playbook run in $ANKINAS_PLAYBOOK_LOG (scripts/test.sh sets it)."""
    log = os.environ.get("ANKINAS_PLAYBOOK_LOG")
    if not log:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    mode = "check" if check else ""
    fields = [test, Path(path).name, env.get("ANSIBLE_RUN_TAGS", ""), mode, f"{wall:.1f}", f"{cpu:.1f}"]
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("\t".join(fields) + "\n")


def start_playbook(path, extra_vars=None, env=None, inventory="localhost,"):
    """Start ansible-playbook as run_playbook() does, in the background: the Popen (output and errors in stdout).

    For the tests that interrupt a run (SIGINT, as Ctrl-C): read its stdout line by line to see where it is.
    """
    command, process_env = _playbook_command(path, extra_vars, 0, env, False, False, inventory)
    process_env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=process_env, bufsize=1
    )


def _playbook_command(path, extra_vars, verbosity, env, check, diff, inventory):
    command = ["ansible-playbook", str(path)]
    for source in [inventory] if isinstance(inventory, str) else inventory:
        command += ["-i", str(source)]
    if inventory == "localhost,":
        command += ["-c", "local", "-e", f"ansible_python_interpreter={sys.executable}"]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    if verbosity:
        command.append("-" + "v" * verbosity)
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    bin_dir = str(Path(sys.executable).parent)
    process_env = _env(env)
    process_env["PATH"] = os.pathsep.join([bin_dir, process_env.get("PATH", "")])
    return command, process_env


def play_recap(process, host="localhost"):
    """{'ok': n, 'changed': n, 'failed': n, ...} of host in an ansible-playbook run's PLAY RECAP."""
    line = next(line for line in process.stdout.splitlines() if line.startswith(host + " ") and "ok=" in line)
    return {key: int(value) for key, value in (item.split("=") for item in line.split(":", 1)[1].split())}
