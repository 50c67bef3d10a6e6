#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_probe
short_description: Check which DSM answers the collection relies on hold on a Synology NAS, with read calls only
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Makes the read calls of the collection's table of DSM contracts (C(plugins/module_utils/_dsm_contracts.py))
    and says, for each, whether the NAS answers with the shape the modules expect
    (V(holds)), with another one (V(differs), naming what differs, never a value), does not offer the API
    (V(not offered)), or has nothing to read it on (V(not checked), for example no Container Manager project yet).
  - Each contract is a read (API, method, version, read-only parameters) with the answer's expected shape, the
    modules that rely on it, and how it is known (a public client that ran on a real DSM, an app's code, nothing
    public, or a user's capture).
  - Changes nothing on the NAS. It returns a RV(capture) without values (see RV(capture)) that can be attached
    to a bug report; C(playbooks/probe.yml) writes it to a file.
  - With O(fail_on_difference) it fails when a contract differs, naming it. C(playbooks/site.yml) runs it so before
    its first change with the contracts of the modules the run calls.
options:
  contracts:
    description:
      - The contracts to check, by id (C(project_list), C(task_get), ...). With neither this nor O(modules),
        all of them.
    type: list
    elements: str
    default: []
  modules:
    description:
      - Check the contracts these modules rely on (for example V(dsm_container_project)), in addition to
        O(contracts). This is the check of a run (C(playbooks/site.yml)), so the discovery contract C(api_info) is left
        out (a session already has it), and so are the reads the modules make only over plain HTTP when O(dsm_url)
        is HTTPS (C(encryption_info)) and those a run makes only to create something that exists already
        (C(backup_candidate_dir) when the Hyper Backup task exists, C(file_info_missing) when the data folder
        does).
    type: list
    elements: str
    default: []
  project_name:
    description:
      - The Container Manager project to read with C(project_get), and the container to read with C(container_get)
        (a project's container has its name); the first listed one when it does not exist.
    type: str
    default: ''
  task_name:
    description: The root script task of Task Scheduler to read with C(task_get); the first listed one when missing.
    type: str
    default: ''
  backup_task_name:
    description: The Hyper Backup task to read with C(backup_task_get); the first listed one when it does not exist.
    type: str
    default: ''
  backup_share:
    description:
      - The local destination shared folder of Hyper Backup, for C(backup_candidate_dir) (read only when it exists).
    type: str
    default: ''
  data_folder:
    description:
      - The data folder, C(/volumeN/share/dir) or C(/share/dir), read with File Station (C(file_info)); a missing
        path is looked up in its shared folder (C(file_info_missing)).
    type: str
    default: ''
  fail_on_difference:
    description: Fail when a contract differs, with a message naming the contracts and what differs.
    type: bool
    default: false
notes:
  - Values never leave the module's capture or messages, only shapes; the capture's header names the DSM version,
    the model and the versions of Container Manager and Hyper Backup.
  - Contracts of APIs DSM does not list (a package not installed) are reported V(not offered), not as a failure.
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes.INFO_MODULE
seealso:
  - module: ankinas.synology.dsm_info
"""

EXAMPLES = r"""
- name: Check every contract (what playbooks/probe.yml does)
  ankinas.synology.dsm_probe:
    data_folder: /volume1/docker/anki-server
    project_name: anki-sync-server
  register: probe

- name: Print one line per contract
  ansible.builtin.debug:
    msg: "{{ probe.report }}"

- name: Stop before a Container Manager deploy when the NAS answers otherwise
  ankinas.synology.dsm_probe:
    modules: [dsm_container_project, dsm_folder]
    fail_on_difference: true
"""

RETURN = r"""
contracts:
  description: One result per contract checked, in the table's order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The contract's id.
      type: str
      sample: project_list
    api:
      description: The DSM API.
      type: str
      sample: SYNO.Docker.Project
    method:
      description: The method.
      type: str
      sample: list
    version:
      description: The version called (none when the call was not made).
      type: int
      sample: 1
    result:
      description: V(holds), V(differs), V(not offered) or V(not checked).
      type: str
      sample: holds
    differences:
      description: What differs (places and types, never a value).
      type: list
      elements: str
      sample: ["answer.*.status is missing"]
    reason:
      description: Why a contract was not offered or not checked.
      type: str
    expects:
      description: The expected shape, keys only.
      type: str
      sample: "{<key>: {id, name, status, share_path, path?, containerIds?, content?}}"
    evidence:
      description: How the contract is known.
      type: str
      sample: verified by a public live capture
    modules:
      description: The modules that rely on it.
      type: list
      elements: str
report:
  description: One line per contract, as the probe playbook prints them.
  returned: always
  type: list
  elements: str
summary:
  description: How many contracts hold, differ, are not offered or not checked, and which differ.
  returned: always
  type: str
  sample: 21 holds, 2 not offered
differing:
  description: The ids of the contracts that differ.
  returned: always
  type: list
  elements: str
project_listed:
  description:
    - Whether the project list DSM answered (contract C(project_list)) holds a project named O(project_name); null when
      the list was not read. C(playbooks/site.yml) hands it to the anki_sync_server role, so the project is not read
      a second time in the run.
  returned: always
  type: bool
  sample: false
capture:
  description:
    - "What a user can attach to a bug report: per call the API, method, version, the parameters as the table
      writes them (placeholders such as C($project_id), not the values), the result and the answer's shape: keys
      and value types, the keys of maps (project ids, share names) collapsed to C(*), no value (no names,
      addresses, serials, tokens, certificates). Its header names the DSM version, the model and the versions of
      Container Manager and Hyper Backup."
  returned: always
  type: dict
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_read_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_probe import gather


def main():
    module = dsm_module(
        dict(
            contracts=dict(type="list", elements="str", default=[]),
            modules=dict(type="list", elements="str", default=[]),
            project_name=dict(type="str", default=""),
            task_name=dict(type="str", default=""),
            backup_task_name=dict(type="str", default=""),
            backup_share=dict(type="str", default=""),
            data_folder=dict(type="str", default=""),
            fail_on_difference=dict(type="bool", default=False),
        )
    )
    run_read_module(module, lambda client: gather(module, client))


if __name__ == "__main__":
    main()
