#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_info
short_description: Read the DSM version, the model and which DSM APIs a Synology NAS offers
version_added: 0.1.0
author: ankinas.synology contributors (@ankinas)
description:
  - Reads the DSM version and the model with C(SYNO.DSM.Info) C(getinfo) (version 2), or with C(SYNO.Core.System)
    C(info) where DSM does not offer it.
  - Reports which of the APIs the other modules of this collection need exist on the NAS. Package APIs exist only
    when the package is installed (Container Manager, Hyper Backup).
  - With O(clock), also reads what time it is on the NAS, in the NAS's own time zone (DSM writes every time it
    reports, such as Hyper Backup's last backup, in that zone, without saying which).
  - Changes nothing.
options:
  clock:
    description:
      - Read the NAS's clock (RV(clock)) with C(SYNO.Core.Region.NTP) C(get), which gives the wall clock, the epoch
        and DSM's zone name (its shape from a public client that read it on DSM 7.4, unverified on other versions),
        or, where it is not offered or refuses, the C(time) of C(SYNO.DSM.Info) C(getinfo) (the wall clock only).
    type: bool
    default: false
    version_added: 0.3.0
notes:
  - The DSM answers it reads are the DSM contracts C(dsm_info), C(system_info) and, with O(clock), C(region_ntp) of
    the collection's table (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on
    a NAS, and C(playbooks/site.yml) before its first change.
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
"""

EXAMPLES = r"""
- name: Read the DSM version
  ankinas.synology.dsm_info:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
  register: nas

- name: Require DSM 7.2 or later for Container Manager projects
  ansible.builtin.assert:
    that:
      - nas.dsm.major > 7 or (nas.dsm.major == 7 and nas.dsm.minor >= 2)
      - nas.apis.docker_project
    fail_msg: "{{ nas.dsm.version_string }} has no Container Manager projects"
"""

RETURN = r"""
dsm:
  description: What DSM and which model the NAS runs.
  returned: success
  type: dict
  contains:
    version_string:
      description: The version as DSM writes it.
      type: str
      sample: DSM 7.2.2-72806 Update 3
    major:
      description: Major version.
      type: int
      sample: 7
    minor:
      description: Minor version.
      type: int
      sample: 2
    micro:
      description: Third version number, V(0) when DSM writes none (C(DSM 7.2-64570)).
      type: int
      sample: 2
    build:
      description: Build number.
      type: int
      sample: 72806
    update_number:
      description:
        - Update number, V(0) for none.
        - Also returned as C(update) until 1.0.0 (deprecated, since Jinja's dot notation cannot reach it, as
          C(dsm.update) is the dict's own method).
      type: int
      sample: 3
      version_added: 0.3.0
    model:
      description: The NAS model.
      type: str
      sample: DS920+
    source:
      description: The API the version was read from.
      type: str
      sample: SYNO.DSM.Info
clock:
  description:
    - What time it is on the NAS (O(clock)); null when DSM tells neither way.
    - An age of a time DSM reports is C(local) minus that time, both on the NAS's clock.
  returned: when O(clock=true)
  type: dict
  version_added: 0.3.0
  contains:
    local:
      description: The NAS's wall clock, C(YYYY-MM-DD HH:MM:SS), in its time zone.
      type: str
      sample: "2026-08-12 16:08:34"
    timestamp:
      description: The NAS's clock as seconds since the epoch (null from C(SYNO.DSM.Info)).
      type: int
      sample: 1786540114
    utc_offset:
      description: The NAS's offset from UTC in seconds (null from C(SYNO.DSM.Info)).
      type: int
      sample: 10800
    timezone:
      description: DSM's name of its time zone (not an IANA name; empty from C(SYNO.DSM.Info)).
      type: str
      sample: Amman
    source:
      description: The API the clock was read from.
      type: str
      sample: SYNO.Core.Region.NTP
apis:
  description: Which APIs that the collection's modules use exist on the NAS.
  returned: success
  type: dict
  contains:
    reverse_proxy:
      description: C(SYNO.Core.AppPortal.ReverseProxy) exists (reverse-proxy rules).
      type: bool
    backup_task:
      description: C(SYNO.Backup.Task) exists (Hyper Backup is installed).
      type: bool
    docker_project:
      description: C(SYNO.Docker.Project) exists (Container Manager with projects, DSM 7.2 and later).
      type: bool
    shared_folder:
      description: C(SYNO.Core.Share) exists (shared folders).
      type: bool
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_info import gather
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module


def main():
    module = dsm_module(dict(clock=dict(type="bool", default=False)))
    run_read_module(module, lambda client: gather(client, module.params["clock"]))


if __name__ == "__main__":
    main()
