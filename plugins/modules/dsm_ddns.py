#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_ddns
short_description: A DDNS record on a Synology NAS, with a provider DSM lists
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures DSM keeps a host name pointed at the NAS's external address through a DDNS service provider DSM lists
    (Control Panel > External Access > DDNS), custom providers included; or removes the record.
  - Idempotent on what DSM lists (host name, user name, enabled, heartbeat). DSM never lists the password, so the
    module cannot see whether it changed; O(update_password) says when to send it.
  - After a save it asks DSM to update the address now (DSM does it in the background; DNS takes longer to follow).
  - For Synology's own names (V(*.synology.me) and the other domains of provider V(Synology)) the module only reads
    and reports the record, the Synology Account DSM is signed in to and the external address. Registering such a
    name is a one-time step in DSM (Control Panel > External Access > DDNS > Add, provider Synology, signed in to a
    Synology Account), which no public description of the Web API covers; the module says so when the name is
    missing.
  - Returns the external address DSM detects (C(SYNO.Core.DDNS.ExtIP)), as M(ankinas.synology.dsm_ddns_info) does.
options:
  provider:
    description:
      - The service provider as DSM lists it, for example V(No-IP.com), V(Synology), or a custom provider as
        V(USER_name), V(*name) or V(name). A custom provider is added in DSM first (Control Panel > External Access >
        DDNS > Customize Provider).
      - DSM keeps one record per provider; the module manages that one.
    type: str
    required: true
  hostname:
    description: The fully qualified host name the record keeps up to date.
    type: str
    required: true
  username:
    description: The account (or key name) at the provider. Required with O(state=present), except for V(Synology).
    type: str
  password:
    description:
      - The password (or token) at the provider. Required to create the record. Never returned, logged or shown in
        a diff.
    type: str
  update_password:
    description:
      - V(on_create) sends O(password) only when the record is created, so that a second run changes nothing.
      - V(always) sends it on every run (DSM cannot say whether it differs), which reports a change every time.
    type: str
    choices: [always, on_create]
    default: on_create
  enabled:
    description: Whether DSM updates the record. Not set, a new record is enabled and an existing one left as it is.
    type: bool
  heartbeat:
    description: DSM's heartbeat option. Not set, a new record has it off and an existing one is left as it is.
    type: bool
  test:
    description:
      - Before a save that sends O(password), ask DSM to test the provider with these credentials
        (C(SYNO.Core.DDNS.Record) C(test), which reaches the provider over the internet) and fail, changing nothing,
        unless DSM answers C(service_ddns_normal).
    type: bool
    default: false
  state:
    description: V(present) or V(absent) (not for provider V(Synology)).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
attributes:
  idempotent:
    support: partial
    details: With O(update_password=always) every run sends the password and reports a change.
  diff_mode:
    details: The password never shows. When the module sends it, RV(changed_keys) names it, and check mode's
      predicted record shows it as C(********).
notes:
  - The DSM answers it reads are the DSM contracts C(ddns_record_list), C(ddns_provider_list), C(ddns_external_ip),
    C(myds_account) of the collection's table (C(plugins/module_utils/_dsm_contracts.py));
    M(ankinas.synology.dsm_probe) checks them on a NAS.
  - B(Verified) by captures of real DSM are the reads (providers, records, the external address, the Synology
    Account). B(Unverified) on a real NAS are all record writes, kept to what the app ApaipaiLtd/dsm_helper sends
    (C(set), C(delete), C(update_ip_address), C(test)); C(create) has no public capture at all and sends set's fields.
    A failure of one says so, naming the call.
  - DSM sends the password to the provider, not the module; use an HTTPS O(dsm_url).
seealso:
  - module: ankinas.synology.dsm_ddns_info
  - name: DDNS in DSM's help
    description: Providers, custom providers and Synology's own names.
    link: https://kb.synology.com/en-global/DSM/help/DSM/AdminCenter/connection_ddns
"""

EXAMPLES = r"""
- name: Keep anki.example.org up to date through a custom provider added in DSM
  ankinas.synology.dsm_ddns:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    provider: USER_duckdns
    hostname: anki.example.org
    username: anki
    password: "{{ vault_ddns_token }}"
  delegate_to: localhost

- name: Check the Synology name DSM registered, and read the external address
  ankinas.synology.dsm_ddns:
    provider: Synology
    hostname: my-anki.synology.me
  delegate_to: localhost
  register: ddns
"""

RETURN = r"""
record:
  description: The record as DSM lists it after the task (in check mode, as it would be); empty once removed.
  returned: always
  type: dict
  contains:
    provider:
      description: The provider as DSM lists it (V(USER_name) for a custom one).
      type: str
    hostname:
      description: The host name.
      type: str
    username:
      description: The account at the provider.
      type: str
    enabled:
      description: Whether DSM updates the record.
      type: bool
    heartbeat:
      description: DSM's heartbeat option.
      type: bool
    status:
      description: DSM's status of the record, such as C(service_ddns_normal), C(loading) or C(disabled).
      type: str
    ip:
      description: The IPv4 address DSM last registered, or null.
      type: str
    ipv6:
      description: The IPv6 address DSM last registered, or null.
      type: str
    last_updated:
      description: When DSM last updated the record.
      type: str
  sample: {"provider": "USER_duckdns", "hostname": "anki.example.org", "username": "anki", "enabled": true,
           "heartbeat": false, "status": "service_ddns_normal", "ip": "203.0.113.10", "ipv6": null,
           "last_updated": "2026-01-01 10:00"}
external_ip:
  description: The external IPv4 address DSM detects, or null when it detects none.
  returned: success
  type: str
  sample: 203.0.113.10
external_addresses:
  description: Every external address DSM detects (C(SYNO.Core.DDNS.ExtIP)), null for none.
  returned: success
  type: list
  elements: dict
  sample: [{"ip": "203.0.113.10", "ipv6": null, "type": "WAN"}]
synology_account:
  description: The Synology Account DSM is signed in to (C(signed_in) null when DSM has no C(SYNO.Core.MyDSCenter)).
  returned: with provider V(Synology)
  type: dict
  sample: {"signed_in": true, "account": "owner@example.org"}
operation:
  description: V(create), V(update) or V(delete), when the record changed (or would in check mode).
  returned: changed
  type: str
changed_keys:
  description: What an update changed (C(hostname), C(username), C(enabled), C(heartbeat), C(password)).
  returned: when an existing record was updated
  type: list
  elements: str
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_ddns import OPTIONS, DDNSRecord
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    run_resource_module(DDNSRecord(dsm_module(OPTIONS)))


if __name__ == "__main__":
    main()
