# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""File Station folders (SYNO.FileStation.List getinfo, SYNO.FileStation.CreateFolder) through the one DSM client.

PRIVATE to the collection: it can change at any time.

Paths are File Station paths, starting at the shared folder's name (/docker/anki-server for
/volume1/docker/anki-server, dsm-webapi.md §5.3). File Station cannot set a POSIX owner or mode (§7.5).
A missing path: getinfo fails with error 408, or answers an entry with code 408 (batonogov/terraform-provider-
synology-dsm internal/client/file.go handles both, GetFileInfo and parseFileInfo); either means absent.
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError

LIST_API = "SYNO.FileStation.List"
FOLDER_API = "SYNO.FileStation.CreateFolder"
MISSING = 408


class FolderClient:
    def __init__(self, client):
        self.client = client

    def info(self, path):
        """The File Station entry of path (with real_path, owner and perm), or None when it does not exist."""
        try:
            data = self.client.call(
                LIST_API, "getinfo", {"path": [path], "additional": ["real_path", "owner", "perm"]}, version=(1, 2)
            )
        except DSMAPIError as exc:
            if exc.code == MISSING:
                return None
            raise
        entries = data.get("files") or []
        entry = entries[0] if entries else {}
        return None if not entry or entry.get("code") == MISSING else entry

    def make(self, path):
        """Make the folder and its missing parents (force_parent); an existing one is left as it is."""
        parent, _slash, name = path.rstrip("/").rpartition("/")
        self.client.call(
            FOLDER_API,
            "create",
            {"folder_path": parent or "/", "name": name, "force_parent": True},
            version=(1, 2),
            write=True,
            confirm=lambda: self.info(path) is not None,
        )
