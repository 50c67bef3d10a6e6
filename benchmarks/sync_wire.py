"""Bytes on the wire: a TCP relay that counts what passes each way, put in front of a sync endpoint.

The client is pointed at the relay's port instead of the server's (for https://anki.nas.test:PORT/ behind a
CONNECT tunnel the tunnel then connects to the relay, which connects to PORT), so the counts are what the
client really sent and received: TLS records and HTTP headers included, nothing decompressed.
"""

import contextlib
import socket
import threading
import urllib.parse

from harness.connect_proxy import ConnectProxy


class CountingRelay(ConnectProxy):
    """ConnectProxy's listener and threads; every connection is relayed as it is to target_port, and counted."""

    def __init__(self, target_port, target_host="127.0.0.1"):
        super().__init__(target_host)
        self.target_port = int(target_port)
        self._lock = threading.Lock()
        self.sent = 0  # client -> server
        self.received = 0  # server -> client

    @classmethod
    def in_front_of(cls, endpoint):
        """(relay, the endpoint rewritten to the relay's port) for an http(s)://host:port/ endpoint."""
        parts = urllib.parse.urlsplit(endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        relay = cls(port).start()
        rewritten = parts._replace(netloc=f"{parts.hostname}:{relay.port}")
        return relay, urllib.parse.urlunsplit(rewritten)

    def reset(self):
        with self._lock:
            self.sent = self.received = 0

    def snapshot(self):
        with self._lock:
            return self.sent, self.received

    def _tunnel(self, client):
        with contextlib.closing(client):
            try:
                upstream = socket.create_connection((self.target, self.target_port), timeout=10)
            except OSError:
                return
            with contextlib.closing(upstream):
                upstream.settimeout(None)
                back = threading.Thread(target=self._count, args=(upstream, client, "received"), daemon=True)
                back.start()
                self._count(client, upstream, "sent")
                back.join(timeout=60)

    def _count(self, source, sink, counter):
        try:
            while data := source.recv(262144):
                sink.sendall(data)
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(data))
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
