"""A counting proxy on a unix socket in front of the Docker Engine.

The playbook's Docker client (community.docker, via anki_sync_server_docker_host) talks to this socket;
every byte goes through unchanged to the engine's socket, and each HTTP request of the client is counted
as "METHOD /route" (API version prefix dropped, names and ids replaced by {id}). Requests are parsed from
the client's byte stream (request line, headers, Content-Length or chunked body), so keep-alive
connections that carry several requests count every one. A connection that upgrades (attach, exec)
stops being parsed after the upgrade request; the playbook never does that.

Why not the daemon's debug log: the daemon is shared with other users of this machine and runs without
--debug; a proxy counts only our client's requests, exactly, without restarting anyone's daemon.
"""

import collections
import contextlib
import os
import re
import socket
import threading

READ_METHODS = {"GET", "HEAD"}
VERSION_PREFIX = re.compile(r"^/v[0-9.]+(?=/)")
# /containers/NAME/json -> /containers/{id}/json; the collections' first path segment stays.
COLLECTION_ITEM = re.compile(
    r"^/(containers|networks|images|volumes|exec|plugins|services|tasks)/(?!json$|create$)[^/]+"
)


def route(method, target):
    path = target.split("?", 1)[0]
    path = VERSION_PREFIX.sub("", path)
    if path.startswith("/images/"):
        # Image names carry slashes and a tag: /images/NAME[:TAG]/json
        path = re.sub(r"^/images/.+/(json|history|push|tag|get)$", r"/images/{id}/\1", path)
    else:
        path = COLLECTION_ITEM.sub(lambda m: f"/{m.group(1)}/{{id}}", path)
    return f"{method} {path}"


class _RequestCounter:
    """Feeds the client->engine bytes of one connection; calls on_request(method, target) per request."""

    def __init__(self, on_request):
        self.on_request = on_request
        self.buffer = b""
        self.body_left = 0
        self.chunked = False
        self.upgraded = False

    def feed(self, data):
        if self.upgraded:
            return
        self.buffer += data
        while self._step():
            pass

    def _step(self):
        if self.body_left:
            taken = min(self.body_left, len(self.buffer))
            self.buffer = self.buffer[taken:]
            self.body_left -= taken
            return bool(self.buffer) and not self.body_left
        if self.chunked:
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(self.buffer[:line_end].split(b";")[0] or b"0", 16)
            if size == 0:
                trailer_end = self.buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return False
                self.buffer = self.buffer[trailer_end + 4 :]
                self.chunked = False
                return bool(self.buffer)
            self.buffer = self.buffer[line_end + 2 :]
            self.body_left = size + 2  # the chunk and its CRLF
            return bool(self.buffer)
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        head = self.buffer[:head_end].decode("latin-1").split("\r\n")
        self.buffer = self.buffer[head_end + 4 :]
        method, target, _version = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            key, _colon, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        self.on_request(method, target)
        if "upgrade" in headers.get("connection", "").lower():
            self.upgraded = True
            return False
        if headers.get("transfer-encoding", "").lower() == "chunked":
            self.chunked = True
        else:
            self.body_left = int(headers.get("content-length", "0") or 0)
        return bool(self.buffer)


class CountingDockerProxy:
    """CountingDockerProxy(path, engine_socket).start(); .url is unix://path; snapshot() and reset()."""

    def __init__(self, path, engine_socket="/var/run/docker.sock"):
        self.path = str(path)
        self.engine_socket = engine_socket
        self.url = f"unix://{self.path}"
        self.calls = collections.Counter()
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    def start(self):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.path)
        self._server.listen(64)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def reset(self):
        with self._lock:
            self.calls = collections.Counter()

    def snapshot(self):
        with self._lock:
            return dict(self.calls)

    def _count(self, method, target):
        with self._lock:
            self.calls[route(method, target)] += 1

    def _serve(self):
        while True:
            try:
                client, _address = self._server.accept()
            except (OSError, AttributeError):
                return
            threading.Thread(target=self._connection, args=(client,), daemon=True).start()

    def _connection(self, client):
        engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            engine.connect(self.engine_socket)
        except OSError:
            client.close()
            return
        counter = _RequestCounter(self._count)
        back = threading.Thread(target=_pipe, args=(engine, client, None), daemon=True)
        back.start()
        _pipe(client, engine, counter.feed)
        back.join(timeout=60)
        client.close()
        engine.close()


def _pipe(source, sink, observe):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if observe is not None:
                observe(data)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def split_calls(calls):
    """(reads, writes) totals of a {"METHOD /route": n} mapping."""
    reads = sum(n for key, n in calls.items() if key.split(" ", 1)[0] in READ_METHODS)
    return reads, sum(calls.values()) - reads
