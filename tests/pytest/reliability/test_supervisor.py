"""Case 11 (supervisor): python -m simnas.supervisor honours SIMNAS_*_PORT, fails loudly on a taken port and
leaves no process (no nginx master) behind; its stop and start are the NAS's shutdown and boot for what the NAS runs
on its Docker Engine."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from harness.runner import ROOT
from simnas import sshnas
from simnas.server import free_port

SUPERVISOR = [sys.executable, "-m", "simnas.supervisor"]


def processes_using(home):
    """pids whose command line names home (the services and nginx run with their directories under it)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(home) in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def answers(port):
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def nas_env(tmp_path, ssh_nas_image):
    home = tmp_path / "simnas"
    ports = {
        "SIMNAS_DSM_PORT": free_port(),
        "SIMNAS_PORTAINER_PORT": free_port(),
        "SIMNAS_PROXY_PORT": free_port(),
        "SIMNAS_SSH_PORT": free_port(),
    }
    env = dict(os.environ, SIMNAS_HOME=str(home), **{key: str(value) for key, value in ports.items()})
    yield env
    subprocess.run([*SUPERVISOR, "stop"], env=env, cwd=ROOT, check=False, capture_output=True)


def supervisor(action, env):
    return subprocess.run([*SUPERVISOR, action], env=env, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ports_come_from_the_environment_and_stop_leaves_nothing(nas_env):
    started = supervisor("start", nas_env)
    assert started.returncode == 0, started.stdout + started.stderr
    # (nginx listens on the proxy port once a rule exists)
    for key in ("SIMNAS_DSM_PORT", "SIMNAS_PORTAINER_PORT"):
        assert answers(int(nas_env[key])), f"nothing answers on {key}={nas_env[key]}"
    running = processes_using(nas_env["SIMNAS_HOME"])
    assert any(b"nginx" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in running), "DSM runs its nginx"

    stopped = supervisor("stop", nas_env)
    assert stopped.returncode == 0, stopped.stderr
    assert processes_using(nas_env["SIMNAS_HOME"]) == [], "a service or its nginx outlived stop"


@pytest.mark.parametrize("taken", ["SIMNAS_DSM_PORT", "SIMNAS_PROXY_PORT"])
def test_a_taken_port_fails_loudly_and_leaves_nothing(nas_env, taken):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(nas_env[taken])))
        squatter.listen()
        started = supervisor("start", nas_env)
    assert started.returncode != 0
    assert f"port {nas_env[taken]} is in use" in started.stderr
    assert "started" not in started.stdout.replace("restarting", "")
    assert processes_using(nas_env["SIMNAS_HOME"]) == []


def test_stop_stops_the_nas_workloads_and_start_brings_back_those_its_boot_restarts(nas_env, docker_client, tmp_path):
    started = supervisor("start", nas_env)
    assert started.returncode == 0, started.stdout + started.stderr
    data = Path(nas_env["SIMNAS_HOME"]) / "volumes" / "volume1" / "docker" / "app"
    elsewhere = tmp_path / "elsewhere"
    data.mkdir(parents=True)
    elsewhere.mkdir()
    suffix = uuid.uuid4().hex[:10]

    def run(name, folder, policy):
        return docker_client.containers.run(
            sshnas.image(),
            ["sleep", "infinity"],
            entrypoint=[],
            init=True,  # sleep ends on the stop's SIGTERM, not after its grace
            detach=True,
            name=f"ankinas-test-{name}-{suffix}",
            labels={"org.ankinas.test": "pytest"},
            volumes={str(folder): {"bind": "/data", "mode": "rw"}},
            restart_policy={"Name": policy},
        )

    containers = {
        "served": run("served", data, "unless-stopped"),  # the sync server's policy
        "one-off": run("one-off", data, "no"),
        "not-the-nas": run("not-the-nas", elsewhere, "unless-stopped"),
    }
    try:

        def states():
            for container in containers.values():
                container.reload()
            return {key: container.status for key, container in containers.items()}

        assert states() == {"served": "running", "one-off": "running", "not-the-nas": "running"}
        stopped = supervisor("stop", nas_env)
        assert stopped.returncode == 0, stopped.stderr
        assert f"ankinas-test-served-{suffix}" in stopped.stdout and f"ankinas-test-one-off-{suffix}" in stopped.stdout
        assert "not-the-nas" not in stopped.stdout
        assert states() == {"served": "exited", "one-off": "exited", "not-the-nas": "running"}

        booted = supervisor("start", nas_env)
        assert booted.returncode == 0, booted.stdout + booted.stderr
        assert f"workloads: started ankinas-test-served-{suffix}" in booted.stdout
        assert states() == {"served": "running", "one-off": "exited", "not-the-nas": "running"}
        # A second start finds nothing recorded: the boot started them once.
        again = supervisor("start", nas_env)
        assert "workloads" not in again.stdout
    finally:
        for container in containers.values():
            container.remove(force=True)
