"""A tiny HTTP CONNECT proxy that sends every tunnel to one address (127.0.0.1 by default).

Clients that honour HTTPS_PROXY (curl, requests, and the Rust Anki client) can then reach
https://anki.nas.test:PORT/ with real SNI and certificate checks, without /etc/hosts or DNS: the proxy
ignores the host name of CONNECT and connects to the same port on its target address.
"""

import contextlib
import os
import socket
import threading


class ConnectProxy:
    def __init__(self, target="127.0.0.1"):
        self.target = target
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        #: the CONNECT targets seen, e.g. ["anki.nas.test:8443"]
        self.tunnels = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        self._thread.join(timeout=5)

    def client_env(self, ca_path):
        """The environment of a client process (the Rust Anki client) that trusts ca_path and goes through here."""
        env = dict(os.environ, SSL_CERT_FILE=str(ca_path), HTTPS_PROXY=self.url, https_proxy=self.url)
        env.pop("NO_PROXY", None)
        env.pop("no_proxy", None)
        return env

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _serve(self):
        while not self._stopped.is_set():
            try:
                client, _address = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client):
        with contextlib.closing(client):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk or len(head) > 65536:
                    return
                head += chunk
            method, target, _version = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
            _host, _colon, port = target.rpartition(":")
            if method != "CONNECT" or not port.isdigit():
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.tunnels.append(target)
            try:
                upstream = socket.create_connection((self.target, int(port)), timeout=10)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with contextlib.closing(upstream):
                upstream.settimeout(None)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                rest = head.split(b"\r\n\r\n", 1)[1]
                if rest:
                    upstream.sendall(rest)
                pump = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
                pump.start()
                _pipe(client, upstream)
                pump.join(timeout=30)


def _pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
