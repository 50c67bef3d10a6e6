# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM's global HTTP/2 switch (SYNO.Core.Web.DSM get/set v1, enable_spdy) as the module dsm_http2 manages it.

PRIVATE to the collection: it can change at any time.

set takes the whole web-service setting: the listed values go back with enable_spdy changed. The change restarts
DSM's web server, so it is confirmed by reading through the restart (restart_timeout), never sent again blindly.
"""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import (
    DSMResource,
    confirm_after_restart,
    read_until,
)
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

API = "SYNO.Core.Web.DSM"
#: what set takes besides enable_spdy, sent with the listed values (dsmctl, live DSM 7.3)
SET_FIELDS = (
    "http_port",
    "https_port",
    "enable_https",
    "enable_https_redirect",
    "enable_hsts",
    "enable_custom_domain",
    "fqdn",
)


class Http2Setting(DSMResource):
    result_key = "http2"
    compared_keys = ("enabled",)

    def __init__(self, module):
        super().__init__(module)
        self._listed = {}

    def read(self):
        # v1: v2's get leaves out enable_https and enable_hsts, which set needs.
        self._listed = self.client.call(API, "get", version=1)
        if "enable_spdy" not in self._listed:
            raise ResourceError(f"{API} get answered no enable_spdy; this DSM has no global HTTP/2 setting")
        return {"enabled": bool(self._listed["enable_spdy"])}

    def desired(self, current):
        return {"enabled": self.params["enabled"]}

    def update(self, current, desired):
        missing = [key for key in SET_FIELDS if key not in self._listed]
        if missing:
            raise ResourceError(f"{API} get did not list {', '.join(missing)}, which set needs; nothing was changed")
        params = {key: self._listed[key] for key in SET_FIELDS}
        params["fqdn"] = params["fqdn"] or ""
        params["enable_spdy"] = desired["enabled"]
        timeout = self.params["restart_timeout"]
        self.client.call(
            API,
            "set",
            params,
            version=1,
            write=True,
            confirm=lambda: confirm_after_restart(lambda: self._now() == desired["enabled"], timeout, f"{API} set"),
        )
        # DSM restarts its web server after the change: read until it answers the new value.
        read_until(
            self._now,
            lambda now: now == desired["enabled"],
            timeout,
            f"{API} set answered success, but after {timeout}s (restart_timeout) DSM does not list the change",
        )

    def _now(self):
        return bool(self.client.call(API, "get", version=1).get("enable_spdy"))
