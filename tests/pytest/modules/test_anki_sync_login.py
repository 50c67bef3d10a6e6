"""anki_sync_login, the post-deploy check of the roles, against a real sync server container."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from harness.runner import run_module

pytestmark = pytest.mark.docker


def test_the_login_check_names_the_user_whose_login_fails_and_no_password(run_anki_container):
    server = run_anki_container({"alice": "alice-pw-1", "bob": "bob-pw-1"})
    users = [{"name": "alice", "password": "alice-pw-1"}, {"name": "bob", "password": "bob-pw-WRONG"}]
    result = run_module("anki_sync_login", {"url": server.endpoint, "users": users})
    assert result.failed
    assert "refused the login of: bob." in result["msg"]
    assert "alice" not in result["msg"].split("refused the login of:")[1]
    for secret in ("alice-pw-1", "bob-pw-1", "bob-pw-WRONG"):
        assert secret not in result.stdout + result.stderr

    users[1]["password"] = "bob-pw-1"
    passed = run_module("anki_sync_login", {"url": server.endpoint, "users": users})
    assert not passed.failed, passed.get("msg")


class Recorder(BaseHTTPRequestHandler):
    """A forward proxy that records every request it is asked to carry and carries none (answers 502)."""

    seen = []

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        Recorder.seen.append((self.command, self.path, self.rfile.read(length) if length else b""))
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_CONNECT = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_proxy():
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", Recorder.seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", ["192.0.2.10", "anki.example.invalid"])
def test_a_plain_http_url_to_another_host_is_refused_before_any_request(recording_proxy, host):
    """The passwords never cross the network in clear: a http:// URL that is not an address of this host is refused
    before the first request, which a proxy between the module and the network would otherwise carry (and see)."""
    proxy, seen = recording_proxy
    users = [{"name": "alice", "password": "alice-pw-in-clear"}]
    env = {"http_proxy": proxy, "HTTP_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""}
    result = run_module("anki_sync_login", {"url": f"http://{host}:27701/", "users": users, "wait_timeout": 3}, env=env)
    assert result.failed
    assert f"is plain HTTP to {host}, which is not an address of this host" in result["msg"], result["msg"]
    assert "use the HTTPS reverse proxy's URL" in result["msg"]
    assert seen == [], f"the module sent {len(seen)} request(s) before refusing"
    assert "alice-pw-in-clear" not in result.stdout + result.stderr


def test_the_check_names_the_user_whose_collection_cannot_be_opened(run_anki_container, tmp_path):
    """Both users log in, but bob's collection cannot be opened (its file is not a database, as after a bad copy):
    the check fails naming bob alone, with the HTTP status, and says what to look at."""
    data = tmp_path / "anki_data"
    data.mkdir()
    server = run_anki_container({"alice": "alice-pw-1", "bob": "bob-pw-1"}, data_dir=data)
    (data / "bob" / "collection.anki2").write_bytes(b"not a database, a broken copy" * 100)
    users = [{"name": "alice", "password": "alice-pw-1"}, {"name": "bob", "password": "bob-pw-1"}]
    result = run_module("anki_sync_login", {"url": server.endpoint, "users": users})
    assert result.failed
    message = result["msg"]
    assert message.startswith("the Anki sync server cannot open the collection of: bob (HTTP "), message
    assert "alice" not in message and "belong to the container's PUID:PGID" in message
    assert (data / "alice" / "collection.anki2").is_file()  # alice's opened (the server made it)
    for secret in ("alice-pw-1", "bob-pw-1"):
        assert secret not in result.stdout + result.stderr


class SilentLogin(BaseHTTPRequestHandler):
    """A server whose /health answers and whose login never does (a password check that outlasts the wait)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        SilentLogin.release.wait(30)

    def log_message(self, *args):
        pass


def test_a_login_that_gets_no_answer_fails_naming_the_user_and_the_wait():
    """The login's answer is waited for up to wait_timeout, then the check fails naming the user and the time (a
    bare 'timed out' from the socket before), with no password in the output."""
    SilentLogin.release = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SilentLogin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        users = [{"name": "alice", "password": "alice-pw-silent"}]
        url = f"http://127.0.0.1:{server.server_port}/"
        result = run_module("anki_sync_login", {"url": url, "users": users, "wait_timeout": 2})
    finally:
        SilentLogin.release.set()
        server.shutdown()
        server.server_close()
    assert result.failed
    assert result["msg"].startswith("the login request for user 'alice' got no answer within 2 s ("), result["msg"]
    assert "raise wait_timeout on a slow NAS" in result["msg"]
    assert "alice-pw-silent" not in result.stdout + result.stderr
