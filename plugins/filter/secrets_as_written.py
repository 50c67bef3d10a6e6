# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter secrets_as_written: the passwords of the inventory can be read as they are written.

Ansible reads '{{', '{%' and '{#' in any string of an inventory, vars file or vault as a template. A password
such as 'pa{{ss' is then an expression to it: it fails with "'ss' is undefined" without saying which value,
and ansible-core 2.19 prints the value itself next to the error. Read before anything else does, each secret is
rendered here one by one (ansible-core 2.19 renders a variable when it is looked up), so the error names the
variable and says how to write the value, and never shows it.
"""

from ansible.errors import AnsibleFilterError

HOW = (
    "Ansible reads '{{', '{%' and '{#' in a value as a template, and could not render this one, so it cannot be "
    "used as written. If the password holds these characters, mark it as plain text where it is written: in "
    "YAML (the inventory or the vault file) `password: !unsafe 'the password'`, or put it between "
    "{% raw %} and {% endraw %}. Nothing was changed."
)


#: the variables of the collection's roles and playbooks that hold secrets
SECRETS = (
    "dsm_password",
    "dsm_otp_code",
    "dsm_device_id",
    "portainer_api_key",
    "portainer_password",
    "anki_sync_server_users",
    "hyper_backup_remote_password",
    "ansible_password",
    "ansible_become_password",
)


def _fail(path, owner=None):
    who = f" (user {owner!r})" if owner else ""
    raise AnsibleFilterError(f"{path}{who}: {HOW}")


def _walk(value, path, owner=None):
    """Look up every item of value so that Ansible renders it; the first that fails is named by its path."""
    if isinstance(value, dict):
        keys = list(value.keys())
        name = None
        try:
            name = value.get("name") if "name" in keys else None
        except Exception:  # the name itself is a template that fails: it is named below
            name = None
        for key in keys:
            try:
                item = value[key]
            except Exception:
                _fail(f"{path}.{key}", name if isinstance(name, str) else owner)
            _walk(item, f"{path}.{key}", name if isinstance(name, str) else owner)
    elif isinstance(value, (list, tuple)):
        for index in range(len(value)):
            try:
                item = value[index]
            except Exception:
                _fail(f"{path}[{index}]", owner)
            _walk(item, f"{path}[{index}]", owner)


def secrets_as_written(variables, names=SECRETS):
    """names (unchanged) when each of those variables that is defined can be read; else an error naming it."""
    for name in names:
        try:
            if name not in variables:
                continue
            value = variables[name]
        except Exception:
            _fail(name)
        _walk(value, name)
    return list(names)


class FilterModule:
    def filters(self):
        return {"secrets_as_written": secrets_as_written}
