# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM certificates: find one by name, see what a service is bound to, bind a service to one.

PRIVATE to the collection: it can change at any time.

- SYNO.Core.Certificate.CRT list is the only listing (the parent API has none); every certificate call
  needs the SynoToken, which the client always sends.
- A certificate is named by its common name, one of its subject alternative names (a wildcard covers one
  label: *.example.com covers anki.example.com, not a.b.example.com) or its description. DSM 7.2/7.3 may list
  the CN only, so SANs are used when present (dsm-webapi.md §3.1).
- Binding is SYNO.Core.Certificate.Service set with the service descriptor exactly as CRT list shows it
  and the certificate it is listed under as old_id (a descriptor rebuilt by hand is rejected); a service
  bound nowhere gets a fresh descriptor and old_id "". A binding that is already right is never sent
  (DSM 6 removes the service on such a no-op).
"""

import time
from datetime import datetime

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import API_ERRORS
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError

CRT_API = "SYNO.Core.Certificate.CRT"
SERVICE_API = "SYNO.Core.Certificate.Service"

API_ERRORS.setdefault(
    "SYNO.Core.Certificate",
    {
        5503: "Certificate validation failed",
        5510: "Invalid certificate",
        5511: "Invalid private key",
        5512: "Invalid intermediate certificate",
        5514: "The private key does not match the certificate",
        5517: "The certificate chain cannot be verified",
    },
)


def list_certificates(client):
    data = client.call(CRT_API, "list", version=1)
    certificates = data.get("certificates") if isinstance(data, dict) else None
    return [cert for cert in certificates or [] if isinstance(cert, dict) and cert.get("id")]


def _host(name):
    return str(name or "").strip().rstrip(".").lower()


def covers(pattern, name):
    """Whether a certificate name (maybe *.domain) covers the host name (one label for the wildcard)."""
    pattern, name = _host(pattern), _host(name)
    if not pattern or not name:
        return False
    if pattern == name:
        return True
    if pattern.startswith("*.") and not name.startswith("*."):
        head, _dot, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return False


def certificate_names(cert):
    subject = cert.get("subject") or {}
    names = [subject.get("common_name")]
    alt = subject.get("sub_alt_name")
    if isinstance(alt, list):
        names += alt
    return [name for name in names if isinstance(name, str) and name]


def _valid_till(cert):
    text = " ".join(str(cert.get("valid_till") or "").split())
    try:
        return datetime.strptime(text, "%b %d %H:%M:%S %Y GMT")
    except ValueError:
        return datetime.min


def find_certificate(certificates, wanted):
    """The certificate named `wanted`: exact CN/SAN/description first, then one whose wildcard covers it.

    Among equally good matches (DSM's Let's Encrypt renewal can leave an old copy) the one valid longest
    wins; a broken certificate only when nothing else matches.
    """
    exact, covering = [], []
    for cert in certificates:
        names = certificate_names(cert)
        if any(_host(name) == _host(wanted) for name in names) or cert.get("desc") == wanted:
            exact.append(cert)
        elif any(covers(name, wanted) for name in names):
            covering.append(cert)
    for tier in (exact, covering):
        usable = [cert for cert in tier if not cert.get("is_broken")] or tier
        if usable:
            return max(usable, key=_valid_till)
    available = sorted({(cert.get("subject") or {}).get("common_name") or "?" for cert in certificates})
    raise ResourceError(
        "certificate: no DSM certificate has the common name, a subject alternative name or the description '{}'; "
        "available certificates (by common name): {}. Import or issue it in DSM (Control Panel > Security > "
        "Certificate), or name one of these".format(wanted, ", ".join(available) or "none")
    )


def find_binding(certificates, subscriber, service):
    """(certificate, descriptor as listed) a service is bound to, or (None, None)."""
    for cert in certificates:
        for descriptor in cert.get("services") or []:
            if (
                isinstance(descriptor, dict)
                and descriptor.get("subscriber") == subscriber
                and descriptor.get("service") == service
            ):
                return cert, descriptor
    return None, None


def summary(cert):
    """What the modules return about a certificate (no key material exists in the listing anyway)."""
    if not cert:
        return None
    subject = cert.get("subject") or {}
    return {
        "id": cert.get("id"),
        "desc": cert.get("desc", ""),
        "common_name": subject.get("common_name"),
        "sub_alt_name": subject.get("sub_alt_name") or [],
        "valid_till": cert.get("valid_till"),
        "is_default": bool(cert.get("is_default")),
    }


def reverse_proxy_descriptor(rule_id, fqdn, dsm_major):
    """A reverse-proxy rule's service descriptor for its first binding, as DSM's wizard sends it."""
    descriptor = {
        "display_name": fqdn,
        "isPkg": False,
        "owner": "root",
        "service": rule_id,
        "subscriber": "ReverseProxy",
    }
    if dsm_major >= 7:
        descriptor.update(multiple_cert=True, user_setable=True)
    return descriptor


def bind(client, descriptor, old_id, new_id, settle=90):
    """Bind (new_id) or unbind ("") one service; returns once CRT list shows the new binding.

    DSM restarts its web server after a certificate change, which can drop the connection for a while;
    the read-back retries for up to `settle` seconds.
    """

    def landed():
        cert, _descriptor = find_binding(list_certificates(client), descriptor["subscriber"], descriptor["service"])
        return (cert or {}).get("id", "") == new_id

    client.call(
        SERVICE_API,
        "set",
        {"settings": [{"service": descriptor, "old_id": old_id, "id": new_id}]},
        version=1,
        write=True,
        confirm=landed,
    )
    deadline = time.monotonic() + settle
    while True:
        try:
            if landed():
                return
            problem = "CRT list does not show the new binding"
        except ResourceError as exc:
            problem = str(exc)
        if time.monotonic() >= deadline:
            raise ResourceError(
                f"{SERVICE_API} set answered success, but after {settle}s {problem}; "
                "check Control Panel > Security > Certificate > Settings"
            )
        time.sleep(2)
