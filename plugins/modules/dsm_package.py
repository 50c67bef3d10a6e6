#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_package
short_description: Install, update, start, stop or remove a DSM package from Package Center
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ensures a DSM package (Package Center) is installed from the catalog Synology offers for this NAS's model and DSM
    version, on the chosen volume, with the packages it depends on installed first, in the order of DSM's install
    queue; optionally updated to the catalog's version, started or stopped; or uninstalled.
  - A package this model is not offered fails before any change, naming it. So do a package that needs DSM's
    install wizard (DSM error 4501), a busy Package Center (4530, or C(is_occupied) before the install), too little
    space (4520) and the other Package Center errors, each with its meaning and what to do.
  - An installed package is never downgraded, also when the catalog offers an older build than the installed one.
  - Installs take minutes, and DSM drops the answer of the request that installs while it works. The module sends
    each install once, never again in the same run, and waits (up to O(wait_timeout)) until DSM's list of installed
    packages shows the package, the only proof of an install.
  - Installs use Package Center's quick install (C(blqinst)), as a client verified on DSM 7.3.2 does; updates
    (O(state=latest)) use the download-then-install flow of DSM's own web interface. See the notes for what is not
    verified on a real NAS.
options:
  name:
    description:
      - The package id as Package Center lists it, for example V(ContainerManager) (Container Manager, DSM 7.2 and
        later), V(Docker) (DSM 6 to 7.1) or V(HyperBackup). Not the display name.
    type: str
    required: true
  state:
    description:
      - V(present) installs the package when it is missing and leaves an installed one's version alone.
      - V(latest) also updates an installed package when the catalog offers a newer version (never an older one).
      - V(absent) uninstalls it (stopped first), keeping its data unless O(uninstall_values) says otherwise. DSM's
        own packages (C(install_type) C(system)) are refused.
    type: str
    choices: [present, latest, absent]
    default: present
  running:
    description:
      - V(true) starts the package, V(false) stops it (and installs it without starting it).
      - Not set, an install starts the package (as Package Center does) and an installed package is left as it is.
      - Ignored for packages without a start/stop control (C(startable) false).
    type: bool
  volume:
    description:
      - The volume to install on, as its mount point (V(/volume1)). Not set, the volume DSM proposes
        (C(SYNO.Core.Package.Installation) C(check)). An installed package is not moved.
    type: str
  uninstall_values:
    description:
      - With O(state=absent), the answers of the package's uninstall wizard, sent as C(extra_values). Empty (the
        default), DSM keeps the package's data and settings.
      - The keys are the package's own and no API lists them (Synology Drive Server's
        C(pkgwizard_remove_cstn_db) is one); check them in the package's uninstall dialog.
    type: dict
    default: {}
  wait_timeout:
    description:
      - Seconds to wait for each install, update, start, stop or removal to show in DSM's list of installed packages.
    type: int
    default: 1800
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
attributes:
  check_mode:
    details: Reads the catalog, DSM's install queue and the proposed volume, so that check mode fails as a run would
      (a package not offered, a busy Package Center) and lists every install in RV(actions).
notes:
  - The DSM answers it reads are the DSM contracts C(package_list), C(package_catalog) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS.
  - B(Verified) against clients that ran on a real DSM (dsm-webapi.md §10.2) are the installed list and its
    C(additional) keys, the catalog's fields, the install queue, the quick install's parameters, the update flow,
    start, stop and uninstall.
  - B(Unverified) on a real NAS are which packages need their install wizard under a quick install (Container
    Manager and Hyper Backup are believed not to), and how long DSM keeps the package out of its list while it
    installs. A package with a wizard is installed once in Package Center; the module then manages it.
  - A removal with O(uninstall_values) that DSM does not know keeps the data as an empty one does.
seealso:
  - module: ankinas.synology.dsm_package_info
  - name: Synology Package Center
    description: Install, update and remove packages in DSM's own interface.
    link: https://kb.synology.com/en-global/DSM/help/DSM/PkgManApp/PackageCenter_desc
"""

EXAMPLES = r"""
- name: Install Container Manager (DSM 7.2 and later) and keep it running
  ankinas.synology.dsm_package:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    name: ContainerManager
    running: true
  delegate_to: localhost

- name: Install Hyper Backup on volume 2, and keep it at the catalog's latest version
  ankinas.synology.dsm_package:
    name: HyperBackup
    volume: /volume2
    state: latest
  delegate_to: localhost

- name: Uninstall Text Editor, keeping its settings
  ankinas.synology.dsm_package:
    name: TextEditor
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
package:
  description: The package as DSM lists it after the task (in check mode, as it would be); empty once removed.
  returned: always
  type: dict
  contains:
    id:
      description: The package id.
      type: str
      sample: ContainerManager
    name:
      description: Its display name.
      type: str
      sample: Container Manager
    version:
      description: The installed version.
      type: str
      sample: 24.0.2-1535
    status:
      description: V(running) or V(stopped) (DSM's other statuses as DSM writes them).
      type: str
      sample: running
    startable:
      description: Whether the package has a start/stop control.
      type: bool
    install_type:
      description: DSM's install type, V(system) for DSM's own packages, else empty.
      type: str
    uninstallable:
      description: Whether Package Center offers to uninstall it.
      type: bool
actions:
  description: What the module did (or would do in check mode), in order, dependencies first.
  returned: always
  type: list
  elements: dict
  sample: [{"package": "ContainerManager", "action": "install", "version": "24.0.2-1535"}]
volume:
  description: The volume the packages were (or would be) installed on.
  returned: when a package is installed or updated
  type: str
  sample: /volume1
operation:
  description: V(create), V(update) or V(delete), when the package changed (or would in check mode).
  returned: changed
  type: str
api_info:
  description:
    - DSM's table of the collection's APIs after the change (C(SYNO.API.Info), no secret in it). A play that shares
      one session (O(dsm_session)) puts it in the session's C(api_info), as the session lists the APIs of its login
      and an installed package brings its own (the dsm role's entry point C(packages) does).
  returned: with O(state=present) or O(state=latest), not in check mode
  type: dict
  version_added: 0.3.0
changed_keys:
  description: What an update changed (C(version), C(status)).
  returned: when an installed package was updated, started or stopped
  type: list
  elements: str
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_package import OPTIONS, Package
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


def main():
    run_resource_module(Package(dsm_module(OPTIONS)))


if __name__ == "__main__":
    main()
