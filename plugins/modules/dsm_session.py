#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_session
short_description: Log in to DSM once for a whole play, and log out at its end
version_added: 0.1.0
author: ankinas.synology contributors (@ankinas)
description:
  - With O(state=present), logs in to DSM (C(SYNO.API.Auth) v7 on DSM 7, v6 on DSM 6), discovers the APIs with
    C(SYNO.API.Info) and returns the session. Pass it to every other DSM task as O(dsm_session), best through
    C(module_defaults) and C(group/ankinas.synology.dsm). The play then logs in once per NAS instead of once per
    task, which keeps DSM's "Connected users" list, its login log and its auto-block counter quiet, and lets a 2-step
    verification code serve the whole play (DSM accepts each code once).
  - With O(state=absent), logs the session given in O(dsm_session) out.
  - The returned session holds the session id and the SynoToken; register it on a task with C(no_log=true).
  - With O(dsm_otp_code), DSM is asked for a device token too (named O(dsm_device_name)); it comes back as
    RV(session.device_id). Store it (for example in Ansible Vault) and set it as O(dsm_device_id) so that later
    runs need no code.
options:
  state:
    description:
      - V(present) logs in and returns the session; V(absent) logs out the session in O(dsm_session).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
attributes:
  check_mode:
    details:
      - Logging in and out changes no setting on the NAS, so both happen in check mode too; the other tasks of a
        check-mode run need the session to read the NAS.
  diff_mode:
    support: none
  idempotent:
    details:
      - The module always reports no change. Every O(state=present) opens a new session.
notes:
  - On Ctrl-C Ansible skips the play's C(always) section, so the logout task does not run; the callback
    C(ankinas.synology.dsm_logout) (enabled in the collection's C(ansible.cfg)) logs the session out as
    ansible-playbook exits. SIGTERM or SIGKILL end ansible-playbook at once, and DSM drops the session when it expires.
  - DSM drops idle sessions. A task whose session DSM dropped logs in once by itself (with O(dsm_password)),
    finishes, and logs that session out; the session of the play is not renewed.
"""

EXAMPLES = r"""
# One login per NAS for the whole play. The connection comes from inventory variables.
# A block's module_defaults would replace the play's for the group (they do not merge), so the
# session is set at play level too, omitted until the login task has registered it.
- name: Configure the NAS
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/ankinas.synology.dsm:
      dsm_url: "{{ dsm_url }}"
      dsm_username: "{{ dsm_username }}"
      dsm_password: "{{ dsm_password }}"
      validate_certs: "{{ dsm_validate_certs | default(true) }}"
      dsm_session: "{{ dsm_login.session | default(omit) }}"
  tasks:
    - name: Log in to DSM
      ankinas.synology.dsm_session:
      register: dsm_login
      no_log: true

    - name: Work with the session, log out in any case
      block:
        - name: Read the DSM version
          ankinas.synology.dsm_info:
          register: nas

        - name: Ensure the shared folder docker
          ankinas.synology.dsm_shared_folder:
            name: docker
      always:
        - name: Log out of DSM
          ankinas.synology.dsm_session:
            state: absent
          no_log: true

# 2-step verification: one code serves the whole play, and the device token spares the next runs a code.
- name: Log in with a code from the authenticator
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Log in to DSM with a code
      ankinas.synology.dsm_session:
        dsm_url: https://nas.lan:5001
        dsm_username: admin
        dsm_password: "{{ vault_dsm_password }}"
        dsm_otp_code: "{{ otp_code }}"
      register: dsm_login
      no_log: true
    # Store dsm_login.session.device_id (for example with Ansible Vault) and set it as dsm_device_id.
"""

RETURN = r"""
session:
  description:
    - The session, to pass as O(dsm_session) to the other DSM modules. Contains secrets.
  returned: when O(state=present)
  type: dict
  contains:
    url:
      description: The DSM URL the session belongs to.
      type: str
    account:
      description: The account logged in.
      type: str
    sid:
      description: The session id.
      type: str
    synotoken:
      description: The SynoToken of the session.
      type: str
    api_info:
      description: The C(SYNO.API.Info) answer for the APIs the collection uses (path, versions, request format).
      type: dict
    dsm_major:
      description: DSM major version, V(6) or V(7).
      type: int
      sample: 7
    validate_certs:
      description: Whether the session's connection verifies DSM's certificate (for a logout after an interrupt).
      type: bool
    ca_path:
      description: The CA bundle it verifies with, if any.
      type: str
    device_id:
      description:
        - The device token DSM issued for O(dsm_device_name) after a login with O(dsm_otp_code). Set it as
          O(dsm_device_id) to skip the code in later runs.
      type: str
      returned: when DSM issued one
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module, run_session_module


def main():
    module = dsm_module(
        dict(state=dict(type="str", choices=["present", "absent"], default="present")),
        required_if=[("state", "absent", ("dsm_session",))],
    )
    run_session_module(module)


if __name__ == "__main__":
    main()
