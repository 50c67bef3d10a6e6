"""Runs a simulator's WSGI app on a port, in a thread (tests) or in the foreground (CLI)."""

import socket
import ssl
import threading

from werkzeug.serving import make_server


def free_port(host="127.0.0.1"):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class RunningServer:
    """A WSGI app served on host:port (HTTPS when given a cert and key), stopped by stop()."""

    def __init__(self, app, host="127.0.0.1", port=0, certfile=None, keyfile=None):
        context = None
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
        self._server = make_server(host, port or free_port(host), app, threaded=True, ssl_context=context)
        self.host = host
        self.port = self._server.server_port
        self.url = f"{'https' if context else 'http'}://{host}:{self.port}"
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
