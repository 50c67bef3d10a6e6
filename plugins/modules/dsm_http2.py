#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_http2
short_description: Turn DSM's global HTTP/2 switch on or off
version_added: 0.2.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures DSM's global HTTP/2 setting (Control Panel > Network > Connectivity > Enable HTTP/2; C(enable_spdy) of
    C(SYNO.Core.Web.DSM)).
  - DSM 7's reverse-proxy rules have no HTTP/2 switch of their own. DSM's nginx offers HTTP/2 per listening socket,
    so the global setting applies to B(all) of DSM's HTTPS on the port, the reverse-proxy rules on 443 included,
    and to DSM's own web interface.
  - The setting is read with C(get) (v1) and written with C(set) (v1) carrying the listed values of the other seven
    fields C(set) takes (ports, HTTPS, redirect, HSTS, custom domain), as a client verified on DSM 7.3 does. A change
    makes DSM restart its web server, and the answer to C(set) may be lost meanwhile; the module reads the setting
    back until DSM answers again (O(restart_timeout)) and never sends C(set) twice blindly.
options:
  enabled:
    description: Whether DSM offers HTTP/2.
    type: bool
    required: true
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.dsm.RESTART
  - ankinas.synology.attributes
notes:
  - The DSM answers it reads are the DSM contracts C(web_dsm_get) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
  - B(Verified) against public captures of DSM 7.3 (ychiu1211/dsmctl) are the API, the versions and the eight fields of
    C(set). B(Unverified) is whether DSM also takes C(set) with C(enable_spdy) alone; the module always sends all eight.
seealso:
  - module: ankinas.synology.dsm_reverse_proxy
"""

EXAMPLES = r"""
- name: Offer HTTP/2 on DSM's HTTPS (the reverse-proxy rules on 443 included)
  ankinas.synology.dsm_http2:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    enabled: true
  delegate_to: localhost
"""

RETURN = r"""
http2:
  description: DSM's HTTP/2 setting after the task (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    enabled:
      description: Whether DSM offers HTTP/2.
      type: bool
  sample: {enabled: true}
operation:
  description: V(update) when the setting changed (or would in check mode).
  returned: changed
  type: str
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_http2 import Http2Setting
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import RESTART_TIMEOUT_OPTION, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    module = dsm_module(dict(enabled=dict(type="bool", required=True), restart_timeout=RESTART_TIMEOUT_OPTION))
    run_resource_module(Http2Setting(module))


if __name__ == "__main__":
    main()
