#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_reverse_proxy
short_description: Manage a reverse-proxy rule of a Synology NAS, and the certificate it serves
version_added: 0.1.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures a DSM reverse-proxy rule (Control Panel > Login Portal > Advanced > Reverse Proxy on DSM 7, Application
    Portal on DSM 6; API C(SYNO.Core.AppPortal.ReverseProxy)) exists with the given frontend, backend, headers and
    timeouts, or does not exist.
  - The rule is identified by its O(description), DSM's only name for a rule. Several rules with the same description
    make the module fail instead of guessing.
  - With O(state=present) and no rule of that description, the one rule that already serves O(source_host) on
    O(source_port) (DSM allows one per host name and port), for example one made by hand with a setup guide, is
    adopted - updated in place (its UUID, access-control profile and unmanaged fields kept) and renamed to
    O(description) - and reported under RV(adopted) and as a warning, also in check mode.
  - An update sends the rule as DSM lists it (its C(UUID), C(_key), access-control profile and any field this module
    does not manage) with the managed fields changed, so settings made in DSM's UI survive.
  - DSM does not answer the UUID of a new rule, so the module lists the rules again to find it. A write that gets no
    answer (timeout, HTTP 504) is never sent again before the rules are listed again, so a lost answer cannot create
    a second rule.
  - With O(certificate), the rule is bound to that DSM certificate (C(SYNO.Core.Certificate.Service)); a binding that
    is already right is left alone. DSM lists a new rule under its default certificate at once, so the module reads
    the rule's entry in C(SYNO.Core.Certificate.CRT list) after the create and moves that entry, sending it as listed
    with its certificate's id as C(old_id); a first assignment (C(old_id) empty) is only sent for a rule DSM lists
    nowhere, because for a listed rule DSM adds a second entry instead of moving it.
  - A rule that DSM lists under more than one certificate is reported (a warning) and fixed. It is left under
    O(certificate), or without O(certificate) under the one that is not DSM's default.
  - The role C(ankinas.synology.reverse_proxy) applies the setup guide's rule (HTTPS 443 to the sync server on
    C(localhost:27701)) with this module.
options:
  description:
    description:
      - The rule's description, its identity.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the rule; V(absent) deletes it. Deleting a missing rule is not an error.
      - Before the delete the module unbinds the rule's certificate (DSM keeps the binding of a deleted rule),
        best-effort (DSM lists an unbound rule under its default certificate, and a failed unbind is a warning, never
        a reason to keep the rule).
    type: str
    choices: [present, absent]
    default: present
  source_protocol:
    description: Protocol of the frontend (what clients connect with).
    type: str
    choices: [https, http]
    default: https
  source_host:
    description:
      - Host name clients use, for example V(anki.example.com); V(*.example.com) is accepted.
      - Required when O(state=present).
    type: str
  source_port:
    description: Frontend port, 1 to 65535.
    type: int
    default: 443
  hsts:
    description:
      - Send C(Strict-Transport-Security) (HTTPS frontends).
    type: bool
    default: true
  http2:
    description:
      - DSM 6.2's per-rule HTTP/2 key, C(frontend.https.http2); not sent unless set.
      - DSM 7 has no HTTP/2 setting per rule (its rule editor offers HSTS and an access-control profile only), and nginx
        offers HTTP/2 per listening port, following DSM's global switch, which M(ankinas.synology.dsm_http2) sets and
        which applies to all of DSM's HTTPS on the port. DSM 7 does not list the key back, so the module cannot
        compare it there; when set, it is sent with a create or update, and the module warns when DSM does not list it.
    type: bool
  destination_protocol:
    description: Protocol to the backend.
    type: str
    choices: [http, https]
    default: http
  destination_host:
    description: Backend host name or IP address, as seen from the NAS.
    type: str
    default: localhost
  destination_port:
    description:
      - Backend port, 1 to 65535. Required when O(state=present).
    type: int
  websocket:
    description:
      - Add DSM's WebSocket preset headers C(Upgrade $http_upgrade) and C(Connection $connection_upgrade).
      - The Anki sync server does not need WebSockets; the preset is harmless and is what the setup guide asks for.
    type: bool
    default: true
  custom_headers:
    description:
      - Further headers set on the requests to the backend, after the WebSocket preset.
      - Names may contain only letters, digits and C(-) (DSM's rule); names are compared without case and must be
        unique, also against the WebSocket preset. Values may use nginx variables such as C($remote_addr).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Header name.
        type: str
        required: true
      value:
        description: Header value.
        type: str
        required: true
  proxy_connect_timeout:
    description: Seconds to wait for a connection to the backend (1 to 86400).
    type: int
    default: 60
  proxy_read_timeout:
    description: Seconds to wait between two reads from the backend (1 to 86400).
    type: int
    default: 60
  proxy_send_timeout:
    description: Seconds to wait between two writes to the backend (1 to 86400).
    type: int
    default: 60
  certificate:
    description:
      - An existing DSM certificate to serve on the rule, named by its common name, one of its subject alternative
        names (a wildcard such as C(*.example.com) covers one label) or its description. Exact names win over
        wildcards; among equals the certificate valid longest wins.
      - If no certificate matches, the module fails before any change and lists the available certificates by
        common name.
      - If omitted, the rule's binding is left as it is (DSM serves its default certificate on unbound rules).
      - Needs O(source_protocol=https).
    type: str
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.dsm.RESTART
  - ankinas.synology.attributes
attributes:
  diff_mode:
    details:
      - The diff shows the rule as DSM lists it, plus the bound certificate under C(certificate).
  idempotent:
    details:
      - Where DSM does not list C(frontend.https.http2) (DSM 7), a change of O(http2) alone is not detected.
notes:
  - The DSM answers it reads are the DSM contracts C(reverse_proxy_list), C(certificate_list) of the collection's
    table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
  - Fields the module manages are C(description), C(frontend) C(fqdn)/C(port)/C(protocol)/C(https.hsts)/C(https.http2),
    C(backend), C(customize_headers), the three timeouts and C(proxy_http_version) (always V(1), HTTP/1.1 to the
    backend, which the WebSocket preset needs). New rules get C(frontend.acl=null) and C(proxy_intercept_errors=false);
    updates keep the listed values of those and of every other field.
  - DSM's reverse proxy has no field for the request body limit (nginx C(client_max_body_size)). An Anki full sync
    uploads the whole collection in one request; if large syncs fail with HTTP 413, the limit of DSM's nginx is the
    cause, not the rule.
  - Certificate changes make DSM restart its web server, which drops connections for up to about a minute; the module
    reads the binding back for up to 90 seconds and rides out the dropped connections.
  - B(Verified) by public clients of real DSM 7 (dsm-webapi.md §3.3, §7.1) are the Service set shape, the listed
    descriptor with its parent's id, new rules listed under the default certificate, the second entry that
    C(old_id) empty adds. B(Unverified) is that moving an entry onto a certificate that lists the rule already merges
    the two entries (the module does so to fix a rule listed twice).
  - Matching certificates by subject alternative name needs DSM to list them; DSM 7.2/7.3 may list the common name
    only, then name the certificate by its common name or description.
seealso:
  - module: ankinas.synology.dsm_session
  - module: ankinas.synology.dsm_certificate
  - module: ankinas.synology.dsm_http2
"""

EXAMPLES = r"""
- name: Publish the Anki sync server on https://anki.example.com
  ankinas.synology.dsm_reverse_proxy:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    description: Anki sync server
    source_host: anki.example.com
    destination_port: 27701
    certificate: anki.example.com
  register: anki_rule
  delegate_to: localhost

- name: Show the rule's UUID
  ansible.builtin.debug:
    var: anki_rule.rule.UUID

- name: A plain HTTP rule with a header and longer timeouts
  ankinas.synology.dsm_reverse_proxy:
    description: Internal app
    source_protocol: http
    source_host: app.nas.lan
    source_port: 8080
    destination_host: 192.168.1.20
    destination_port: 3000
    websocket: false
    custom_headers:
      - name: X-Forwarded-Host
        value: $host
    proxy_read_timeout: 600
  delegate_to: localhost

- name: Remove a rule
  ankinas.synology.dsm_reverse_proxy:
    description: Internal app
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
rule:
  description: The rule as DSM lists it after the task (in check mode, as it would be); empty after a deletion.
  returned: always
  type: dict
  sample:
    UUID: 5c4c3b7e-1f7e-4d59-9d0c-5b7a2f3f1a10
    _key: 5c4c3b7e-1f7e-4d59-9d0c-5b7a2f3f1a10
    description: Anki sync server
    frontend: {fqdn: anki.example.com, port: 443, protocol: 1, https: {hsts: true}, acl: null}
    backend: {fqdn: localhost, port: 27701, protocol: 0}
    customize_headers:
      - {name: Upgrade, value: $http_upgrade}
      - {name: Connection, value: $connection_upgrade}
    proxy_connect_timeout: 60
    proxy_read_timeout: 60
    proxy_send_timeout: 60
    proxy_http_version: 1
    proxy_intercept_errors: false
certificate:
  description:
    - The certificate bound to the rule after the task (in check mode, as it would be), as DSM lists it (C(id),
      C(desc), C(common_name), C(sub_alt_name), C(valid_till), C(is_default); see the C(certificate) that
      M(ankinas.synology.dsm_certificate) returns).
  returned: when O(certificate) is set and O(state=present)
  type: dict
operation:
  description: What the module did (or would do in check mode) to the rule.
  returned: changed
  type: str
  sample: update
adopted:
  description:
    - The rule found by its frontend (O(source_host) and O(source_port)) under another description, which the module
      took over (in check mode, would take over), updated in place and renamed to O(description); its old
      C(description) and its C(UUID). A warning says the same.
  returned: when a rule was adopted
  type: dict
  sample: {description: Anki Sync Server, UUID: 5c4c3b7e-1f7e-4d59-9d0c-5b7a2f3f1a10}
changed_keys:
  description: The options whose values differed from the rule (C(certificate) for a new binding).
  returned: when an existing rule was updated
  type: list
  elements: str
  sample: [destination_port, certificate]
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import RESTART_TIMEOUT_OPTION, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_reverse_proxy import ReverseProxyRule
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    module = dsm_module(
        dict(
            description=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            source_protocol=dict(type="str", choices=["https", "http"], default="https"),
            source_host=dict(type="str"),
            source_port=dict(type="int", default=443),
            hsts=dict(type="bool", default=True),
            http2=dict(type="bool"),
            destination_protocol=dict(type="str", choices=["http", "https"], default="http"),
            destination_host=dict(type="str", default="localhost"),
            destination_port=dict(type="int"),
            websocket=dict(type="bool", default=True),
            custom_headers=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(name=dict(type="str", required=True), value=dict(type="str", required=True)),
            ),
            proxy_connect_timeout=dict(type="int", default=60),
            proxy_read_timeout=dict(type="int", default=60),
            proxy_send_timeout=dict(type="int", default=60),
            certificate=dict(type="str"),
            restart_timeout=RESTART_TIMEOUT_OPTION,
        ),
        required_if=[("state", "present", ("source_host", "destination_port"))],
    )
    run_resource_module(ReverseProxyRule(module))


if __name__ == "__main__":
    main()
