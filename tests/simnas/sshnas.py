"""The simulated NAS's host: a container of ankinas/simnas-ssh (tests/images/simnas-ssh), one per NAS home.

It is what an administrator meets on a Synology over SSH: an account that is not root, in the group
administrators, whose sudo asks its password, without a home directory (User Home off), Python 3, DSM's
/etc/crontab, the Container Manager's docker CLI (/usr/local/bin/docker) and a root-only Docker socket. It runs with
the host's network, so the NAS's loopback is this machine's (the reverse proxy and the login checks reach the sync
server on 127.0.0.1, as on a NAS), and sshd listens on 127.0.0.1:PORT. A NAS whose SSH service is off (port None)
runs the same container without sshd.

It is also where the simulated Task Scheduler runs its root scripts (RootShell: docker exec as root), so that a
script's /etc, /usr or / is the NAS's, never this machine's. The NAS's /volumeN is $SIMNAS_HOME/volumes/volumeN (the
simulated DSM's volumes, every one of them), and the Docker Engine it drives is this machine's: a bind path the NAS
names /volume1/x is $SIMNAS_HOME/volumes/volume1/x to that engine, which is why the demo inventory sets
anki_sync_server_volume_root (a real NAS's engine runs on the NAS and needs none).

The controller trusts the host key through known_hosts under the alias HOST_ALIAS (the port may change):
ssh -o HostKeyAlias=simnas -o UserKnownHostsFile=$SIMNAS_HOME/ssh/known_hosts.
"""

import hashlib
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

#: scripts/build-images.sh writes the tag of this checkout's image here (the tag is the recipe's hash)
IMAGE_FILE = Path(__file__).resolve().parents[2] / ".cache" / "images" / "simnas-ssh.image"
HOST_ALIAS = "simnas"
#: where the Container Manager keeps its docker binary on DSM 7.2 (the image has it, linked at /usr/local/bin/docker)
NAS_DOCKER = "/var/packages/ContainerManager/target/usr/bin/docker"
#: root's PATH in a Task Scheduler script (DSM's, with /usr/local/bin where Container Manager links docker)
ROOT_PATH = "/sbin:/bin:/usr/sbin:/usr/bin:/usr/syno/sbin:/usr/syno/bin:/usr/local/sbin:/usr/local/bin"
#: the label value of a NAS container without sshd
NO_SSH = "none"


def image():
    """The SSH host's image as this checkout's recipe builds it (scripts/build-images.sh simnas-ssh)."""
    try:
        return IMAGE_FILE.read_text().strip()
    except FileNotFoundError:
        raise RuntimeError(
            "no simnas-ssh image built for this checkout: run scripts/build-images.sh simnas-ssh"
        ) from None


def container_name(home):
    """One SSH host per simulated NAS home, so concurrent NASes never share one."""
    return "ankinas-simnas-ssh-" + hashlib.sha256(str(Path(home).resolve()).encode()).hexdigest()[:12]


def known_hosts(home):
    return Path(home) / "ssh" / "known_hosts"


def _docker_socket():
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise RuntimeError(f"the simulated NAS needs a local Docker socket (DOCKER_HOST={host})")
    return host[len("unix://") :]


def _host_key(home):
    """The NAS's host key (made once per home) and a known_hosts line for HOST_ALIAS."""
    directory = Path(home) / "ssh"
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "ssh_host_ed25519_key"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", HOST_ALIAS, "-f", str(key)], check=True)
    public = (directory / "ssh_host_ed25519_key.pub").read_text().split()
    known_hosts(home).write_text(f"{HOST_ALIAS} {public[0]} {public[1]}\n")
    return directory


def _docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


def _state(home):
    """(running, ssh port or None) of the home's NAS container; (False, None) when there is none."""
    inspected = _docker(
        "inspect",
        "-f",
        '{{.State.Running}} {{index .Config.Labels "org.ankinas.ssh-port"}}',
        container_name(home),
        check=False,
    )
    state, _separator, port = inspected.stdout.strip().partition(" ")
    if inspected.returncode != 0 or state != "true":
        return False, None
    return True, (int(port) if port.isdigit() else None)


def running(home):
    """The port the NAS's sshd listens on, or None when its container does not run or runs without sshd."""
    return _state(home)[1]


def is_up(home):
    """True when the home's NAS container runs (with or without sshd)."""
    return _state(home)[0]


def _banner(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            return connection.recv(64).startswith(b"SSH-2.0-")
    except OSError:
        return False


def _volumes(home):
    """The NAS's volumes: every volumeN folder of home/volumes (volume1 made when there is none)."""
    (Path(home) / "volumes" / "volume1").mkdir(parents=True, exist_ok=True)
    return _volume_dirs(home)


def _volume_dirs(home):
    """The volumeN folders home/volumes has (none made)."""
    root = Path(home) / "volumes"
    return sorted(path for path in root.glob("volume*") if path.is_dir())


def start(home, port, user=None, password=None, timeout=30):
    """Starts the home's NAS container, with sshd on port (None: no sshd, the NAS's SSH service is off), replacing one
    that runs otherwise; returns when sshd answers (True), False when it already ran so; raises when it cannot."""
    up, ssh_port = _state(home)
    if up and ssh_port == port and (port is None or _banner(port)):
        return False
    stop(home)
    mounts = []
    for volume in _volumes(home):
        mounts += ["--volume", f"{volume}:/{volume.name}"]
    if port is not None:
        mounts += ["--volume", f"{_host_key(home)}:/etc/ssh/simnas:ro"]
    account = ["--env", f"SIMNAS_ADMIN={user}", "--env", f"SIMNAS_ADMIN_PASSWORD={password}"] if user else []
    _docker(
        "run",
        "--detach",
        "--init",
        "--name",
        container_name(home),
        "--network",
        "host",
        "--label",
        f"org.ankinas.ssh-port={NO_SSH if port is None else port}",
        "--label",
        f"org.ankinas.simnas-home={Path(home).resolve()}",
        *account,
        *mounts,
        "--volume",
        f"{_docker_socket()}:/var/run/docker.sock",
        image(),
        NO_SSH if port is None else str(port),
    )
    deadline = time.monotonic() + timeout
    while port is not None and not _banner(port):
        if not is_up(home) or time.monotonic() > deadline:
            logs = _docker("logs", container_name(home), check=False)
            raise RuntimeError(f"the NAS's sshd did not start on port {port}: {logs.stdout}{logs.stderr}")
        time.sleep(0.1)
    return True


def stop(home):
    """Removes the home's NAS container; True when one was there."""
    return _docker("rm", "--force", container_name(home), check=False).returncode == 0


#: the restart policies under which Docker Engine starts a container again when it starts (docs.docker.com, "Start
#: containers automatically": always, and unless-stopped unless it was stopped before); a NAS's boot is that start
RESTARTED_ON_BOOT = ("always", "unless-stopped")


def _workloads_file(home):
    return Path(home) / "run" / "workloads.json"


def stop_workloads(home):
    """Stops what the NAS runs on its Docker Engine, as the NAS's shutdown does: the running containers (other than
    the NAS's own) with a bind mount in one of its volumes. Those that its boot starts again (RESTARTED_ON_BOOT) are
    recorded for start_workloads. Returns the names of the containers stopped."""
    volumes = [str(volume.resolve()) for volume in _volume_dirs(home)]

    def in_volumes(container):
        sources = [mount.get("Source", "") for mount in container.get("Mounts", []) if mount.get("Type") == "bind"]
        return any(source == volume or source.startswith(volume + "/") for source in sources for volume in volumes)

    workloads = [c for c in _running_containers() if _name(c) != container_name(home) and in_volumes(c)]
    if not workloads:
        return []
    # All at once, each with docker stop's grace (10 s) before it is killed; docker stop prints each one it stopped.
    done = set(_docker("stop", *(container["Id"] for container in workloads), check=False).stdout.split())
    stopped = [container for container in workloads if container["Id"] in done]
    restarted = [
        {"id": container["Id"], "name": _name(container)}
        for container in stopped
        if container["HostConfig"]["RestartPolicy"]["Name"] in RESTARTED_ON_BOOT
    ]
    if restarted:  # added to what an earlier stop recorded, for a start that has not come yet
        _workloads_file(home).parent.mkdir(parents=True, exist_ok=True)
        _workloads_file(home).write_text(json.dumps(_recorded_workloads(home) + restarted))
    return [_name(container) for container in stopped]


def _name(container):
    """A container's name, from docker inspect (which starts it with a slash)."""
    return container["Name"].lstrip("/")


def _running_containers():
    """docker inspect of every running container of this machine's Docker Engine."""
    ids = _docker("ps", "--quiet", "--no-trunc", check=False).stdout.split()
    return json.loads(_docker("inspect", *ids, check=False).stdout or "[]") if ids else []


def _recorded_workloads(home):
    try:
        return json.loads(_workloads_file(home).read_text())
    except FileNotFoundError:
        return []


def start_workloads(home):
    """Starts again what stop_workloads recorded (the NAS's boot); returns the names started. A container removed
    meanwhile is skipped."""
    started = [
        item["name"] for item in _recorded_workloads(home) if _docker("start", item["id"], check=False).returncode == 0
    ]
    _workloads_file(home).unlink(missing_ok=True)
    return started


def run_as_root(home, script, timeout=None):
    """Runs script with bash as root inside the home's NAS container (its /, /etc and /volumeN, not this machine's);
    the CompletedProcess (stdout and stderr merged into stdout)."""
    command = ["docker", "exec", "--user", "root", "--workdir", "/", "--env", f"PATH={ROOT_PATH}"]
    return subprocess.run(
        [*command, container_name(home), "/bin/bash", "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",  # a script's output is not always UTF-8
        timeout=timeout,
        check=False,
    )


class RootShell:
    """Where a simulated DSM's Task Scheduler runs root scripts: the NAS container of home.

    start_missing=True (the pytest fixtures): a NAS without a running container gets one without sshd on the first
    script (stop() removes it again); False (the supervisor, which starts the container with the NAS): a script run
    while the container is down fails, as on a NAS that is off. Never this machine.
    """

    def __init__(self, home, start_missing=False):
        self.home = Path(home)
        self.start_missing = start_missing
        self.started = False
        self._lock = threading.Lock()  # two tasks run at once must not both start the container

    def run(self, script):
        """(exit code, output) of script as root in the NAS."""
        with self._lock:
            if not is_up(self.home):
                if not self.start_missing:
                    return 127, f"the simulated NAS's container {container_name(self.home)} is not running"
                start(self.home, None)
                self.started = True
        done = run_as_root(self.home, script)
        return done.returncode, done.stdout

    def stop(self):
        """Removes the container this shell started (a NAS container started by others is theirs to stop)."""
        if self.started:
            stop(self.home)
            self.started = False
