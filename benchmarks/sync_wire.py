"""Bytes on the wire: a TCP relay that counts what passes each way, put in front of a sync endpoint.

The client is pointed at the relay's port instead of the server's (for https://anki.nas.test:PORT/ behind a
CONNECT tunnel the tunnel then connects to the relay, which connects to PORT), so the counts are what the
client really sent and received: TLS records and HTTP headers included, nothing decompressed.
"""

import contextlib
import socket
import threading
import urllib.parse


class CountingRelay:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, int(target_port))
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._lock = threading.Lock()
        self.sent = 0  # client -> server
        self.received = 0  # server -> client
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @classmethod
    def in_front_of(cls, endpoint):
        """(relay, the endpoint rewritten to the relay's port) for an http(s)://host:port/ endpoint."""
        parts = urllib.parse.urlsplit(endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        relay = cls(port).start()
        rewritten = parts._replace(netloc=f"{parts.hostname}:{relay.port}")
        return relay, urllib.parse.urlunsplit(rewritten)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        self._thread.join(timeout=5)

    def reset(self):
        with self._lock:
            self.sent = self.received = 0

    def snapshot(self):
        with self._lock:
            return self.sent, self.received

    def _serve(self):
        while not self._stopped.is_set():
            try:
                client, _address = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        with contextlib.closing(client):
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                return
            with contextlib.closing(upstream):
                upstream.settimeout(None)
                back = threading.Thread(target=self._pipe, args=(upstream, client, "received"), daemon=True)
                back.start()
                self._pipe(client, upstream, "sent")
                back.join(timeout=60)

    def _pipe(self, source, sink, counter):
        try:
            while True:
                data = source.recv(262144)
                if not data:
                    break
                sink.sendall(data)
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(data))
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
