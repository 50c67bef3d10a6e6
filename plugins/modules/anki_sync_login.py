#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: anki_sync_login
short_description: Prove that users can log in to an Anki sync server
version_added: 0.1.0
author:
  - ankinas.synology maintainers (@ankinas)
description:
  - Waits until the Anki sync server answers C(GET /health), then logs in as each user with the sync
    protocol's own login request (C(POST /sync/hostKey)), the request Anki clients send first.
  - Fails naming every user whose login the server refuses, so a broken password or hash is caught at
    deploy time instead of on the users' phones.
  - Changes nothing, on the server or elsewhere.
options:
  url:
    description:
      - Base URL of the sync server, as the clients use it (for example V(http://nas.lan:27701/)).
    type: str
    required: true
  users:
    description: The users to log in as.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      password:
        description: Plaintext password.
        type: str
        required: true
  wait_timeout:
    description: Seconds to wait for C(/health) to answer 200.
    type: int
    default: 60
  validate_certs:
    description: Verify the server's TLS certificate when O(url) is HTTPS.
    type: bool
    default: true
  ca_path:
    description: A CA bundle to verify the server's certificate with.
    type: path
extends_documentation_fragment:
  - ankinas.synology.attributes
  - ankinas.synology.attributes.INFO_MODULE
notes:
  - The login request is protocol v11 (Anki 2.1.57 and later), whose body is a zstd frame. The module writes the
    frame itself (one raw block), so no zstd library is needed.
"""

EXAMPLES = r"""
- name: Prove each user can log in
  ankinas.synology.anki_sync_login:
    url: http://nas.lan:27701/
    users: "{{ anki_users }}"
  delegate_to: localhost
"""

RETURN = r"""
users:
  description: The users that logged in.
  returned: success
  type: list
  elements: str
  sample: [alice, bob]
health_seconds:
  description: How long the server took to answer C(/health).
  returned: success
  type: float
"""

import json
import struct
import time
from urllib.error import HTTPError, URLError

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

SYNC_HEADER = json.dumps({"v": 11, "k": "", "c": "ankinas-login-check", "s": ""})


def zstd_raw_frame(payload):
    """One zstd frame holding payload uncompressed (a single raw block): what the server decodes."""
    size = len(payload)
    if size < 256:
        header = bytes([0x20]) + struct.pack("<B", size)  # single segment, 1-byte content size
    else:
        header = bytes([0x60]) + struct.pack("<H", size - 256)  # single segment, 2-byte content size
    block = ((size << 3) | 1).to_bytes(3, "little")  # last block, raw, size
    return struct.pack("<I", 0xFD2FB528) + header + block + payload


class SyncServer:
    def __init__(self, module):
        self.module = module
        self.base = module.params["url"].rstrip("/") + "/"

    def _open(self, path, data=None, headers=None):
        params = self.module.params
        return open_url(
            self.base + path,
            data=data,
            headers=headers,
            method="POST" if data is not None else "GET",
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            timeout=15,
        )

    def wait_healthy(self):
        started = time.monotonic()
        deadline = started + self.module.params["wait_timeout"]
        last_error = None
        while time.monotonic() < deadline:
            try:
                self._open("health")
                return time.monotonic() - started
            except (HTTPError, URLError, OSError) as exc:
                last_error = exc
            time.sleep(1)
        self.module.fail_json(
            msg=f"the Anki sync server at {self.base} did not answer /health within "
            f"{self.module.params['wait_timeout']} s (last error: {last_error}); check the container's log"
        )

    def can_log_in(self, name, password):
        body = zstd_raw_frame(json.dumps({"u": name, "p": password}).encode("utf-8"))
        try:
            self._open("sync/hostKey", data=body, headers={"anki-sync": SYNC_HEADER})
        except HTTPError as exc:
            if exc.code == 403:
                return False
            self.module.fail_json(msg=f"the login request for user {name!r} answered HTTP {exc.code}")
        return True


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            users=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    name=dict(type="str", required=True), password=dict(type="str", required=True, no_log=True)
                ),
            ),
            wait_timeout=dict(type="int", default=60),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    server = SyncServer(module)
    health_seconds = server.wait_healthy()
    refused = [user["name"] for user in module.params["users"] if not server.can_log_in(user["name"], user["password"])]
    if refused:
        module.fail_json(
            msg=f"the Anki sync server refused the login of: {', '.join(refused)}. The deployed password (or hash) "
            "does not match; rerun the play, and if it persists look for another SYNC_USERn with the same name"
        )
    module.exit_json(
        changed=False, users=[user["name"] for user in module.params["users"]], health_seconds=health_seconds
    )


if __name__ == "__main__":
    main()
