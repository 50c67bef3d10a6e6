# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NAS's shared folders (SYNO.Core.Share), read the one way every module reads them, and SharedFolder, the
Resource of the module dsm_shared_folder (create, describe, delete one).

PRIVATE to the collection: it can change at any time.
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import DSMResource
from ansible_collections.ankinas.synology.plugins.module_utils._nas_path import VOLUME
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

SHARE_API = "SYNO.Core.Share"


def list_shares(client):
    """Every shared folder of the NAS as SYNO.Core.Share list answers it (entries without a name left out)."""
    data = client.call(SHARE_API, "list", {"shareType": "all", "offset": 0, "limit": -1}, version=1)
    return [share for share in data.get("shares") or [] if isinstance(share, dict) and share.get("name")]


def share_volumes(client):
    """{name: vol_path} of the NAS's shared folders."""
    return {share["name"]: share.get("vol_path") for share in list_shares(client)}


def find_share(client, name):
    """The shared folder called name, as listed, or None."""
    return next((share for share in list_shares(client) if share["name"] == name), None)


MAX_DESCRIPTION = 64
# Characters DSM refuses in shared folder names.
FORBIDDEN_NAME = re.compile(r'[\\/:*?"<>|=+,;\[\]`]')
SHOWN_FIELDS = ("name", "vol_path", "desc", "uuid")
#: what the DSM Control Panel wizard sets for a new shared folder
CREATE_DEFAULTS = {
    "enable_recycle_bin": True,
    "recycle_bin_admin_only": True,
    "enable_share_cow": False,
    "enable_share_compress": False,
    "encryption": 0,
}


class SharedFolder(DSMResource):
    result_key = "share"
    compared_keys = ("desc",)

    def validate(self):
        super().validate()
        name, volume, description = self.params["name"], self.params["volume"], self.params["description"]
        if not name or len(name) > 32 or FORBIDDEN_NAME.search(name) or name.startswith("."):
            raise ResourceError(
                "name must be 1 to 32 characters, not start with a dot and not contain any of "
                '\\ / : * ? " < > | = + , ; [ ] `'
            )
        if not VOLUME.match(volume):
            raise ResourceError(f"volume must be a DSM volume path such as /volume1, got {volume!r}")
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise ResourceError(
                f"description is {len(description)} characters long; DSM accepts at most {MAX_DESCRIPTION}"
            )

    def read(self):
        share = find_share(self.client, self.params["name"])
        return {key: share.get(key, "") for key in SHOWN_FIELDS} if share else None

    def desired(self, current):
        volume = self.params["volume"]
        if current is not None and current["vol_path"] != volume:
            raise ResourceError(
                f"shared folder {self.params['name']} is on {current['vol_path']}, not on {volume}; set volume to "
                f"{current['vol_path']} (this module does not move shared folders)"
            )
        description = self.params["description"]
        if description is None:
            description = current["desc"] if current else ""
        return {"name": self.params["name"], "vol_path": volume, "desc": description}

    def _shareinfo(self, desired, name_org):
        return dict(name=desired["name"], vol_path=desired["vol_path"], desc=desired["desc"], name_org=name_org)

    def create(self, desired):
        shareinfo = dict(self._shareinfo(desired, ""), **CREATE_DEFAULTS)
        self.client.call(
            SHARE_API,
            "create",
            {"name": desired["name"], "shareinfo": shareinfo},
            version=1,
            write=True,
            confirm=lambda: self.read() is not None,
        )

    def update(self, current, desired):
        self.client.call(
            SHARE_API,
            "set",
            {"name": current["name"], "shareinfo": self._shareinfo(desired, current["name"])},
            version=1,
            write=True,
            confirm=lambda: (self.read() or {}).get("desc") == desired["desc"],
        )

    def delete(self, current):
        self.client.call(
            SHARE_API,
            "delete",
            {"name": [current["name"]]},
            version=1,
            write=True,
            confirm=lambda: self.read() is None,
        )
