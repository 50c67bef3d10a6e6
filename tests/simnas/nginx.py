"""The simulated NAS's reverse proxy: DSM's reverse-proxy rules rendered into a real nginx.

DSM keeps its rules in /usr/syno/etc/www/ReverseProxy.json and renders them into nginx, reloading it on
each change. The simulator does the same with the installed nginx: ReverseProxyNginx.apply() renders one
server block per rule into DIR/nginx.conf, checks it with `nginx -t`, swaps it in and reloads the running
master (`nginx -s reload -p DIR -c DIR/nginx.conf`), then waits until the new configuration answers.

Choices (see docs/DEVELOPING.md, "The simulated NAS's nginx"):
- client_max_body_size 0 (no limit at the proxy): an Anki full upload sends the whole collection in one
  request, and the sync server enforces its own limit (MAX_SYNC_PAYLOAD_MEGS) with a meaningful error. A
  second, smaller limit at the proxy would only turn large syncs into bare 413s. Configurable.
- Frontend ports can be remapped (frontend_port_map {443: 8443}, then frontend_port_offset) so that tests
  run rules on 443 without binding 443; the rule keeps its port, only the listener moves. The listeners bind
  listen_address (127.0.0.1 by default).
- HTTP/2: on DSM 7 the global switch (SYNO.Core.Web.DSM enable_spdy) decides for every HTTPS listener
  (apply(http2=True/False)); the per-rule key is ignored. With http2=None (the DSM 6 personality) a rule's
  `frontend.https.http2` counts; nginx before 1.25.1 has no per-server `http2 on;`, there HTTP/2 is a
  parameter of the listening socket, so a port offers HTTP/2 when any rule on it asks for it (as DSM 6.2's
  `listen ... ssl http2` did).
- A control server on a private port answers /_generation with the number of the configuration, so a
  reload is finished when the new number answers (nginx -s reload only sends a signal).
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from simnas.server import free_port
from simnas.waiting import WaitTimeout, wait_until

HSTS_VALUE = "max-age=15768000"
PROXY_HEADERS = (
    ("Host", "$http_host"),
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Forwarded-Proto", "$scheme"),
)


class NginxError(Exception):
    """nginx refused the configuration or did not (re)start; the message carries nginx's own words."""


def nginx_version(binary="nginx"):
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True)
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out.stderr + out.stdout)
    return tuple(int(part) for part in match.groups()) if match else (0, 0, 0)


def _quote(value):
    """A string as an nginx double-quoted parameter; $variables stay variables, as DSM's presets need."""
    return '"{}"'.format(str(value).replace("\\", "\\\\").replace('"', '\\"'))


def _host_for_url(host):
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _resolves(host):
    try:
        socket.getaddrinfo(host.strip("[]"), None)
        return True
    except OSError:
        return False


class ReverseProxyNginx:
    """A real nginx serving the simulated NAS's reverse-proxy rules."""

    def __init__(
        self,
        directory,
        default_certificate,
        frontend_port_map=None,
        frontend_port_offset=0,
        listen_address="127.0.0.1",
        client_max_body_size="0",
        binary=None,
    ):
        self.directory = Path(directory)
        self.default_certificate = tuple(str(path) for path in default_certificate)
        self.frontend_port_map = {int(key): int(value) for key, value in (frontend_port_map or {}).items()}
        self.frontend_port_offset = int(frontend_port_offset)
        self.listen_address = listen_address
        self.client_max_body_size = client_max_body_size
        self.binary = binary or shutil.which("nginx") or "/usr/sbin/nginx"
        self.version = nginx_version(self.binary)
        self.conf = self.directory / "nginx.conf"
        self.pid_file = self.directory / "nginx.pid"
        self.error_log = self.directory / "logs" / "error.log"
        self.control_port = free_port()
        self.generation = 0
        self._process = None
        self._rules = []
        self._certificates = {}

    # --- rendering -----------------------------------------------------------------------------
    def frontend_port(self, port):
        """The port nginx listens on for a rule's frontend port."""
        port = int(port)
        return self.frontend_port_map.get(port, port + self.frontend_port_offset)

    def render(self, rules, certificates, generation, http2=None):
        """nginx.conf for the rules (entries as DSM lists them); certificates: rule UUID -> (cert, key).

        http2: DSM 7's global switch for every HTTPS listener, or None for the rules' own key (DSM 6).
        """
        d = self.directory
        lines = [
            "# Written by the simulated NAS (simnas.nginx) from its reverse-proxy rules; do not edit.",
            "worker_processes 1;",
            f"pid {d / 'nginx.pid'};",
            f"error_log {self.error_log} warn;",
        ]
        if os.geteuid() == 0:
            # Workers write large request bodies to the temp paths below, which root created.
            lines.append("user root;")
        lines += [
            "events { worker_connections 512; }",
            "http {",
            f"    access_log {d / 'logs' / 'access.log'};",
            f"    client_body_temp_path {d / 'temp' / 'client_body'};",
            f"    proxy_temp_path {d / 'temp' / 'proxy'};",
            f"    fastcgi_temp_path {d / 'temp' / 'fastcgi'};",
            f"    uwsgi_temp_path {d / 'temp' / 'uwsgi'};",
            f"    scgi_temp_path {d / 'temp' / 'scgi'};",
            "    server_tokens off;",
            f"    client_max_body_size {self.client_max_body_size};",
            "    # DSM's WebSocket preset sends Connection: $connection_upgrade.",
            "    map $http_upgrade $connection_upgrade {",
            "        default upgrade;",
            "        '' close;",
            "    }",
            "    server {",
            f"        listen 127.0.0.1:{self.control_port};",
            "        access_log off;",
            f'        location = /_generation {{ return 200 "{generation}"; }}',
            "    }",
        ]
        http2_ports = {
            self.frontend_port(rule["frontend"]["port"])
            for rule in rules
            if rule["frontend"].get("protocol") == 1
            and (http2 if http2 is not None else (rule["frontend"].get("https") or {}).get("http2"))
        }
        per_server_http2 = self.version >= (1, 25, 1)
        for rule in rules:
            lines += self._server(rule, certificates, http2_ports, per_server_http2)
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _server(self, rule, certificates, http2_ports, per_server_http2):
        front, back = rule["frontend"], rule["backend"]
        https = front.get("protocol") == 1
        options = (front.get("https") or {}) if https else {}
        port = self.frontend_port(front["port"])
        listen = f"{self.listen_address}:{port}"
        if https:
            listen += " ssl"
            if not per_server_http2 and port in http2_ports:
                listen += " http2"
        fqdn = front.get("fqdn") or "_"
        lines = [
            "    # rule {} {}".format(rule.get("UUID"), _quote(rule.get("description", ""))),
            "    server {",
            f"        listen {listen};",
            f"        server_name {'_' if fqdn == '*' else fqdn};",
        ]
        if https:
            cert, key = certificates.get(rule.get("UUID")) or self.default_certificate
            lines += [f"        ssl_certificate {cert};", f"        ssl_certificate_key {key};"]
            if per_server_http2:
                lines.append(f"        http2 {'on' if port in http2_ports else 'off'};")
            if options.get("hsts"):
                lines.append(f'        add_header Strict-Transport-Security "{HSTS_VALUE}" always;')
        scheme = "https" if back.get("protocol") == 1 else "http"
        target = f"{scheme}://{_host_for_url(back['fqdn'])}:{int(back['port'])}"
        lines.append("        location / {")
        if _resolves(back["fqdn"]):
            lines.append(f"            proxy_pass {target};")
        else:
            # nginx resolves literal upstream names at load time; an unknown name must not take every
            # other rule down with it, so it is looked up per request (and answers 502).
            lines += [f"            set $ankinas_backend {_quote(target)};", "            proxy_pass $ankinas_backend;"]
        headers = list(PROXY_HEADERS) + [(h["name"], h["value"]) for h in rule.get("customize_headers") or []]
        for name, value in headers:
            lines.append(f"            proxy_set_header {name} {_quote(value)};")
        lines += [
            f"            proxy_http_version {'1.1' if rule.get('proxy_http_version', 1) == 1 else '1.0'};",
            f"            proxy_connect_timeout {int(rule.get('proxy_connect_timeout', 60))}s;",
            f"            proxy_read_timeout {int(rule.get('proxy_read_timeout', 60))}s;",
            f"            proxy_send_timeout {int(rule.get('proxy_send_timeout', 60))}s;",
            f"            proxy_intercept_errors {'on' if rule.get('proxy_intercept_errors') else 'off'};",
            "        }",
            "    }",
        ]
        return lines

    # --- lifecycle -----------------------------------------------------------------------------
    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    def apply(self, rules, certificates, http2=None):
        """Render, check with nginx -t, swap in, and reload (or start); raise NginxError on refusal."""
        generation = self.generation + 1
        self._prepare()
        candidate = self.directory / "nginx.conf.new"
        candidate.write_text(self.render(rules, certificates, generation, http2))
        check = subprocess.run(
            [self.binary, "-t", "-q", "-p", str(self.directory), "-c", str(candidate)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            candidate.unlink()
            raise NginxError(f"nginx -t refused the configuration: {check.stderr.strip()}")
        os.replace(candidate, self.conf)
        self._rules, self._certificates = rules, certificates
        if self.running:
            subprocess.run(
                [self.binary, "-s", "reload", "-p", str(self.directory), "-c", str(self.conf)],
                capture_output=True,
                check=True,
            )
            self._await_generation(generation)
            self._await_old_workers_gone()
        else:
            self._start(generation)
        self.generation = generation

    def start(self, rules=(), certificates=None):
        if not self.running:
            self.apply(list(rules), dict(certificates or {}))

    def _prepare(self):
        for sub in ("logs", "temp/client_body", "temp/proxy", "temp/fastcgi", "temp/uwsgi", "temp/scgi"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        self._stop_stale()

    def _stop_stale(self):
        """An nginx left behind by a killed simulator on this directory is stopped before a new start."""
        if self.running or not self.pid_file.exists():
            return
        with contextlib.suppress(ValueError, OSError):
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if "nginx" in cmdline and str(self.directory) in cmdline:
                os.kill(pid, signal.SIGTERM)
                wait_until(lambda: not Path(f"/proc/{pid}").exists(), 5, f"the stale nginx {pid} to exit")
        with contextlib.suppress(OSError):
            self.pid_file.unlink()

    def _start(self, generation):
        self._process = subprocess.Popen(
            [self.binary, "-p", str(self.directory), "-c", str(self.conf), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            self._await_generation(generation)
        except NginxError:
            self.stop()
            raise

    def _await_generation(self, generation, timeout=10):
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        url = f"http://127.0.0.1:{self.control_port}/_generation"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise NginxError(f"nginx exited ({self._process.returncode}): {err.strip() or self._log_tail()}")
            with contextlib.suppress(OSError), opener.open(url, timeout=1) as answer:
                if answer.read().decode() == str(generation):
                    return
            time.sleep(0.05)
        raise NginxError(f"nginx did not load configuration {generation} within {timeout}s: {self._log_tail()}")

    def _await_old_workers_gone(self, timeout=10):
        """After a reload the old workers finish their connections and exit; until then one of them may still
        accept a new connection on a shared listener and serve it with the old configuration, as DSM's nginx
        does for a moment too. Tests want the new configuration only, so wait for them."""
        try:
            wait_until(lambda: not self._shutting_down_workers(), timeout, "the old nginx workers to exit")
        except WaitTimeout as exc:
            raise NginxError(f"{exc}: {self._log_tail()}") from None

    def _shutting_down_workers(self):
        master = f"\nPPid:\t{self._process.pid}\n"
        count = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                if master in status.read_text() and b"shutting down" in (status.parent / "cmdline").read_bytes():
                    count += 1
        return count

    def _log_tail(self, lines=5):
        with contextlib.suppress(OSError):
            return " | ".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])
        return "no error log"

    def stop(self):
        """Stop the master (and its workers); safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if process.stderr:
            process.stderr.close()
