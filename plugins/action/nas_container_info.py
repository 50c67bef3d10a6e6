# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action nas_container_info: read a container, or every container, through the NAS's Docker CLI (see
plugins/modules/nas_container_info.py for the documentation)."""

from ansible_collections.ankinas.synology.plugins.plugin_utils import _nas_docker
from ansible_collections.ankinas.synology.plugins.plugin_utils._nas_action import COMMON_OPTIONS, NasDockerAction

ARGUMENT_SPEC = {
    "name": {"type": "str"},
    "containers": {"type": "bool", "default": False},
    "details": {"type": "bool", "default": False},
    **COMMON_OPTIONS,
}


class ActionModule(NasDockerAction):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            required_one_of=[["name", "containers"]],
            mutually_exclusive=[["name", "containers"], ["name", "details"]],
        )
        result["changed"] = False
        if args["containers"]:
            stdout = self.nas(_nas_docker.list_script(args["docker_cli"], args["docker_host"]))
            sections, cli = _nas_docker.parse_sections(stdout)
            listed = sections.get("containers")
            if listed is None or (listed["rc"] != 0 and not _nas_docker.only_gone(listed)):
                self.engine_failure(listed or {"rc": -1, "out": stdout, "err": ""}, cli, "listing the containers")
            inspected = _nas_docker.parse_json(listed, "list")
            result["containers"] = [_nas_docker.summary(item) for item in inspected]
            if args["details"]:
                # The list is made of every container's inspect: each one whole, for no second read of it.
                result["details"] = {str(item.get("Name", "")).lstrip("/"): item for item in inspected}
        else:
            sections, cli = self.read([("container", "container", "inspect", args["name"])], "reading the container")
            section = sections["container"]
            if section["rc"] != 0 and "No such" not in section["err"] + section["out"]:
                self.engine_failure(section, cli, f"reading the container {args['name']}")
            found = _nas_docker.parse_json(section, "inspect") if section["rc"] == 0 else []
            result["exists"] = bool(found)
            result["container"] = found[0] if found else None
        result["docker_cli"] = cli
        return result
