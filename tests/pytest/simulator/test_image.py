"""The local stand-in of jeankhawand/anki-sync-server keeps the public image's contract, checked with a real
Anki client: sync on port 8080, data in /anki_data, users from SYNC_USERn, PASSWORDS_HASHED, PUID/PGID,
MAX_SYNC_PAYLOAD_MEGS, SYNC_PORT/SYNC_BASE ignored, a HEALTHCHECK on /health."""

import base64
import hashlib
import os
import secrets

import pytest
from anki.errors import SyncError, SyncErrorKind
from harness import anki_client

pytestmark = [pytest.mark.docker, pytest.mark.simulator]

USERS = {"alice": "alice-secret", "bob": "bob-secret"}


def pbkdf2_phc(password, iterations=600_000):
    """A PBKDF2-SHA256 PHC string, as the server verifies with PASSWORDS_HASHED."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)

    def b64(raw):
        return base64.b64encode(raw).decode().rstrip("=")

    return f"$pbkdf2-sha256$i={iterations},l=32${b64(salt)}${b64(digest)}"


def process_ids(server):
    """uid and gid of the container's PID 1 (after the entrypoint's exec), and its command line."""
    uid_gid = server.exec("stat", "-c", "%u:%g", "/proc/1").strip()
    cmdline = server.exec("cat", "/proc/1/cmdline").replace("\0", " ").strip()
    return uid_gid, cmdline


def test_sync_isolation_auth_and_persistence(run_anki_container, tmp_path):
    data = tmp_path / "anki_data"
    data.mkdir()
    server = run_anki_container(USERS, data_dir=data)
    server.wait_healthy()

    notes = anki_client.generate_notes(25, prefix="alice")
    local = anki_client.make_collection(tmp_path / "alice-client", notes)
    assert anki_client.sync(local, "alice", USERS["alice"], server.endpoint) == "full upload"
    assert anki_client.sync(local, "alice", USERS["alice"], server.endpoint) == "no changes"

    # a second, fresh client gets alice's notes; bob has none of them
    assert anki_client.download_notes("alice", USERS["alice"], server.endpoint) == sorted(notes)
    assert anki_client.download_notes("bob", USERS["bob"], server.endpoint) == []

    with pytest.raises(SyncError) as refused:
        anki_client.download_notes("alice", "wrong-password", server.endpoint)
    assert refused.value.kind == SyncErrorKind.AUTH
    assert anki_client.host_key_login(server.endpoint, "alice", USERS["alice"]) is True
    assert anki_client.host_key_login(server.endpoint, "alice", "wrong-password") is False
    assert anki_client.host_key_login(server.endpoint, "mallory", USERS["alice"]) is False

    # the data lives in the bind mount, per user
    assert (data / "alice" / "collection.anki2").is_file()

    # a new container on the same data serves the same notes
    server.remove()
    server = run_anki_container(USERS, data_dir=data, port=server.port)
    assert anki_client.download_notes("alice", USERS["alice"], server.endpoint) == sorted(notes)


def test_server_runs_as_default_user_1000(run_anki_container, tmp_path):
    server = run_anki_container({"alice": "pw"}, data_dir=tmp_path)
    uid_gid, cmdline = process_ids(server)
    assert "anki.syncserver" in cmdline
    assert uid_gid == "1000:1000"
    assert (tmp_path.stat().st_uid, tmp_path.stat().st_gid) == (1000, 1000)


def test_server_runs_as_puid_pgid_and_owns_its_files(run_anki_container, tmp_path):
    preexisting = tmp_path / "note.txt"
    preexisting.write_text("made by root before the container")
    server = run_anki_container({"alice": "pw"}, data_dir=tmp_path, env={"PUID": "1234", "PGID": "2345"})
    uid_gid, cmdline = process_ids(server)
    assert "anki.syncserver" in cmdline
    assert uid_gid == "1234:2345"

    path = anki_client.make_collection(tmp_path.parent / "client", anki_client.generate_notes(2))
    anki_client.sync(path, "alice", "pw", server.endpoint)
    for made in (tmp_path, tmp_path / "alice", tmp_path / "alice" / "collection.anki2"):
        assert (made.stat().st_uid, made.stat().st_gid) == (1234, 2345), made
    # like upstream, only /anki_data itself is chowned, not what is already in it
    assert preexisting.stat().st_uid == 0


def test_hashed_passwords(run_anki_container):
    phc = pbkdf2_phc("carol-secret")
    server = run_anki_container({"carol": phc}, env={"PASSWORDS_HASHED": "1"})
    assert anki_client.host_key_login(server.endpoint, "carol", "carol-secret") is True
    # the PHC string itself is not a password: the server really is in hashed mode
    assert anki_client.host_key_login(server.endpoint, "carol", phc) is False
    assert anki_client.download_notes("carol", "carol-secret", server.endpoint) == []


def test_sync_port_and_base_from_env_are_ignored(run_anki_container, tmp_path):
    server = run_anki_container(
        {"alice": "pw"}, data_dir=tmp_path, env={"SYNC_PORT": "27701", "SYNC_BASE": "/somewhere/else"}
    )
    # wait_ready() reached /health through the mapping to 8080; the healthcheck must not follow SYNC_PORT
    server.wait_healthy()
    assert anki_client.host_key_login(server.endpoint, "alice", "pw") is True
    assert (tmp_path / "alice").is_dir()


def test_max_sync_payload_megs_is_passed_through(run_anki_container, tmp_path):
    # A collection of about 7 MB of random text: refused under a 1 MiB limit with the server's own size
    # error, accepted by the same upload under the default 100 MiB. The upload goes without the client
    # library, which reports a refusal that comes while it is still sending as a bare NetworkError.
    notes = [(f"big {i}", base64.b64encode(secrets.token_bytes(6000)).decode()) for i in range(800)]
    limited = run_anki_container({"alice": "pw"}, env={"MAX_SYNC_PAYLOAD_MEGS": "1"})
    default = run_anki_container({"alice": "pw"})
    local = anki_client.make_collection(tmp_path / "client", notes)
    assert anki_client.upload_collection_file(limited.endpoint, "alice", "pw", local)[1] == (
        "collection exceeds size limit"
    )
    assert anki_client.upload_collection_file(default.endpoint, "alice", "pw", local) == (200, "OK")
    assert anki_client.download_notes("alice", "pw", default.endpoint) == sorted(notes)


@pytest.mark.parametrize("tag", ["25.07", "25.09"])
def test_tag_runs_its_anki_version(run_anki_container, docker_client, tag):
    server = run_anki_container({"alice": "pw"}, tag=tag)
    version = server.exec("/opt/anki/bin/python", "-c", "import anki.buildinfo as b; print(b.version)").strip()
    assert version.startswith(tag + "."), version
    image = docker_client.images.get(server.container.attrs["Config"]["Image"])
    assert image.attrs["Config"]["ExposedPorts"] == {"8080/tcp": {}}
    assert "/anki_data" in image.attrs["Config"]["Volumes"]
    assert anki_client.download_notes("alice", "pw", server.endpoint) == []
