# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Portainer compose stack as the module portainer_stack manages it: read, compare, deploy, wait until up, delete.

PRIVATE to the collection: it can change at any time. The requests it sends live in _portainer_client.py.
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._portainer_client import normalize_stack_name
from ansible_collections.ankinas.synology.plugins.module_utils._portainer_module import PortainerResource
from ansible_collections.ankinas.synology.plugins.module_utils._resource import MASK, ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import wait_until

#: Portainer's Stack.Status for a stack whose containers have been stopped
STACK_INACTIVE = 2
#: SYNC_USERn=name:password (or SYNC_USERn: name:password) in a compose file: the rest of the line is masked
COMPOSE_CREDENTIAL = re.compile(r"""(SYNC_USER[0-9]+["']?\s*[=:]\s*["']?[^:\s"'$]+:)[^\n]+""")
_POLL_SECONDS = 1


class PortainerStack(PortainerResource):
    result_key = "stack"
    compared_keys = ("compose", "env")

    def __init__(self, module):
        super().__init__(module)
        self.project = normalize_stack_name(self.params["name"])
        self.changed_env = []

    def validate(self):
        super().validate()
        if not self.project:
            raise ResourceError(
                f"name '{self.params['name']}' has no letter, digit, '-' or '_', so Portainer would normalise it "
                "to nothing; choose another name"
            )
        if self.params["state"] == "present" and not (self.params["compose"] or "").strip():
            raise ResourceError("compose is required (the compose file content) when state=present")
        if self.params["wait_timeout"] <= 0:
            raise ResourceError("wait_timeout must be a positive number of seconds")
        self.wanted_env = self._env_strings(self.params["env"] or {})

    @staticmethod
    def _env_strings(env):
        strings = {}
        for key, value in env.items():
            if not key or "=" in key or any(c.isspace() for c in key):
                raise ResourceError(f"env has an invalid variable name '{key}' (no '=', spaces or empty names)")
            # Messages name the variable only: its value is a secret.
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise ResourceError(f'env value of {key} must be a string or a number; quote it (for example "true")')
            value = str(value)
            if "\n" in value or "\r" in value:
                raise ResourceError(f"env value of {key} has a line break, which an env file cannot carry")
            strings[key] = value
        return strings

    # --- the shared flow --------------------------------------------------------------------------
    def read(self):
        return self.read_stack(self.project)

    def desired(self, current):
        endpoint = self.endpoint
        return {
            "name": current["name"] if current else self.project,
            "endpoint_id": endpoint["Id"],
            "endpoint": endpoint.get("Name"),
            "compose": self.params["compose"],
            "env": self.wanted_env,
        }

    def predict(self, current, desired):
        predicted = super().predict(current, desired)
        predicted.setdefault("id", None)
        return predicted

    def differences(self, current, desired):
        keys = super().differences(current, desired)
        if "env" in keys:
            before, after = current["env"], desired["env"]
            self.changed_env = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        return keys

    def create(self, desired):
        stack = self.client.create_compose_stack(
            desired["endpoint_id"], self.params["name"], desired["compose"], desired["env"]
        )
        self._wait_until_up(stack["Id"])

    def update(self, current, desired):
        self.client.update_compose_stack(
            current["id"], current["endpoint_id"], desired["compose"], desired["env"], self.params["pull_image"]
        )
        self._wait_until_up(current["id"])

    def delete(self, current):
        self.client.delete_stack(current["id"], current["endpoint_id"])

    def masked(self, obj):
        shown = dict(obj)
        shown["env"] = dict.fromkeys(obj.get("env") or {}, MASK)
        if shown.get("compose"):
            # A stack pasted by hand (the setup guide's) may carry the users' passwords in its compose file.
            shown["compose"] = COMPOSE_CREDENTIAL.sub(r"\g<1>" + MASK, shown["compose"])
        return shown

    def report(self, result):
        if self.changed_env:
            result["changed_env"] = self.changed_env

    # --- waiting for the containers ---------------------------------------------------------------
    def _wait_until_up(self, stack_id):
        """Poll the stack and its containers (through Portainer's Docker proxy) until all run."""
        if not self.params["wait"]:
            return
        wait_until(
            lambda: self._not_up(stack_id),
            lambda waiting_for: not waiting_for,
            self.params["wait_timeout"],
            lambda waiting_for: self._not_up_message(
                waiting_for, f" after {self.params['wait_timeout']} seconds (wait_timeout)"
            ),
            interval=_POLL_SECONDS,
        )

    def _not_up_message(self, waiting_for, when=""):
        return (
            f"stack '{self.project}' was deployed but is not up{when}: {'; '.join(waiting_for)}; "
            "see the containers' logs on the Docker host"
        )

    def _not_up(self, stack_id):
        """What is not up yet of the stack's containers; raises when it never will be."""
        endpoint_id = self.endpoint["Id"]
        if self.client.stack(stack_id).get("Status") == STACK_INACTIVE:
            raise ResourceError(self._not_up_message(["the stack is inactive (stopped)"]))
        containers = self.client.project_containers(endpoint_id, self.project)
        if not containers:
            return [f"no container of project '{self.project}' exists yet"]
        waiting_for, fatal = [], False
        for container in containers:
            name = (container.get("Names") or [container["Id"][:12]])[0].lstrip("/")
            details = self.client.inspect_container(endpoint_id, container["Id"])
            state = details.get("State") or {}
            if state.get("Status") != "running":
                restart = ((details.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "no"
                stopped_for_good = state.get("Status") in ("exited", "dead") and restart == "no"
                fatal = fatal or stopped_for_good
                waiting_for.append(f"container {name} is {state.get('Status')} (exit code {state.get('ExitCode')})")
            elif (state.get("Health") or {}).get("Status") not in (None, "healthy"):
                waiting_for.append(f"container {name} is {state['Health']['Status']}")
        if fatal:
            raise ResourceError(self._not_up_message(waiting_for))
        return waiting_for


def stack_facts(reader):
    """What the module portainer_stack_info returns: the stack, its env values masked unless reveal_env."""
    stack = reader.read_stack(reader.params["name"])
    if stack and not reader.params["reveal_env"]:
        stack["env"] = dict.fromkeys(stack["env"], MASK)
    return {"exists": stack is not None, "stack": stack or {}}
