"""Starts and stops the simulated NAS in the background: the NAS's container (simnas.sshnas: sshd, where the
playbook logs in as the DSM account, and where Task Scheduler's root scripts run) and the DSM and Portainer
simulators (DSM runs nginx). Like a NAS's shutdown, stop also stops what the NAS runs on its Docker Engine (the
containers with a bind mount in its volumes, e.g. the sync server `make demo` deployed); start, like its boot, starts
again those whose restart policy is always or unless-stopped.

    python -m simnas.supervisor start [--home DIR] [--dsm-port 5001] [--portainer-port 9443] [--proxy-port 8443]
                                      [--ssh-port 2222]
    python -m simnas.supervisor status
    python -m simnas.supervisor stop
    python -m simnas.supervisor nas-root -- COMMAND   # COMMAND as root in the NAS (its /etc, its /volumeN)

--ssh-port 0: the NAS's SSH service is off (its container runs without sshd; root scripts still run in it).

The simulated DSM meets the playbooks as a real DSM does (simnas.dsm.behaviours); SIMNAS_DSM_BEHAVIOURS (a JSON
object, e.g. {"project_build_pull_seconds": 3}) tunes its real-DSM behaviours, SIMNAS_DSM_ABSENT_APIS
(comma-separated) leaves APIs out, e.g. SYNO.Docker.Project for a DSM without projects. A fresh NAS has only the
packages DSM ships (File Station): SIMNAS_DSM_INSTALLED_PACKAGES (ids, comma-separated) seeds others, e.g.
ContainerManager,HyperBackup, SIMNAS_DSM_NOT_OFFERED takes packages out of this model's catalog (ContainerManager for
a model not offered it), and SIMNAS_DSM_EXTERNAL_IP is the address DSM detects (SYNO.Core.DDNS.ExtIP).

Used by `make demo` and the molecule scenarios. Idempotent: start leaves a running NAS alone (and
says so), stop is quiet when nothing runs. Each service writes its log to $SIMNAS_HOME/logs/ and its
pid to $SIMNAS_HOME/run/. The demo's credentials are fixed here and in inventories/demo: this NAS is
a local test fixture, not a place for real secrets.
"""

import argparse
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from simnas import sshnas

MOVE_HINT = "--dsm-port/--portainer-port/--proxy-port or SIMNAS_DSM_PORT/SIMNAS_PORTAINER_PORT/SIMNAS_PROXY_PORT"
DEMO_ADMIN = "admin"
DEMO_DSM_PASSWORD = "ankinas-demo-dsm-password"
DEMO_PORTAINER_PASSWORD = "ankinas-demo-portainer-password"
DEMO_PORTAINER_API_KEY = "ptr_ankinasdemo0000000000000000000000000000"


def _services(home, args):
    return {
        "dsm": [
            sys.executable,
            "-m",
            "simnas.dsm",
            "--state",
            str(home / "dsm.json"),
            "--volumes-root",
            str(home / "volumes"),
            "--https-port",
            str(args.dsm_port),
            "--http-port",
            "0",
            "--user",
            f"{DEMO_ADMIN}:{DEMO_DSM_PASSWORD}",
            # The reverse-proxy rules listen on 443 on a real NAS; here nginx serves that port on --proxy-port.
            "--nginx",
            "--frontend-port",
            f"443:{args.proxy_port}",
            *_dsm_options(),
        ],
        "portainer": [
            sys.executable,
            "-m",
            "simnas.portainer",
            "--state",
            str(home / "portainer" / "state.json"),
            "--port",
            str(args.portainer_port),
            "--admin-username",
            DEMO_ADMIN,
            "--admin-password",
            DEMO_PORTAINER_PASSWORD,
            "--api-key",
            DEMO_PORTAINER_API_KEY,
        ],
    }


def _dsm_options():
    """The DSM simulator's options from the SIMNAS_DSM_* variables (see the module's docstring)."""
    options = []
    for name, value in json.loads(os.environ.get("SIMNAS_DSM_BEHAVIOURS") or "{}").items():
        options += ["--behaviour", f"{name}={json.dumps(value)}"]
    for api in filter(None, os.environ.get("SIMNAS_DSM_ABSENT_APIS", "").split(",")):
        options += ["--absent-api", api.strip()]
    for variable, option in (
        ("SIMNAS_DSM_INSTALLED_PACKAGES", "--installed-packages"),
        ("SIMNAS_DSM_NOT_OFFERED", "--not-offered"),
        ("SIMNAS_DSM_EXTERNAL_IP", "--external-ip"),
    ):
        if os.environ.get(variable) is not None:
            options += [f"{option}={os.environ[variable]}"]
    return options


def _ports(args):
    """The ports each service listens on: the first one is how the supervisor knows it answers."""
    return {"dsm": [args.dsm_port, args.proxy_port], "portainer": [args.portainer_port]}


def _recorded_pid(home, name):
    try:
        return int((home / "run" / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return None


def _pid(home, name):
    pid = _recorded_pid(home, name)
    try:
        os.kill(pid, 0) if pid else None
    except OSError:
        return None
    return pid


def _kill_group(pgid):
    """SIGTERM to a service's process group (the service and what it started, such as nginx); waits for it."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except OSError:
        return
    for _attempt in range(50):
        try:
            os.killpg(pgid, 0)
        except OSError:
            return
        time.sleep(0.1)
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


def _answers(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _code_version():
    """A hash of the simulators' code: a NAS started from older code is restarted, not silently reused."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    digest.update(json.dumps(_dsm_options()).encode())  # and its options: changed ones restart it too
    return digest.hexdigest()


def start(home, args):
    (home / "run").mkdir(parents=True, exist_ok=True)
    (home / "logs").mkdir(parents=True, exist_ok=True)
    version_file = home / "run" / "code.sha256"
    version = _code_version()
    if version_file.exists() and version_file.read_text() != version:
        print("the simulators' code or options changed since they started: restarting them")
        stop(home, args)
    version_file.write_text(version)
    env = dict(os.environ, SIMNAS_HOME=str(home))
    # A port another process holds stops the start before anything starts.
    for name in _services(home, args):
        taken = [] if _pid(home, name) else [port for port in _ports(args)[name] if _answers(port)]
        if taken:
            stop(home, args)
            ports = ", ".join(map(str, taken))
            sys.exit(f"{name}: port {ports} is in use by another process; free it or move the NAS ({MOVE_HINT})")
    # The NAS itself first: the simulated Task Scheduler runs root scripts in it.
    try:
        started = sshnas.start(home, args.ssh_port or None, DEMO_ADMIN, DEMO_DSM_PASSWORD)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        stop(home, args)
        sys.exit(f"nas: {getattr(error, 'stderr', None) or error} (move sshd with --ssh-port or SIMNAS_SSH_PORT)")
    where = f"sshd on port {args.ssh_port}" if args.ssh_port else "no sshd (SSH off)"
    print(f"nas: started ({where})" if started else "nas: already running")
    restarted = sshnas.start_workloads(home)
    if restarted:
        print(f"workloads: started {', '.join(restarted)}")
    for name, command in _services(home, args).items():
        if _pid(home, name):
            print(f"{name}: already running")
            continue
        log_path = home / "logs" / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        (home / "run" / f"{name}.pid").write_text(str(process.pid))
        deadline = time.monotonic() + 30
        while not _answers(_ports(args)[name][0]) or process.poll() is not None:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(home, args)
                tail = log_path.read_text(errors="replace").splitlines()[-5:]
                sys.exit(f"{name} did not start; see {log_path}:\n" + "\n".join(tail))
            time.sleep(0.1)
        print(f"{name}: started on port {_ports(args)[name][0]} (pid {process.pid})")


def stop(home, _args):
    for name in ("portainer", "dsm"):
        # The group also holds what the service started (nginx), which may outlive a crashed service.
        pgid = _recorded_pid(home, name)
        if pgid:
            was_running = _pid(home, name)
            _kill_group(pgid)
            if was_running:
                print(f"{name}: stopped")
        (home / "run" / f"{name}.pid").unlink(missing_ok=True)
    stopped = sshnas.stop_workloads(home)
    if stopped:
        print(f"workloads: stopped {', '.join(stopped)}")
    if sshnas.stop(home):
        print("nas: stopped")


def status(home, _args):
    running = {name: _pid(home, name) for name in ("dsm", "portainer")}
    for name, pid in running.items():
        print(f"{name}: running (pid {pid})" if pid else f"{name}: stopped")
    running["nas"] = sshnas.is_up(home)
    port = sshnas.running(home)
    print(f"nas: running ({f'sshd on port {port}' if port else 'no sshd'})" if running["nas"] else "nas: stopped")
    sys.exit(0 if all(running.values()) else 3)


def nas_root(home, args):
    """Runs a command as root in the NAS (bash -c), as a Task Scheduler script would: its output and exit code."""
    if not sshnas.is_up(home):
        sys.exit("nas: not running")
    done = sshnas.run_as_root(home, " ".join(args.command))
    sys.stdout.write(done.stdout)
    sys.exit(done.returncode)


@contextlib.contextmanager
def running(home, **extra_env):
    """A simulated NAS for a test, on free ports with a home of its own, stopped on exit.

    Yields the environment of the playbooks that reach it: SIMNAS_HOME, SIMNAS_DSM_PORT, SIMNAS_PORTAINER_PORT,
    SIMNAS_PROXY_PORT, SIMNAS_SSH_PORT (which inventories/demo reads) and extra_env.
    """
    from simnas.ports import free_port  # reserved by this process, held while it lives

    env = dict(os.environ, SIMNAS_HOME=str(home), **extra_env)
    services = ("DSM", "PORTAINER", "PROXY", "SSH")
    env.update({f"SIMNAS_{name}_PORT": str(free_port()) for name in services})
    command = [sys.executable, "-m", "simnas.supervisor"]
    root = Path(__file__).resolve().parents[2]
    subprocess.run([*command, "start"], env=env, check=True, cwd=root, capture_output=True)
    try:
        yield env
    finally:
        subprocess.run([*command, "stop"], env=env, check=True, cwd=root, capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "status", "nas-root"])
    parser.add_argument("--home", default=os.environ.get("SIMNAS_HOME", ".cache/simnas"))
    # The same variables move the ports for the supervisor and for inventories/demo.
    parser.add_argument("--dsm-port", type=int, default=int(os.environ.get("SIMNAS_DSM_PORT", 5001)))
    parser.add_argument("--portainer-port", type=int, default=int(os.environ.get("SIMNAS_PORTAINER_PORT", 9443)))
    parser.add_argument(
        "--proxy-port",
        type=int,
        default=int(os.environ.get("SIMNAS_PROXY_PORT", 8443)),
        help="where nginx serves the rules' port 443",
    )
    parser.add_argument(
        "--ssh-port",
        type=int,
        default=int(os.environ.get("SIMNAS_SSH_PORT", 2222)),
        help="where the NAS's sshd listens; 0: no sshd (SSH off)",
    )
    parser.add_argument("command", nargs="*", help="nas-root: the command (after --)")
    args = parser.parse_args()
    home = Path(args.home).resolve()
    {"start": start, "stop": stop, "status": status, "nas-root": nas_root}[args.action](home, args)


if __name__ == "__main__":
    main()
