# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter secrets_as_written: a secret Ansible cannot render is named, with how to write it, never shown.

ansible-core 2.19 renders a variable when it is looked up and raises there; these mappings do the same for the
values marked RAISES, as Ansible's lazy containers do for a template that fails."""

import pytest
from ansible.errors import AnsibleFilterError, AnsibleUndefinedVariable
from ansible_collections.ankinas.synology.plugins.filter.secrets_as_written import secrets_as_written

RAISES = object()


class Rendering(dict):
    def __getitem__(self, key):
        value = super().__getitem__(key)
        if value is RAISES:
            raise AnsibleUndefinedVariable("'secretpart' is undefined")
        return value

    def get(self, key, default=None):
        if key not in self:
            return default
        return self[key]


class RenderingList(list):
    def __getitem__(self, index):
        value = super().__getitem__(index)
        if value is RAISES:
            raise AnsibleUndefinedVariable("'secretpart' is undefined")
        return value


def test_readable_secrets_pass_and_undefined_ones_are_skipped():
    variables = Rendering(dsm_password="pw", anki_sync_server_users=[Rendering(name="alice", password="a")])
    assert secrets_as_written(variables) == list(secrets_as_written(variables))
    assert secrets_as_written(variables, ["dsm_password", "not_there"]) == ["dsm_password", "not_there"]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        (Rendering(dsm_password=RAISES), "dsm_password: Ansible reads '{{'"),
        (
            Rendering(anki_sync_server_users=RenderingList([Rendering(name="alice", password="a"), RAISES])),
            "anki_sync_server_users[1]: ",
        ),
        (
            Rendering(
                anki_sync_server_users=[Rendering(name="alice", password="a"), Rendering(name="bob", password=RAISES)]
            ),
            "anki_sync_server_users[1].password (user 'bob'): ",
        ),
        (Rendering(anki_sync_server_users=[Rendering(name=RAISES, password="b")]), "anki_sync_server_users[0].name: "),
    ],
)
def test_a_secret_that_cannot_be_rendered_is_named_with_the_way_to_write_it(variables, named):
    with pytest.raises(AnsibleFilterError) as error:
        secrets_as_written(variables)
    message = str(error.value)
    assert named in message
    assert "!unsafe" in message and "{% raw %}" in message
    assert "secretpart" not in message
