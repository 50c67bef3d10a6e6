# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every Portainer module shares: the connection options and a Resource base with a client.

PRIVATE to the collection: it can change at any time. The options are documented in the doc
fragment ankinas.synology.portainer; keep the two in step. The scaffold is the DSM modules' (_dsm_module.py):

- portainer_argument_spec(): the connection options; portainer_module(): an AnsibleModule with them and their rules;
- PortainerResource: a Resource (see _resource.py) with a Portainer client, in one environment;
- run_read_module(): the same for read-only modules (info modules): gather facts, exit.
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback
from ansible_collections.ankinas.synology.plugins.module_utils._portainer_client import (
    PortainerClient,
    normalize_stack_name,
)
from ansible_collections.ankinas.synology.plugins.module_utils._resource import Resource, ResourceError


def portainer_argument_spec(**module_options):
    """The connection options, merged with a module's own options."""
    spec = dict(
        portainer_url=dict(type="str", required=True, fallback=(env_fallback, ["PORTAINER_URL"])),
        portainer_api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["PORTAINER_API_KEY"])),
        portainer_username=dict(type="str", fallback=(env_fallback, ["PORTAINER_USERNAME"])),
        portainer_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PORTAINER_PASSWORD"])),
        portainer_validate_certs=dict(
            type="bool", default=True, aliases=["validate_certs"], fallback=(env_fallback, ["PORTAINER_VALIDATE_CERTS"])
        ),
        portainer_ca_path=dict(type="path", fallback=(env_fallback, ["PORTAINER_CA_PATH"])),
        portainer_timeout=dict(type="int", default=30, fallback=(env_fallback, ["PORTAINER_TIMEOUT"])),
    )
    spec.update(module_options)
    return spec


#: AnsibleModule keyword arguments that go with portainer_argument_spec()
PORTAINER_MODULE_KWARGS = dict(
    supports_check_mode=True,
    required_together=[("portainer_username", "portainer_password")],
    required_one_of=[("portainer_api_key", "portainer_username")],
    mutually_exclusive=[("portainer_api_key", "portainer_username")],
)


def portainer_module(argument_spec=None, **kwargs):
    """An AnsibleModule with the Portainer connection options and their rules; every Portainer module supports
    check mode."""
    for key, value in PORTAINER_MODULE_KWARGS.items():
        kwargs.setdefault(key, value)
    return AnsibleModule(argument_spec=portainer_argument_spec(**(argument_spec or {})), **kwargs)


class PortainerResource(Resource):
    """A Resource that lives in one Portainer environment (option `endpoint`)."""

    def __init__(self, module):
        super().__init__(module)
        params = self.params
        self.client = PortainerClient(
            params["portainer_url"],
            api_key=params.get("portainer_api_key"),
            username=params.get("portainer_username"),
            password=params.get("portainer_password"),
            validate_certs=params["portainer_validate_certs"],
            ca_path=params.get("portainer_ca_path"),
            timeout=params["portainer_timeout"],
        )
        self._endpoint = None

    def validate(self):
        url = self.params["portainer_url"]
        if not url.startswith(("https://", "http://")):
            raise ResourceError(
                f"portainer_url must start with https:// (or http://), for example https://nas.local:9443; got '{url}'"
            )
        if self.params["portainer_timeout"] <= 0:
            raise ResourceError("portainer_timeout must be a positive number of seconds")

    @property
    def endpoint(self):
        """The environment the resource lives in, resolved once per run."""
        if self._endpoint is None:
            self._endpoint = self.client.resolve_endpoint(self.params.get("endpoint"))
        return self._endpoint

    def read_stack(self, name):
        """The stack called name (normalised as Portainer does) in the environment, or None.

        Env values are returned as Portainer stores them: callers mask them before showing anything.
        """
        endpoint = self.endpoint
        stack = self.client.find_stack(normalize_stack_name(name), endpoint["Id"])
        if stack is None:
            return None
        return {
            "id": stack["Id"],
            "name": stack.get("Name"),
            "endpoint_id": endpoint["Id"],
            "endpoint": endpoint.get("Name"),
            "type": stack.get("Type"),
            "status": stack.get("Status"),
            "compose": self.client.stack_file(stack["Id"]),
            "env": {pair.get("name"): pair.get("value", "") for pair in stack.get("Env") or []},
            "project_path": stack.get("ProjectPath"),
            "creation_date": stack.get("CreationDate"),
            "update_date": stack.get("UpdateDate"),
        }


def run_read_module(module, gather):
    """Run a read-only Portainer module: gather(reader) returns the facts, returned with changed=false.

    reader: a PortainerResource (its client, its environment, read_stack()), validated first.
    """
    reader = PortainerResource(module)
    try:
        reader.validate()
        facts = gather(reader)
    except ResourceError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **facts)
