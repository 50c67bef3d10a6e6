"""site.yml on the newest ansible-core the collection claims (the last line of tests/ansible-core-versions.txt: 2.21 on
Python 3.13), as someone who installs Ansible today runs it: the collection tarball installed with that release's
ansible-galaxy, `ankinas.synology.site` run with its ansible-playbook against the simulated NAS (DSM and its Container
Manager, nginx, the SSH host whose python3 is DSM's 3.8 without any package). The pinned release runs the same
playbook everywhere else in the suite.

- The default method (auto: Container Manager, DSM credentials only) converges, a rerun changes nothing and writes
  nothing to DSM, and a real Anki client syncs through the HTTPS reverse proxy; no deprecation warning is printed.
- The docker method runs Ansible's modules on the NAS over SSH, which ansible-core 2.20+ cannot do on DSM's Python
  3.8: the run stops before any change and says what to do.
"""

import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from harness import anki_client
from harness.connect_proxy import ConnectProxy
from harness.expected import DEMO_SECRETS
from harness.runner import ROOT, play_recap
from simnas.server import free_port

pytestmark = pytest.mark.docker

NEWEST = [line.split() for line in (ROOT / "tests/ansible-core-versions.txt").read_text().splitlines()][-1][0]


def run(command, env=None, timeout=600, cwd=ROOT):
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False, cwd=cwd)


@pytest.fixture(scope="module")
def newest_core(tmp_path_factory):
    """The newest release's venv and the collection built and installed by its own ansible-galaxy."""
    made = run([str(ROOT / "scripts/core-venv.sh"), NEWEST])
    assert made.returncode == 0, made.stderr
    venv = Path(made.stdout.strip())
    out = tmp_path_factory.mktemp("newest-core")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "PYTHON"))}
    env.update(PATH=f"{venv}/bin:{env['PATH']}", ANSIBLE_HOME=str(out / "ansible-home"))
    built = run(
        [f"{venv}/bin/ansible-galaxy", "collection", "build", "--output-path", str(out), str(ROOT)], env=env, cwd=out
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = out.glob("ankinas-synology-*.tar.gz")
    # Outside the checkout (its ansible.cfg names .collections, where the checkout already is ankinas.synology).
    galaxy = [f"{venv}/bin/ansible-galaxy", "collection", "install", "--offline"]
    installed = run([*galaxy, "-p", str(out / "collections"), str(tarball)], env=env, cwd=out)
    assert (out / "collections/ansible_collections/ankinas/synology/MANIFEST.json").is_file(), installed.stdout
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv, out, env


@pytest.fixture(scope="module")
def nas(tmp_path_factory, docker_client, anki_server_images, ssh_nas_image):
    home = tmp_path_factory.mktemp("newest-nas") / "simnas"
    services = ("dsm", "portainer", "proxy", "ssh")
    ports = {f"SIMNAS_{name.upper()}_PORT": str(free_port()) for name in services}
    env = dict(os.environ, SIMNAS_HOME=str(home), **ports)
    supervisor = [sys.executable, "-m", "simnas.supervisor"]
    started = run([*supervisor, "start"], env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    name = f"ankinas-newest-{uuid.uuid4().hex[:8]}"
    yield {
        "env": {key: env[key] for key in ("SIMNAS_HOME", *ports)},
        "vars": {
            "anki_sync_server_container_name": name,
            "anki_sync_server_network": name,
            "anki_sync_server_portainer_stack_name": name,
            "anki_sync_server_host_port": free_port(),
            "anki_sync_server_hash_iterations": 1000,
        },
        "name": name,
    }
    for container in docker_client.containers.list(all=True, filters={"name": name}):
        container.remove(force=True, v=True)
    for network in docker_client.networks.list(names=[name]):
        network.remove()
    run([*supervisor, "stop"], env=env)


def site(newest_core, nas, method, **extra):
    """ankinas.synology.site with the newest release, on the demo inventory (the checkout's ansible.cfg)."""
    venv, out, env = newest_core
    env = dict(env, **nas["env"], ANKINAS_DEPLOY_METHOD=method)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(out / "collections"),
        ANSIBLE_LOCAL_TEMP=str(out / "tmp"),
    )
    command = [f"{venv}/bin/ansible-playbook", "ankinas.synology.site", "-i", str(ROOT / "inventories/demo")]
    process = run([*command, "-e", json.dumps(dict(nas["vars"], **extra))], env=env)
    output = process.stdout + process.stderr
    assert f"[core {NEWEST}]" in run([f"{venv}/bin/ansible-playbook", "--version"], env=env).stdout
    for secret in DEMO_SECRETS:
        assert secret not in output
    return process


def dsm_control(nas, path, method="GET"):
    ca = Path(nas["env"]["SIMNAS_HOME"]) / "ca" / "ca.crt"
    url = f"https://127.0.0.1:{nas['env']['SIMNAS_DSM_PORT']}/_sim/{path}"
    answer = requests.request(method, url, verify=ca, timeout=30, json={})
    answer.raise_for_status()
    return answer.json()


def test_site_converges_reruns_unchanged_and_syncs_on_the_newest_core(newest_core, nas, tmp_path, monkeypatch):
    first = site(newest_core, nas, "auto")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert "deployed through container_manager" in first.stdout
    # Nothing of the collection's own is deprecated on this release (the run prints Ansible's deprecations).
    assert "DEPRECATION" not in first.stdout + first.stderr, first.stdout + first.stderr
    assert "does not support Ansible version" not in first.stdout + first.stderr

    dsm_control(nas, "reset-counters", "POST")
    again = site(newest_core, nas, "auto")
    assert again.returncode == 0, again.stdout[-4000:]
    assert play_recap(again, "simnas")["changed"] == 0, again.stdout[-4000:]
    assert dsm_control(nas, "counters")["writes"] == {}

    # A real client, through DSM's reverse proxy over HTTPS, as a user's phone syncs.
    notes = anki_client.generate_notes(3, "newest")
    endpoint = f"https://anki.nas.test:{nas['env']['SIMNAS_PROXY_PORT']}/"
    with ConnectProxy() as tunnel:
        monkeypatch.setenv("HTTPS_PROXY", tunnel.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(Path(nas["env"]["SIMNAS_HOME"]) / "ca" / "ca.crt"))
        collection = anki_client.make_collection(tmp_path / "alice", notes)
        assert anki_client.sync(collection, "alice", "alice-demo-password", endpoint) == "full upload"
        assert anki_client.download_notes("alice", "alice-demo-password", endpoint) == sorted(notes)
        assert tunnel.tunnels


def test_the_docker_method_on_dsms_python_stops_before_any_change_saying_what_to_do(newest_core, nas, docker_client):
    name = f"ankinas-newest-docker-{uuid.uuid4().hex[:8]}"
    dsm_control(nas, "reset-counters", "POST")
    process = site(newest_core, nas, "docker", anki_sync_server_container_name=name, anki_sync_server_network=name)
    assert process.returncode != 0
    assert "DEPRECATION" not in process.stdout + process.stderr
    message = " ".join(process.stdout.split())
    assert f"ansible-core {NEWEST} runs its modules on Python 3.9 or newer only" in message
    assert "has Python 3.8 (/usr/bin/python3), as DSM 7 ships it" in message
    assert "Nothing was changed" in message and "container_manager method" in message
    assert docker_client.containers.list(all=True, filters={"name": name}) == []
    assert dsm_control(nas, "counters")["writes"] == {}
    with contextlib.suppress(StopIteration):
        assert play_recap(process, "simnas")["changed"] == 0
