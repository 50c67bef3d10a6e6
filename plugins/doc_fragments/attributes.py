# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The standard attributes; a module adds `details` where its support is partial.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
"""

    # A module that only reads (an _info module, a check): it changes nothing, in check mode or not.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; it runs in check mode too.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

    ACTIONGROUP_DSM = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/ankinas.synology.dsm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - ankinas.synology.dsm
"""

    ACTIONGROUP_PORTAINER = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/ankinas.synology.portainer) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - ankinas.synology.portainer
"""
