# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The login check of the module anki_sync_login: each user logs in to the Anki sync server as the Anki client does
(POST /sync/hostKey), then opens its collection (POST /sync/meta).

PRIVATE to the collection: it can change at any time. It runs on the NAS, under DSM's Python 3.8 with the standard
library only (pyproject.toml lists it).
"""

import ipaddress
import json
import socket
import struct
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from ansible_collections.ankinas.synology.plugins.module_utils._http import Opener
from ansible_collections.ankinas.synology.plugins.module_utils._wait import WaitTimeout, wait_until

SYNC_VERSION = 11
CLIENT = "ankinas-login-check,0.2.0,linux"
ZSTD_MAGIC = 0xFD2FB528


def sync_header(host_key=""):
    return json.dumps({"v": SYNC_VERSION, "k": host_key, "c": CLIENT, "s": ""})


def zstd_raw_frame(payload):
    """One zstd frame holding payload uncompressed (a single raw block): what the server decodes."""
    size = len(payload)
    if size < 256:
        header = bytes([0x20]) + struct.pack("<B", size)  # single segment, 1-byte content size
    else:
        header = bytes([0x60]) + struct.pack("<H", size - 256)  # single segment, 2-byte content size
    block = ((size << 3) | 1).to_bytes(3, "little")  # last block, raw, size
    return struct.pack("<I", ZSTD_MAGIC) + header + block + payload


def zstd_read_stored(frame):
    """The content of a zstd frame made of raw and RLE blocks (what zstd emits for short, incompressible
    answers such as the login's host key); None when it holds compressed blocks."""
    if len(frame) < 6 or struct.unpack("<I", frame[:4])[0] != ZSTD_MAGIC:
        return None
    descriptor = frame[4]
    position = 5
    single_segment = descriptor & 0x20
    if not single_segment:
        position += 1  # window descriptor
    position += (0, 1, 2, 4)[descriptor & 0x03]  # dictionary id
    size_field = (descriptor >> 6) & 0x03
    position += (1 if single_segment else 0, 2, 4, 8)[size_field]
    content = b""
    while position + 3 <= len(frame):
        block = int.from_bytes(frame[position : position + 3], "little")
        position += 3
        last, kind, size = block & 1, (block >> 1) & 3, block >> 3
        if kind == 0:
            content += frame[position : position + size]
            position += size
        elif kind == 1:
            content += frame[position : position + 1] * size
            position += 1
        else:
            return None
        if last:
            return content
    return None


def is_own_address(host):
    """True when every address host resolves to belongs to this machine (a bind() to it succeeds)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    for family, _type, _proto, _name, address in infos:
        if ipaddress.ip_address(address[0].split("%")[0]).is_loopback:
            continue
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address[0], 0))
            except OSError:
                return False
    return bool(infos)


class SyncServer:
    def __init__(self, module):
        self.module = module
        self.base = module.params["url"].rstrip("/") + "/"
        self._http = None  # the Opener, made at the first request (it reads the CA file)

    def _open(self, path, data=None, headers=None):
        if self._http is None:
            self._http = Opener(self.module.params["validate_certs"], self.module.params["ca_path"])
        method = "POST" if data is not None else "GET"
        return self._http.open(
            self.base + path, data=data, headers=headers, method=method, timeout=self.module.params["wait_timeout"]
        )

    def wait_healthy(self):
        started = time.monotonic()
        timeout = self.module.params["wait_timeout"]
        try:
            wait_until(
                lambda: self._open("health"),
                lambda _answer: True,
                timeout,
                lambda last_error: (
                    f"the Anki sync server at {self.base} did not answer /health within {timeout} s "
                    f"(last error: {last_error}); check the container's log"
                ),
                retry_on=(HTTPError, URLError, OSError),
            )
        except WaitTimeout as exc:
            self.module.fail_json(msg=str(exc))
        return time.monotonic() - started

    def host_key(self, name, password):
        """The user's host key, or None when the server refuses the login."""
        body = zstd_raw_frame(json.dumps({"u": name, "p": password}).encode("utf-8"))
        try:
            answer = self._open("sync/hostKey", data=body, headers={"anki-sync": sync_header()}).read()
        except HTTPError as exc:
            if exc.code == 403:
                return None
            self.module.fail_json(msg=f"the login request for user {name!r} answered HTTP {exc.code}")
        except (URLError, OSError) as exc:  # a timeout too: socket.timeout is an OSError
            self.module.fail_json(
                msg=f"the login request for user {name!r} got no answer within {self.module.params['wait_timeout']} s "
                f"({exc}); check the container's log, or raise wait_timeout on a slow NAS"
            )
        content = zstd_read_stored(answer)
        try:
            return json.loads(content)["key"]
        except (TypeError, ValueError, KeyError):
            self.module.fail_json(msg=f"the login answer for user {name!r} is not a host key the module can read")

    def collection_error(self, name, host_key):
        """Why the server cannot open the user's collection (POST /sync/meta), or None when it can."""
        body = zstd_raw_frame(json.dumps({"v": SYNC_VERSION, "cv": CLIENT}).encode("utf-8"))
        try:
            self._open("sync/meta", data=body, headers={"anki-sync": sync_header(host_key)}).read()
        except HTTPError as exc:
            return f"{name} (HTTP {exc.code})"
        except (URLError, OSError) as exc:
            return f"{name} ({exc})"
        return None


def check_plain_http(module):
    url = urlsplit(module.params["url"])
    if url.scheme not in ("http", "https") or not url.hostname:
        module.fail_json(msg=f"url must be an http:// or https:// URL (got {module.params['url']!r})")
    if url.scheme == "http" and not is_own_address(url.hostname):
        module.fail_json(
            msg=f"url {module.params['url']!r} is plain HTTP to {url.hostname}, which is not an address of this host: "
            "the passwords would cross the network in clear. Run the check on the NAS against http://127.0.0.1:PORT/ "
            "or use the HTTPS reverse proxy's URL"
        )


def check_logins(module):
    """Wait until the server is healthy, log every user in and open each collection; exit the module."""
    check_plain_http(module)
    server = SyncServer(module)
    health_seconds = server.wait_healthy()
    refused, unopened = [], []
    for user in module.params["users"]:
        host_key = server.host_key(user["name"], user["password"])
        if host_key is None:
            refused.append(user["name"])
        elif error := server.collection_error(user["name"], host_key):
            unopened.append(error)
    if refused:
        module.fail_json(
            msg=f"the Anki sync server refused the login of: {', '.join(refused)}. The deployed password (or hash) "
            "does not match; rerun the play, and if it persists look for another SYNC_USERn with the same name"
        )
    if unopened:
        module.fail_json(
            msg=f"the Anki sync server cannot open the collection of: {', '.join(unopened)}. Check that the data "
            "directory and everything in it belong to the container's PUID:PGID, and read the container's log"
        )
    module.exit_json(
        changed=False, users=[user["name"] for user in module.params["users"]], health_seconds=health_seconds
    )
