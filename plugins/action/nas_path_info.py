# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action nas_path_info: what each path on the NAS is, no link followed, and the NAS's mount table, in one shell
command (see plugins/modules/nas_path_info.py for the documentation)."""

from ansible.errors import AnsibleActionFail
from ansible_collections.ankinas.synology.plugins.plugin_utils import _nas_paths
from ansible_collections.ankinas.synology.plugins.plugin_utils._nas_action import NasShellAction

ARGUMENT_SPEC = {"paths": {"type": "list", "elements": "path", "required": True}}


class ActionModule(NasShellAction):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        paths = list(dict.fromkeys(args["paths"]))  # each once, in order
        answer = self.shell(_nas_paths.script(paths))
        if answer.get("rc") != 0:
            self.shell_failure(answer)
        result["paths"], result["mountinfo"] = _nas_paths.parse(answer["stdout"], paths)
        unanswered = [path for path, found in result["paths"].items() if found is None]
        if unanswered:
            raise AnsibleActionFail(f"the NAS's shell said nothing about {', '.join(unanswered)}")
        result["changed"] = False
        return result
