# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: host_addresses
short_description: The IPv4 and IPv6 addresses a host name resolves to, from the controller
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Resolves each term with the controller's own resolver (the system's C(getaddrinfo), as C(ping) or a browser on
    the controller would), and returns its addresses, IPv4 first, each once.
  - A name that does not resolve gives an empty list, not an error, so that a play can say what to fix.
  - The reverse_proxy role compares them with the NAS's external address before it asks Let's Encrypt for a
    certificate. The controller's resolver may answer otherwise than the public DNS Let's Encrypt asks (a home DNS
    that answers the NAS's LAN address), and the role then takes the public addresses from a variable instead.
options:
  _terms:
    description: Host names.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Where does anki.example.synology.me point?
  ansible.builtin.debug:
    msg: "{{ lookup('ankinas.synology.host_addresses', 'anki.example.synology.me', wantlist=true) }}"
"""

RETURN = r"""
_raw:
  description: The addresses of every term, IPv4 first, each once (empty when a name does not resolve).
  type: list
  elements: str
"""

import socket

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase


def resolve(name):
    """name's addresses, IPv4 first, each once; [] when it does not resolve."""
    try:
        found = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    addresses = []
    for family in (socket.AF_INET, socket.AF_INET6):
        for entry in found:
            address = entry[4][0]
            if entry[0] == family and address not in addresses:
                addresses.append(address)
    return addresses


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        addresses = []
        for term in terms:
            if not isinstance(term, str) or not term:
                raise AnsibleLookupError(f"host_addresses takes host names (got {term!r})")
            addresses.extend(address for address in resolve(term) if address not in addresses)
        return addresses
