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


def _deployed_credentials(deployed):
    """{user name: credential} from a deployed environment (a dict, or docker's ["K=V", ...] list)."""
    if not deployed:
        return {}
    if isinstance(deployed, dict):
        pairs = deployed.items()
    else:
        pairs = (item.split("=", 1) for item in deployed if "=" in item)
    credentials = {}
    for key, value in pairs:
        if USER_VARIABLE.match(key) and ":" in value:
            name, credential = value.split(":", 1)
            credentials[name] = credential
    return credentials


def validate_users(users, variable):
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
        if ":" in name or re.search(r"\s", name):
            raise AnsibleFilterError(
                f"{where}.name {name!r} contains ':' or white space, which the server's USER:PASSWORD "
                "format cannot carry; choose a name without them"
            )
        if name in seen:
            raise AnsibleFilterError(f"{where}.name {name!r} is listed twice; user names must be unique")
        seen.add(name)
        if not isinstance(password, str) or not password:
            raise AnsibleFilterError(f"{where}.password is empty for user {name!r}; set a password (from Vault)")


def anki_sync_env(users, deployed=None, hashed=True, iterations=600000, variable="anki_sync_server_users"):
    """The SYNC_USERn (and PASSWORDS_HASHED) variables for the users, in their order.

    With hashed=true a password whose deployed hash still verifies keeps that hash (no new salt), so
    a rerun changes nothing; a new or changed password gets a fresh salt.
    """
    validate_users(users, variable)
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
        env[f"SYNC_USER{number}"] = f"{user['name']}:{credential}"
    if hashed:
        env["PASSWORDS_HASHED"] = "1"
    return env


class FilterModule:
    def filters(self):
        return {"anki_sync_env": anki_sync_env}
