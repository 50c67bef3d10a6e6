# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""File Station folders (SYNO.FileStation.List getinfo, SYNO.FileStation.CreateFolder) through the one DSM client.

PRIVATE to the collection: it can change at any time.

Paths are File Station paths, starting at the shared folder's name (/docker/anki-server for
/volume1/docker/anki-server, dsm-webapi.md §5.3). File Station cannot set a POSIX owner or mode (§7.5).
A missing path: getinfo fails with error 408, or answers an entry with code 408 (batonogov/terraform-provider-
synology-dsm internal/client/file.go handles both, GetFileInfo and parseFileInfo); either means absent.

SYNO.FileStation.List list{folder_path, offset, limit, additional} answers {total, offset, files} (Synology's File
Station API guide). No public client or capture shows how File Station lists a symbolic link, nor whether an
administrator may list a folder whose POSIX mode keeps others out: callers treat both as unknown.
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError

LIST_API = "SYNO.FileStation.List"
FOLDER_API = "SYNO.FileStation.CreateFolder"
MISSING = 408
#: what list/getinfo add to an entry
ADDITIONAL = ["real_path", "owner", "perm"]
PAGE = 1000


class FolderClient:
    def __init__(self, client):
        self.client = client

    def info(self, path):
        """The File Station entry of path (with real_path, owner and perm), or None when it does not exist."""
        try:
            data = self.client.call(LIST_API, "getinfo", {"path": [path], "additional": ADDITIONAL}, version=(1, 2))
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

    def children(self, path):
        """The entries of the folder path (with real_path, owner and perm), every page of them."""
        entries, offset = [], 0
        while True:
            data = self.client.call(
                LIST_API,
                "list",
                {"folder_path": path, "offset": offset, "limit": PAGE, "additional": ADDITIONAL},
                version=(1, 2),
            )
            page = [entry for entry in data.get("files") or [] if isinstance(entry, dict)]
            entries += page
            offset += len(page)
            if not page or offset >= int(data.get("total") or 0):
                return entries
