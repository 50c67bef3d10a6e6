# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The anki_sync_env filter: PBKDF2 hashes the sync server accepts, kept across runs, and input checks."""

import hashlib

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_env import (
    anki_sync_env,
    parse_phc,
    phc_hash,
    phc_verify,
)

# Few iterations keep the tests fast; the format and the logic do not depend on the count.
ITERATIONS = 1000
USERS = [{"name": "alice", "password": "correct horse"}, {"name": "bob", "password": "battery staple"}]


def credential(env, number):
    return env[f"SYNC_USER{number}"].split(":", 1)[1]


def test_phc_hash_is_pbkdf2_sha256_of_the_password_with_its_salt():
    salt = bytes(range(16))
    value = phc_hash("secret", ITERATIONS, salt=salt)
    assert value.startswith(f"$pbkdf2-sha256$i={ITERATIONS},l=32$")
    iterations, parsed_salt, digest = parse_phc(value)
    assert (iterations, parsed_salt) == (ITERATIONS, salt)
    assert digest == hashlib.pbkdf2_hmac("sha256", b"secret", salt, ITERATIONS, 32)
    assert not value.endswith("=") and "=$" not in value  # PHC strings carry unpadded base64


def test_phc_verify_accepts_the_password_only():
    value = phc_hash("secret", ITERATIONS)
    assert phc_verify("secret", value)
    assert not phc_verify("Secret", value)
    assert not phc_verify("secret", None)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plaintext",
        "$pbkdf2-sha512$i=1000,l=32$c2FsdHNhbHRzYWx0$aGFzaA",  # another digest
        "$pbkdf2-sha256$i=0,l=32$c2FsdHNhbHRzYWx0$" + "A" * 43,  # no iterations
        "$pbkdf2-sha256$i=1000,l=16$c2FsdHNhbHRzYWx0$" + "A" * 43,  # length does not match the digest
        "$pbkdf2-sha256$i=1000,l=32$c2FsdA$" + "A" * 43,  # salt shorter than 8 bytes
        "$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHRzYWx0$A",  # digest that is no base64
    ],
)
def test_parse_phc_refuses_what_the_server_would_panic_on(value):
    assert parse_phc(value) is None


def test_users_get_hashes_in_their_order_and_the_hashed_switch():
    env = anki_sync_env(USERS, iterations=ITERATIONS)
    assert sorted(env) == ["PASSWORDS_HASHED", "SYNC_USER1", "SYNC_USER2"]
    assert env["PASSWORDS_HASHED"] == "1"
    assert env["SYNC_USER1"].startswith("alice:$pbkdf2-sha256$")
    assert phc_verify("correct horse", credential(env, 1))
    assert phc_verify("battery staple", credential(env, 2))


def test_a_rerun_keeps_the_deployed_hashes():
    first = anki_sync_env(USERS, iterations=ITERATIONS)
    assert anki_sync_env(USERS, deployed=first, iterations=ITERATIONS) == first
    # docker's container environment comes as a list of KEY=VALUE strings
    as_docker_lists_it = [f"{key}={value}" for key, value in first.items()] + ["PATH=/usr/bin"]
    assert anki_sync_env(USERS, deployed=as_docker_lists_it, iterations=ITERATIONS) == first


def test_a_changed_password_or_a_broken_deployed_hash_gets_a_fresh_one():
    first = anki_sync_env(USERS, iterations=ITERATIONS)
    changed = [USERS[0], {"name": "bob", "password": "new password"}]
    second = anki_sync_env(changed, deployed=first, iterations=ITERATIONS)
    assert second["SYNC_USER1"] == first["SYNC_USER1"]
    assert second["SYNC_USER2"] != first["SYNC_USER2"]
    assert phc_verify("new password", credential(second, 2))

    broken = dict(first, SYNC_USER1="alice:$pbkdf2-sha256$garbage")
    repaired = anki_sync_env(USERS, deployed=broken, iterations=ITERATIONS)
    assert parse_phc(credential(repaired, 1)) is not None
    assert phc_verify("correct horse", credential(repaired, 1))


def test_a_hash_is_kept_by_user_name_not_by_position():
    first = anki_sync_env(USERS, iterations=ITERATIONS)
    swapped = anki_sync_env(list(reversed(USERS)), deployed=first, iterations=ITERATIONS)
    assert swapped["SYNC_USER1"] == first["SYNC_USER2"]
    assert swapped["SYNC_USER2"] == first["SYNC_USER1"]


def test_plaintext_mode_passes_passwords_through_without_the_switch():
    assert anki_sync_env(USERS, hashed=False) == {
        "SYNC_USER1": "alice:correct horse",
        "SYNC_USER2": "bob:battery staple",
    }


@pytest.mark.parametrize(
    ("users", "message"),
    [
        ([], "my_users must list at least one user as {name: ..., password: ...}"),
        ("alice", "my_users must list at least one user"),
        (["alice"], "my_users[0] must be a mapping with the keys name and password"),
        ([{"name": "", "password": "x"}], "my_users[0].name is empty; give every user a name"),
        ([{"name": "a:b", "password": "x"}], "my_users[0].name 'a:b' cannot be a user of the server"),
        ([{"name": "a b", "password": "x"}], "my_users[0].name 'a b' cannot be a user of the server"),
        (
            [{"name": "alice", "password": "x"}, {"name": "alice", "password": "y"}],
            "my_users[1].name 'alice' is listed twice; user names must be unique",
        ),
        ([{"name": "alice", "password": ""}], "my_users[0].password is empty for user 'alice'; set a password"),
        ([{"name": "alice"}], "my_users[0].password is empty for user 'alice'"),
    ],
)
def test_bad_users_are_refused_naming_the_variable_and_the_fix(users, message):
    with pytest.raises(AnsibleFilterError) as refused:
        anki_sync_env(users, variable="my_users", iterations=ITERATIONS)
    assert message in str(refused.value)


def test_a_refusal_never_shows_a_password():
    users = [{"name": "alice", "password": "s3cret-pw"}, {"name": "alice", "password": "other-pw"}]
    with pytest.raises(AnsibleFilterError) as refused:
        anki_sync_env(users, iterations=ITERATIONS)
    assert "s3cret-pw" not in str(refused.value) and "other-pw" not in str(refused.value)
