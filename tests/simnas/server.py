"""Runs a simulator's WSGI app on a port, in a thread (tests) or in the foreground (CLI).

A server without a port binds port 0 and reads its port back (no other process can take it in between);
free_port() reserves a port for a program that binds it later (simnas.ports).
"""

import ssl
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from simnas import ports

#: a port reserved for a program that binds it later (simnas.ports.free_port): the tests' one import for it
free_port = ports.free_port


class _Handler(WSGIRequestHandler):
    """Werkzeug's handler with TCP_NODELAY on each connection (socketserver's switch, off by default).

    Werkzeug writes an answer's headers and body in separate writes (separate TLS records); with Nagle's algorithm on,
    the kernel holds the body until the client acknowledges the headers, which the client delays: about 14 ms per
    request here (20 ms against 6 ms per DSM request, measured with http.client on this machine). nginx, which
    serves DSM's Web API on a real NAS, sets TCP_NODELAY on keep-alive connections by default (tcp_nodelay on).
    This changes no answer, only how fast the simulator gets it out."""

    disable_nagle_algorithm = True


class RunningServer:
    """A WSGI app served on host:port (HTTPS when given a cert and key), stopped by stop(); port 0 (the default):
    the kernel's choice, bound at once and read back (self.port)."""

    def __init__(self, app, host="127.0.0.1", port=0, certfile=None, keyfile=None):
        context = None
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
        self._server = make_server(host, port, app, threaded=True, request_handler=_Handler, ssl_context=context)
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
