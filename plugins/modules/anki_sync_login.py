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
    protocol's own login request (C(POST /sync/hostKey)), the request Anki clients send first, and asks for the
    user's collection state (C(POST /sync/meta)), which makes the server open the user's collection.
  - Fails naming every user whose login the server refuses or whose collection it cannot open (for example when
    the data directory's ownership drifted), so it is caught at deploy time instead of on the users' phones.
  - Refuses to send a password over plain HTTP to an address that is not one of this host's own; run it on the
    NAS against its loopback, or use the HTTPS reverse proxy with the certificate verified.
  - Changes nothing, on the server or elsewhere.
options:
  url:
    description:
      - Base URL of the sync server, for example V(http://127.0.0.1:27701/) on the NAS itself or
        V(https://anki.example.com/) through the reverse proxy.
      - A V(http://) URL must name an address of the host the module runs on (the loopback, usually).
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
    description:
      - Seconds to wait for C(/health) to answer 200, and for each answer of the server after it (a login checks the
        password against its hash, which a small NAS under load can take long to do).
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
  - ankinas.synology.attributes.INFO_MODULE
notes:
  - The requests are protocol v11 (Anki 2.1.57 and later), whose bodies are zstd frames. The module writes the
    frames itself (one raw block) and reads the login answer (a short frame the server stores raw), so no zstd
    library is needed on the NAS.
"""

EXAMPLES = r"""
- name: Prove each user can log in and open a collection, on the NAS against its loopback
  ankinas.synology.anki_sync_login:
    url: http://127.0.0.1:27701/
    users: "{{ anki_users }}"
"""

RETURN = r"""
users:
  description: The users that logged in and whose collection opened.
  returned: success
  type: list
  elements: str
  sample: [alice, bob]
health_seconds:
  description: How long the server took to answer C(/health).
  returned: success
  type: float
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ankinas.synology.plugins.module_utils._anki_sync_login import check_logins


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
    check_logins(module)


if __name__ == "__main__":
    main()
