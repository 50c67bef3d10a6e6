# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter anki_sync_env: the SYNC_USERn environment of the Anki sync server, hashed and stable."""

import base64
import binascii
import concurrent.futures
import hashlib
import hmac
import os
import re

from ansible.errors import AnsibleFilterError

PHC_PATTERN = re.compile(
    r"^\$pbkdf2-sha256\$i=(?P<i>[0-9]+),l=(?P<l>[0-9]+)\$(?P<salt>[A-Za-z0-9+/]+)\$(?P<hash>[A-Za-z0-9+/]+)$"
)
USER_VARIABLE = re.compile(r"^SYNC_USER[0-9]+$")
# The server keeps each user's collection in a folder named after the user: a name must be one plain
# directory name (no '/', no leading '.', so never '.' or '..') and carry no ':' (USER:PASSWORD).
USER_NAME = re.compile(r"^[\w@+-][\w.@+-]{0,63}$")
# Compose reads a single-quoted env file value literally (compose v2, python-dotenv 1.x), except these: a quote ends
# it, and compose v1 (python-dotenv 0.x) expands ${...} even inside quotes.
NOT_IN_ENV_FILE = re.compile(r"['\\\n\r]|\$\{")


def _b64encode(raw):
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text):
    return base64.b64decode(text + "=" * (-len(text) % 4))


def phc_hash(password, iterations, salt=None):
    """A PBKDF2-SHA256 PHC string, the format the sync server's PASSWORDS_HASHED mode verifies."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, 32)
    return f"$pbkdf2-sha256$i={iterations},l=32${_b64encode(salt)}${_b64encode(digest)}"


def parse_phc(value):
    """(iterations, salt, digest) of a well-formed PHC string, else None.

    The server panics on a hash it cannot parse and then refuses every login of every user, so
    anything deployed goes through this check first.
    """
    match = PHC_PATTERN.match(value or "")
    if not match:
        return None
    try:
        salt, digest = _b64decode(match["salt"]), _b64decode(match["hash"])
    except (binascii.Error, ValueError):
        return None
    iterations, length = int(match["i"]), int(match["l"])
    if iterations < 1 or length != len(digest) or len(salt) < 8:
        return None
    return iterations, salt, digest


def phc_verify(password, value):
    parsed = parse_phc(value)
    if parsed is None:
        return False
    iterations, salt, digest = parsed
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, len(digest))
    return hmac.compare_digest(candidate, digest)


def users_of(env):
    """{user name: credential} of the SYNC_USERn variables of env (a dict of str), in their number's order."""
    numbered = []
    for key, value in env.items():
        if USER_VARIABLE.match(str(key)) and ":" in str(value):
            name, credential = str(value).split(":", 1)
            numbered.append((int(str(key)[len("SYNC_USER") :]), name, credential))
    return {name: credential for _number, name, credential in sorted(numbered)}


def env_file_refusal(where, name):
    """The refusal of a plain-text password that Portainer's stack.env cannot carry (NOT_IN_ENV_FILE)."""
    return (
        f"{where}.password of user {name!r} contains a quote, a backslash, a line break or '${{', which "
        "Portainer's stack.env cannot carry literally to every compose version; keep "
        "anki_sync_server_hash_passwords true (hashes never contain them) or choose another password"
    )


def _deployed_credentials(deployed):
    """{user name: credential} of what is deployed: the view of filter anki_sync_deployed (its users), or an
    environment (a dict, or docker's ["K=V", ...] list)."""
    if not deployed:
        return {}
    if isinstance(deployed, dict) and isinstance(deployed.get("users"), dict):
        return {str(name): str(credential) for name, credential in deployed["users"].items()}
    if isinstance(deployed, dict):
        pairs = deployed.items()
    else:
        pairs = (item.split("=", 1) for item in deployed if "=" in item)
    env = {}
    for key, value in pairs:
        if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == "'":
            value = value[1:-1]  # written for an env file (env_file=true)
        env[key] = value
    return users_of(env)


def validate_users(users, variable, env_file=False):
    if not isinstance(users, list) or not users:
        raise AnsibleFilterError(f"{variable} must list at least one user as {{name: ..., password: ...}}")
    seen = set()
    for index, user in enumerate(users):
        where = f"{variable}[{index}]"
        if not isinstance(user, dict):
            raise AnsibleFilterError(f"{where} must be a mapping with the keys name and password")
        name, password = user.get("name"), user.get("password")
        if not isinstance(name, str) or not name:
            raise AnsibleFilterError(f"{where}.name is empty; give every user a name")
        if not USER_NAME.match(name):
            raise AnsibleFilterError(
                f"{where}.name {name!r} cannot be a user of the server, which keeps each user's data in a folder "
                "named after the user: use at most 64 letters, digits and '.', '_', '-', '@', '+', not starting "
                "with '.' (no '/', ':' or white space)"
            )
        if name in seen:
            raise AnsibleFilterError(f"{where}.name {name!r} is listed twice; user names must be unique")
        seen.add(name)
        if isinstance(password, (int, float)) and not isinstance(password, bool):
            raise AnsibleFilterError(
                f"{where}.password of user {name!r} is a number; quote it in YAML so that it stays a string"
            )
        if not isinstance(password, str) or not password:
            raise AnsibleFilterError(f"{where}.password is empty for user {name!r}; set a password (from Vault)")
        if env_file and NOT_IN_ENV_FILE.search(password):
            raise AnsibleFilterError(env_file_refusal(where, name))


def anki_sync_env(
    users, deployed=None, hashed=True, iterations=600000, variable="anki_sync_server_users", env_file=False
):
    """The SYNC_USERn (and PASSWORDS_HASHED) variables for the users, in their order.

    With hashed=true a password whose deployed hash still verifies keeps that hash (no new salt), so
    a rerun changes nothing; a new or changed password gets a fresh salt. With env_file=true the
    SYNC_USERn values are single-quoted, which compose reads literally from an env file (no $
    expansion, no stripped spaces), the way Portainer passes a stack's environment.
    """
    validate_users(users, variable, env_file=env_file and not hashed)
    deployed_credentials = _deployed_credentials(deployed)

    def credential_of(user):
        if not hashed:
            return user["password"]
        credential = deployed_credentials.get(user["name"])
        if not phc_verify(user["password"], credential):
            credential = phc_hash(user["password"], int(iterations))
        return credential

    # Each verify or hash is one PBKDF2 run (about 0.2 s at 600000 iterations); hashlib releases the GIL
    # while it runs, so threads use every core of the controller.
    if hashed and len(users) > 1:
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(users), os.cpu_count() or 1)) as pool:
            credentials = list(pool.map(credential_of, users))
    else:
        credentials = [credential_of(user) for user in users]
    env = {}
    for number, (user, credential) in enumerate(zip(users, credentials, strict=True), start=1):
        if hashed and parse_phc(credential) is None:  # pragma: no cover - phc_hash always makes a valid one
            raise AnsibleFilterError(f"the hash made for {variable}[{number - 1}] is malformed")
        value = f"{user['name']}:{credential}"
        env[f"SYNC_USER{number}"] = f"'{value}'" if env_file else value
    if hashed:
        env["PASSWORDS_HASHED"] = "1"
    return env


def anki_sync_masked(text, users, env=None):
    """text with every password of users and every credential of env (SYNC_USERn) replaced by ********.

    For the error of a task that had to be no_log: the reason shows, the secrets do not.
    """
    secrets = [user.get("password") for user in users or [] if isinstance(user, dict)]
    secrets += list(_deployed_credentials(env).values())
    text = str(text)
    for secret in sorted({str(secret) for secret in secrets if secret}, key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


def anki_sync_users_diff(users, deployed=None):
    """{added, removed, new_password}: user names only, from the users and the environment to deploy
    (users' hashes reused when unchanged) compared with the deployed environment."""
    deployed_credentials = _deployed_credentials(deployed)
    wanted = _deployed_credentials(users)
    return {
        "added": sorted(set(wanted) - set(deployed_credentials)),
        "removed": sorted(set(deployed_credentials) - set(wanted)),
        "new_password": sorted(
            name for name in set(wanted) & set(deployed_credentials) if wanted[name] != deployed_credentials[name]
        ),
    }


class FilterModule:
    def filters(self):
        return {
            "anki_sync_env": anki_sync_env,
            "anki_sync_masked": anki_sync_masked,
            "anki_sync_users_diff": anki_sync_users_diff,
        }
