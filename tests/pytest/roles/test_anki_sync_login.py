"""anki_sync_login, the post-deploy check of the roles, against a real sync server container."""

import pytest
from simnas.runner import run_module

pytestmark = pytest.mark.docker


def test_the_login_check_names_the_user_whose_login_fails_and_no_password(run_anki_container):
    server = run_anki_container({"alice": "alice-pw-1", "bob": "bob-pw-1"})
    users = [{"name": "alice", "password": "alice-pw-1"}, {"name": "bob", "password": "bob-pw-WRONG"}]
    result = run_module("anki_sync_login", {"url": server.endpoint, "users": users, "wait_timeout": 10})
    assert result.failed
    assert "refused the login of: bob." in result["msg"]
    assert "alice" not in result["msg"].split("refused the login of:")[1]
    for secret in ("alice-pw-1", "bob-pw-1", "bob-pw-WRONG"):
        assert secret not in result.stdout + result.stderr

    users[1]["password"] = "bob-pw-1"
    passed = run_module("anki_sync_login", {"url": server.endpoint, "users": users, "wait_timeout": 10})
    assert not passed.failed, passed.get("msg")
