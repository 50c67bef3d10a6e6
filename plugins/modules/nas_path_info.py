#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: nas_path_info
short_description: Tell what each path on a Synology NAS is, links not followed, and read its mount table
version_added: 0.3.0
author:
  - ankinas.synology maintainers (@ankinas)
description:
  - For each path says whether it exists, is a folder, or is a symbolic link (and to what), without following
    links, and returns the NAS's C(/proc/self/mountinfo); the roles refuse a data path that goes through a link or a
    mount point with it (filter C(ankinas.synology.nas_path_problem)).
  - An action plugin, like M(ankinas.synology.nas_container_info), so the NAS runs only one POSIX shell command (its
    C([ -L ]) and C([ -d ]) tests and C(readlink)) for every path at once, with no module, no Python and nothing
    installed.
  - Shared folders are ACL-mode on DSM, so run the task with C(become=true) to read every folder.
options:
  paths:
    description: Absolute paths on the NAS, each read once.
    type: list
    elements: path
    required: true
extends_documentation_fragment:
  - ankinas.synology.attributes.INFO_MODULE
seealso:
  - module: ansible.builtin.stat
"""

EXAMPLES = r"""
- name: Read the data folder and its parents, and the mount points
  ankinas.synology.nas_path_info:
    paths: [/volume1/docker, /volume1/docker/anki-server]
  become: true
  register: folders
"""

RETURN = r"""
paths:
  description: Per path, in the keys M(ansible.builtin.stat) uses with O(ansible.builtin.stat#module:follow=false).
  returned: always
  type: dict
  sample:
    /volume1/docker: {exists: true, isdir: true, islnk: false, lnk_target: null, lnk_source: null}
    /volume1/docker/anki-server: {exists: true, isdir: false, islnk: true, lnk_target: ../backups,
                                  lnk_source: /volume1/backups}
  contains:
    exists:
      description: Whether the path exists (a dangling link exists).
      type: bool
    isdir:
      description: Whether it is a folder (a link to a folder is not).
      type: bool
    islnk:
      description: Whether it is a symbolic link.
      type: bool
    lnk_target:
      description: The link's target as written in it; null when not a link.
      type: str
    lnk_source:
      description: That target made absolute from the link's folder (further links in it are not followed).
      type: str
mountinfo:
  description: The NAS's C(/proc/self/mountinfo), as read by the shell that read the paths.
  returned: always
  type: str
"""
