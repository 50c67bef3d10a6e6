#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_ddns_info
short_description: Read a Synology NAS's DDNS records, providers, external address and Synology Account
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Reads the DDNS providers DSM lists, its DDNS records (never a password), the external address DSM detects
    (C(SYNO.Core.DDNS.ExtIP)) and whether DSM is signed in to a Synology Account.
  - The external address is what a host name must resolve to for Let's Encrypt to reach the NAS; a play can compare
    the two before it asks for a certificate.
  - A module of its own rather than facts of M(ankinas.synology.dsm_info), because the DDNS APIs are for
    administrators only, and the check must not depend on a record being managed.
  - Changes nothing.
options: {}
notes:
  - The DSM answers it reads are the DSM contracts C(ddns_record_list), C(ddns_provider_list), C(ddns_external_ip),
    C(myds_account) of the collection's table (C(plugins/module_utils/_dsm_contracts.py));
    M(ankinas.synology.dsm_probe) checks them on a NAS.
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
seealso:
  - module: ankinas.synology.dsm_ddns
"""

EXAMPLES = r"""
- name: Read the external address DSM detects
  ankinas.synology.dsm_ddns_info:
  delegate_to: localhost
  register: ddns

- name: Stop when anki.example.org does not resolve to it
  ansible.builtin.assert:
    that: lookup('ansible.builtin.pipe', 'getent ahostsv4 anki.example.org') is search(ddns.external_ip)
    fail_msg: anki.example.org does not resolve to the NAS's external address {{ ddns.external_ip }}
"""

RETURN = r"""
providers:
  description: The providers DSM lists (a custom one as V(USER_name)).
  returned: success
  type: list
  elements: str
  sample: [Synology, No-IP.com, USER_duckdns]
records:
  description: The DDNS records, as M(ankinas.synology.dsm_ddns) returns one.
  returned: success
  type: list
  elements: dict
external_ip:
  description: The external IPv4 address DSM detects, or null when it detects none.
  returned: success
  type: str
  sample: 203.0.113.10
external_addresses:
  description: Every external address DSM detects, null for none.
  returned: success
  type: list
  elements: dict
  sample: [{"ip": "203.0.113.10", "ipv6": null, "type": "WAN"}]
synology_account:
  description: Whether DSM is signed in to a Synology Account, and which (C(signed_in) null when DSM has no
    C(SYNO.Core.MyDSCenter)).
  returned: success
  type: dict
  sample: {"signed_in": false, "account": null}
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_ddns import ERRORS, gather
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module


def main():
    run_read_module(dsm_module(), gather, errors=ERRORS)


if __name__ == "__main__":
    main()
