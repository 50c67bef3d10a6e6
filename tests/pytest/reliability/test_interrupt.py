"""Case 10: Ctrl-C in the middle of a play that holds a DSM session leaves no session open (the
dsm_logout callback logs it out; Ansible itself skips always: on an interrupt)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.runner import ROOT, _env

PLAYBOOK = Path(__file__).parent / "playbooks" / "interrupted.yml"


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_ctrl_c_logs_the_play_session_out(dsm):
    variables = {"dsm_url": dsm.url, "dsm_username": "admin", "dsm_password": dsm.password, "dsm_ca_path": dsm.ca_path}
    env = _env()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = ["ansible-playbook", str(PLAYBOOK), "-i", "localhost,", "-c", "local", "-e", json.dumps(variables)]
    command += ["-e", f"ansible_python_interpreter={sys.executable}"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: dsm.counters()["logins_succeeded"] == 1 and dsm.state()["sessions"] == 1)
        wait_for(lambda: _long_task_runs(process.pid))
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert "User interrupted execution" in output
    assert dsm.state()["sessions"] == 0, output
    assert dsm.counters()["logouts"] == 1
    assert dsm.password not in output


def _long_task_runs(playbook_pid):
    """The long task runs: a `sleep 120` exists below this test's ansible-playbook (not another test's)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_bytes().split(b"\0")[:2] == [b"sleep", b"120"] and _descends_from(
                int(cmdline.parent.name), playbook_pid
            ):
                return True
        except OSError:
            continue
    return False


def _descends_from(pid, ancestor):
    while pid > 1:
        if pid == ancestor:
            return True
        # /proc/PID/stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return False
