# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NAS's shared folders (SYNO.Core.Share list), read the one way every module reads them.

PRIVATE to the collection: it can change at any time.
"""

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
