"""The simulator's persisted state: users, API keys, environments, stacks and their files.

One JSON file, rewritten atomically after each change, so that the demo survives a restart.
Callers hold Store.lock around read-modify-write sequences (the server is threaded).
"""

import hashlib
import json
import os
import secrets
import threading
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash


def key_digest(raw_key):
    return hashlib.sha256(raw_key.encode()).hexdigest()


class Store:
    def __init__(self, path):
        self.path = Path(path)
        self.lock = threading.RLock()
        if self.path.exists():
            self.data = json.loads(self.path.read_text())
        else:
            self.data = {
                "jwt_secret": secrets.token_hex(32),
                "users": [],
                "api_keys": [],
                "endpoints": [],
                "stacks": [],
                "files": {},
                "next_ids": {"user": 1, "api_key": 1, "endpoint": 1, "stack": 1},
            }

    def save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)

    def next_id(self, kind):
        ids = self.data["next_ids"]
        value = ids[kind]
        ids[kind] = value + 1
        return value

    # --- users and API keys ---------------------------------------------------------------------
    def ensure_admin(self, username, password, api_key=None):
        """The configured admin exists with this password (and this API key, when one is given)."""
        with self.lock:
            user = self.user_by_name(username)
            if user is None:
                user = {"Id": self.next_id("user"), "Username": username, "Role": 1}
                self.data["users"].append(user)
            if not (user.get("password_hash") and check_password_hash(user["password_hash"], password)):
                user["password_hash"] = generate_password_hash(password)
            if api_key and not self.user_for_api_key(api_key):
                self.data["api_keys"].append(
                    {
                        "Id": self.next_id("api_key"),
                        "userId": user["Id"],
                        "description": "simulator",
                        "prefix": api_key[:7],
                        "digest": key_digest(api_key),
                    }
                )
            self.save()
            return user

    def user_by_name(self, username):
        return next((u for u in self.data["users"] if u["Username"] == username), None)

    def user_by_id(self, user_id):
        return next((u for u in self.data["users"] if u["Id"] == user_id), None)

    def check_password(self, username, password):
        user = self.user_by_name(username)
        if user and check_password_hash(user["password_hash"], password):
            return user
        return None

    def user_for_api_key(self, raw_key):
        digest = key_digest(raw_key)
        for key in self.data["api_keys"]:
            if secrets.compare_digest(key["digest"], digest):
                return self.user_by_id(key["userId"])
        return None

    # --- environments ---------------------------------------------------------------------------
    def ensure_endpoint(self, name, url, endpoint_type=1):
        with self.lock:
            endpoint = next((e for e in self.data["endpoints"] if e["Name"] == name), None)
            if endpoint is None:
                endpoint = self.add_endpoint(name, url, endpoint_type)
            return endpoint

    def add_endpoint(self, name, url, endpoint_type=1):
        with self.lock:
            endpoint = {
                "Id": self.next_id("endpoint"),
                "Name": name,
                "Type": endpoint_type,
                "URL": url,
                "GroupId": 1,
                "PublicURL": "",
                "Status": 1,
                "ContainerEngine": "docker",
                "Snapshots": [],
                "TagIds": [],
            }
            self.data["endpoints"].append(endpoint)
            self.save()
            return endpoint

    def endpoint(self, endpoint_id):
        return next((e for e in self.data["endpoints"] if e["Id"] == endpoint_id), None)

    # --- stacks ---------------------------------------------------------------------------------
    def stack(self, stack_id):
        return next((s for s in self.data["stacks"] if s["Id"] == stack_id), None)

    def stack_file(self, stack_id):
        return self.data["files"].get(str(stack_id), "")

    def put_stack(self, stack, content):
        with self.lock:
            self.data["stacks"] = [s for s in self.data["stacks"] if s["Id"] != stack["Id"]] + [stack]
            self.data["files"][str(stack["Id"])] = content
            self.save()

    def remove_stack(self, stack_id):
        with self.lock:
            self.data["stacks"] = [s for s in self.data["stacks"] if s["Id"] != stack_id]
            self.data["files"].pop(str(stack_id), None)
            self.save()
