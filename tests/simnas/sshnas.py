"""The simulated NAS's SSH host: a container of ankinas/simnas-ssh (tests/images/simnas-ssh) running sshd.

It is what an administrator meets on a Synology over SSH: an account that is not root, in the group
administrators, whose sudo asks its password, without a home directory (User Home off), Python 3, and a
root-only Docker socket. It runs with the host's network, so the NAS's loopback is this machine's (the
reverse proxy and the login checks reach the sync server on 127.0.0.1, as on a NAS), and sshd listens on
127.0.0.1:PORT. The NAS's /volume1 is $SIMNAS_HOME/volumes/volume1 (the simulated DSM's volume), and the
Docker Engine it drives is this machine's: a bind path the NAS names /volume1/x is $SIMNAS_HOME/volumes/volume1/x
to that engine, which is why the demo inventory sets anki_sync_server_volume_root (a real NAS's engine runs on
the NAS and needs none).

The controller trusts the host key through known_hosts under the alias HOST_ALIAS (the port may change):
ssh -o HostKeyAlias=simnas -o UserKnownHostsFile=$SIMNAS_HOME/ssh/known_hosts.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

#: scripts/build-images.sh writes the tag of this checkout's image here (the tag is the recipe's hash)
IMAGE_FILE = Path(__file__).resolve().parents[2] / ".cache" / "images" / "simnas-ssh.image"
HOST_ALIAS = "simnas"
#: where the Container Manager keeps its docker binary on DSM 7.2 (the image links /usr/local/bin/docker to it)
NAS_DOCKER = "/var/packages/ContainerManager/target/usr/bin/docker"


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


def running(home):
    """The port the NAS's sshd listens on, or None when its container does not run."""
    inspected = _docker(
        "inspect",
        "-f",
        '{{.State.Running}} {{index .Config.Labels "org.ankinas.ssh-port"}}',
        container_name(home),
        check=False,
    )
    state, _separator, port = inspected.stdout.strip().partition(" ")
    return int(port) if inspected.returncode == 0 and state == "true" else None


def _banner(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            return connection.recv(64).startswith(b"SSH-2.0-")
    except OSError:
        return False


def start(home, port, user, password, timeout=30):
    """Starts the SSH host (replacing one on another port); returns when sshd answers, or raises."""
    if running(home) == port and _banner(port):
        return False
    stop(home)
    volume1 = Path(home) / "volumes" / "volume1"
    volume1.mkdir(parents=True, exist_ok=True)
    keys = _host_key(home)
    _docker(
        "run",
        "--detach",
        "--name",
        container_name(home),
        "--network",
        "host",
        "--label",
        f"org.ankinas.ssh-port={port}",
        "--label",
        f"org.ankinas.simnas-home={home}",
        "--env",
        f"SIMNAS_ADMIN={user}",
        "--env",
        f"SIMNAS_ADMIN_PASSWORD={password}",
        "--volume",
        f"{volume1}:/volume1",
        "--volume",
        f"{_docker_socket()}:/var/run/docker.sock",
        "--volume",
        f"{keys}:/etc/ssh/simnas:ro",
        "--volume",
        f"{shutil.which('docker')}:{NAS_DOCKER}:ro",
        image(),
        str(port),
    )
    deadline = time.monotonic() + timeout
    while not _banner(port):
        if running(home) is None or time.monotonic() > deadline:
            logs = _docker("logs", container_name(home), check=False)
            raise RuntimeError(f"the NAS's sshd did not start on port {port}: {logs.stdout}{logs.stderr}")
        time.sleep(0.1)
    return True


def stop(home):
    """Removes the SSH host; True when one was there."""
    return _docker("rm", "--force", container_name(home), check=False).returncode == 0
