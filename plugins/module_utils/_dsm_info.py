# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What DSM and which model the NAS runs, which of the collection's APIs it offers, what time it is there: the facts
of the module dsm_info.

PRIVATE to the collection: it can change at any time.
"""

import re

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_clock import read_clock

VERSION = re.compile(r"DSM (\d+)\.(\d+)(?:\.(\d+))?-(\d+)(?: Update (\d+))?")

REPORTED_APIS = {
    "reverse_proxy": "SYNO.Core.AppPortal.ReverseProxy",
    "backup_task": "SYNO.Backup.Task",
    "docker_project": "SYNO.Docker.Project",
    "shared_folder": "SYNO.Core.Share",
}


def read_version(client):
    """(version string, model, source API): DSM.Info v2 where offered, else Core.System."""
    info = client.api_info("SYNO.DSM.Info")
    if info and info["maxVersion"] >= 2:
        try:
            data = client.call("SYNO.DSM.Info", "getinfo", version=2)
            return data.get("version_string", ""), data.get("model", ""), "SYNO.DSM.Info"
        except DSMAPIError as exc:
            if exc.code not in (102, 103, 104):
                raise
    data = client.call("SYNO.Core.System", "info", version=1)
    return data.get("firmware_ver", ""), data.get("model", ""), "SYNO.Core.System"


def gather(client, clock=False):
    version_string, model, source = read_version(client)
    match = VERSION.search(version_string or "")
    numbers = [int(group or 0) for group in match.groups()] if match else [client.dsm_major(), 0, 0, 0, 0]
    dsm = dict(zip(("major", "minor", "micro", "build", "update_number"), numbers, strict=True))
    # The deprecated name of update_number (removed in 1.0.0): dsm.update is the dict's method in Jinja.
    dsm["update"] = dsm["update_number"]
    dsm.update(version_string=version_string, model=model, source=source)
    apis = {key: client.has_api(api) for key, api in REPORTED_APIS.items()}
    facts = {"dsm": dsm, "apis": apis}
    if clock:
        facts["clock"] = read_clock(client)
    return facts
