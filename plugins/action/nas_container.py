# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action nas_container: a container on the NAS, through the NAS's own Docker CLI (see plugins/modules/nas_container.py
for the documentation). Reads, compares and predicts here, on the controller; the NAS runs only docker commands."""

from ansible.errors import AnsibleActionFail
from ansible_collections.ankinas.synology.plugins.plugin_utils import _nas_docker
from ansible_collections.ankinas.synology.plugins.plugin_utils._nas_action import COMMON_OPTIONS, NasDockerAction

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "started", "choices": ["started", "stopped", "absent"]},
    "image": {"type": "str"},
    "env": {"type": "dict", "default": {}, "no_log": True},
    "published_ports": {"type": "list", "elements": "str", "default": []},
    "volumes": {"type": "list", "elements": "str", "default": []},
    "networks": {"type": "list", "elements": "raw", "default": []},
    "labels": {"type": "dict", "default": {}},
    "restart_policy": {"type": "str", "default": "no"},
    "stop_signal": {"type": "str"},
    **COMMON_OPTIONS,
}


class ActionModule(NasDockerAction):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC, required_if=[["state", "started", ["image"]]]
        )
        name = args["name"]
        try:
            desired = _nas_docker.desired_container(args) if args["state"] == "started" else None
        except _nas_docker.NasDockerError as error:
            raise AnsibleActionFail(str(error)) from None

        sections = [("container", "container", "inspect", name)]
        if desired:
            sections += [
                ("image", "image", "inspect", desired["image"]),
                ("networks", "network", "ls", "--format", "{{.Name}}"),
            ]
        read, cli = self.read(sections, f"reading the container {name}")
        container = read["container"]
        if container["rc"] != 0 and "No such" not in container["err"] + container["out"]:
            self.engine_failure(container, cli, f"reading the container {name}")
        inspected = (_nas_docker.parse_json(container, "inspect") or [None])[0] if container["rc"] == 0 else None
        current = _nas_docker.current_container(inspected) if inspected else None

        if args["state"] == "stopped":
            running = bool(current and current["running"])
            steps = [("stop the container", "stop", name)] if running else []
            before = {"name": name, "state": "running" if running else "stopped" if current else "absent"}
            result["diff"] = {"before": before, "after": dict(before, state="stopped") if current else before}
            return self._apply(result, steps, "", cli, differences=["stopped"] if running else [])

        if desired is None:
            steps = [("stop the container", "stop", name), ("remove the container", "rm", name)] if current else []
            before = {"name": name, "state": "present" if current else "absent"}
            result["diff"] = {"before": before, "after": {"name": name, "state": "absent"}}
            return self._apply(result, steps, "", cli, differences=["absent"] if current else [])

        if read["networks"]["rc"] != 0:
            self.engine_failure(read["networks"], cli, "listing the networks")
        existing_networks = set(read["networks"]["out"].split())
        missing = [network for network in desired["networks"] if network not in existing_networks]
        image = (
            (_nas_docker.parse_json(read["image"], "image inspect") or [None])[0] if read["image"]["rc"] == 0 else None
        )
        differences = _nas_docker.differences(desired, current, image) if current else ["created"]
        start_only = bool(current) and not differences and not current["running"]
        steps = _nas_docker.run_steps(desired, bool(current), start_only, missing) if differences or start_only else []
        # The diff's environment: what was asked for, and what the container has that the image does not set (a user
        # that would leave shows as removed); the image's own variables stay out of it.
        image_env = _nas_docker.env_dict(((image or {}).get("Config") or {}).get("Env"))
        current_env = (current or {}).get("env", {})
        before_env = {
            key: value for key, value in current_env.items() if key in desired["env"] or image_env.get(key) != value
        }
        result["diff"] = {
            "before": _nas_docker.masked_view(dict(current, env=before_env), desired) if current else {},
            "after": _nas_docker.masked_view(desired, desired, env_before=current_env if current else None),
        }
        return self._apply(result, steps, _nas_docker.env_file(desired["env"]), cli, differences=differences)

    def _apply(self, result, steps, stdin, cli, differences):
        result["changed"] = bool(steps)
        result["differences"] = [] if not steps else differences or ["running"]
        result["actions"] = [step[0] for step in steps]
        result["docker_cli"] = cli
        if not steps or self._task.check_mode:
            return result
        args = self._task.args
        script = _nas_docker.write_script(args.get("docker_cli", ""), args.get("docker_host", ""), steps)
        done, failed = _nas_docker.parse_write(self.nas(script, stdin))
        result["actions"] = done
        if failed:
            what, rc, output = failed
            raise AnsibleActionFail(
                f"{what} failed (docker exit {rc}): {output or 'no message'}"
                + (f" (done before it: {', '.join(done)})" if done else ""),
                result=result,
            )
        if len(done) != len(steps):
            raise AnsibleActionFail(f"the NAS's shell stopped after {len(done)} of {len(steps)} steps", result=result)
        return result
