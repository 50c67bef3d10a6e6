# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM certificates: find one by name, see what a service is bound to, bind a service to one; Certificate, the
Resource of the module dsm_certificate (issue one from Let's Encrypt or import one).

PRIVATE to the collection: it can change at any time.

- SYNO.Core.Certificate.CRT list is the only listing (the parent API has none); every certificate call
  needs the SynoToken, which the client always sends.
- A certificate is named by its common name, one of its subject alternative names (a wildcard covers one
  label: *.example.com covers anki.example.com, not a.b.example.com) or its description. DSM 7.2/7.3 may list
  the CN only, so SANs are used when present (dsm-webapi.md §3.1).
- Binding is SYNO.Core.Certificate.Service set with the service descriptor exactly as CRT list shows it
  and the certificate it is listed under as old_id (a descriptor rebuilt by hand is rejected). DSM lists
  a new reverse-proxy rule under the default certificate at once, and old_id "" for a listed service adds
  a second entry instead of moving it (phoeluga/synology-proxy-operator, dsm-webapi.md §7.1), so old_id ""
  with a fresh descriptor is only for a service DSM lists nowhere. A binding that is already right is
  never sent (DSM 6 removes the service on such a no-op). Unbinding (id "") lands on the default
  certificate rather than leaving the listing, so nothing waits for an unbind to be listed.
- Every Service set, import and new Let's Encrypt certificate makes DSM restart its web server: its answer may be
  lost and DSM answers nothing for up to about a minute (okkes/munniv2, batonogov settleCertificate), so each is
  confirmed by CRT list read through the restart (budget: the modules' restart_timeout), never sent again blindly.
- Let's Encrypt (SYNO.Core.Certificate.LetsEncrypt create) runs the ACME exchange inside the request and answers no
  task id; the certificate is found afterwards in CRT list. Import (SYNO.Core.Certificate import) is a multipart
  upload.
"""

import contextlib
import os
import ssl
import tempfile
import time
from datetime import datetime, timezone

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMUncertainWriteError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import (
    RESTART_TIMEOUT,
    DSMResource,
    confirm_after_restart,
    read_until,
)
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import WaitTimeout

CRT_API = "SYNO.Core.Certificate.CRT"
SERVICE_API = "SYNO.Core.Certificate.Service"
LETSENCRYPT_API = "SYNO.Core.Certificate.LetsEncrypt"
IMPORT_API = "SYNO.Core.Certificate"
#: seconds to wait for CRT list to show a change (DSM restarts its web server, up to about a minute)
SETTLE = RESTART_TIMEOUT

#: DSM error codes of the certificate APIs (a module passes them to its client)
ERRORS = {
    "SYNO.Core.Certificate": {
        5503: "Certificate validation failed",
        5510: "Invalid certificate",
        5511: "Invalid private key",
        5512: "Invalid intermediate certificate",
        5514: "The private key does not match the certificate",
        5517: "The certificate chain cannot be verified",
        5518: "DSA keys are not supported",
        5520: "No response from Let's Encrypt",
        5521: "Let's Encrypt could not validate the domain: port 80 of the NAS is not reachable from the internet",
        5522: "The Let's Encrypt server does not match",
        5523: "Too many registrations with Let's Encrypt",
        5524: "Let's Encrypt's rate limit is reached (5 certificates per week for the same names)",
        5525: "Invalid e-mail address",
        5527: "Let's Encrypt is busy",
        5528: "Let's Encrypt wildcard certificates are only issued for Synology DDNS host names",
        5529: "The domain name is not publicly resolvable",
        5530: "Let's Encrypt refused the challenge (unauthorized)",
        5534: "The key is too short",
    },
}


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


def find_bindings(certificates, subscriber, service):
    """[(certificate, descriptor as listed)] of every entry of a service (DSM may list one twice)."""
    return [
        (cert, descriptor)
        for cert in certificates
        for descriptor in cert.get("services") or []
        if isinstance(descriptor, dict)
        and descriptor.get("subscriber") == subscriber
        and descriptor.get("service") == service
    ]


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


def settle(client, subscriber, service, done, budget=SETTLE):
    """The service's bindings once done(bindings) holds, or None after budget seconds (the caller decides)."""
    try:
        return read_until(lambda: find_bindings(list_certificates(client), subscriber, service), done, budget, "")
    except WaitTimeout:
        return None


def answering(client, budget=SETTLE):
    """Whether CRT list answers again within budget seconds (DSM's web server restarts after a change)."""
    try:
        read_until(lambda: list_certificates(client), lambda _listed: True, budget, "")
    except WaitTimeout:
        return False
    return True


def bind(client, descriptor, old_id, new_id, budget=SETTLE):
    """Send one Service set: move the entry listed under old_id to new_id ("" unbinds; old_id "" adds one).

    Its answer may be lost in the web-server restart it causes: then CRT list tells whether it landed (the entry
    listed under new_id and no longer under old_id; for an unbind, no longer under old_id), read for up to budget
    seconds."""

    def landed():
        parents = [
            cert.get("id")
            for cert, _descriptor in find_bindings(
                list_certificates(client), descriptor["subscriber"], descriptor["service"]
            )
        ]
        return (not new_id or new_id in parents) and old_id not in parents

    client.call(
        SERVICE_API,
        "set",
        {"settings": [{"service": descriptor, "old_id": old_id, "id": new_id}]},
        version=1,
        write=True,
        confirm=lambda: confirm_after_restart(landed, budget, f"{SERVICE_API} set"),
    )


def converge_binding(client, bindings, fresh_descriptor, target_id, budget=SETTLE):
    """Leave the service listed under target_id only, moving each listed entry with its parent's id.

    bindings: as find_bindings() lists them now. Returns once CRT list shows exactly that, or raises.
    """
    moves = [(descriptor, cert["id"]) for cert, descriptor in bindings if cert.get("id") != target_id]
    for number, (descriptor, old_id) in enumerate(moves if bindings else [(fresh_descriptor, "")]):
        if number:
            answering(client, budget)  # each change restarts DSM's web server
        bind(client, descriptor, old_id, target_id, budget)
    subscriber, service = fresh_descriptor["subscriber"], fresh_descriptor["service"]
    if settle(client, subscriber, service, lambda now: [c.get("id") for c, _d in now] == [target_id], budget) is None:
        raise ResourceError(
            f"{SERVICE_API} set answered success, but after {budget}s CRT list does not show the service "
            f"{service} under the certificate {target_id} alone; check Control Panel > Security > Certificate > "
            "Settings"
        )


def covering_certificate(certificates, names):
    """A usable certificate whose names cover every one of names (valid longest first), or None.

    Where DSM lists no SANs, a certificate whose CN is the first name counts.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    found = []
    for cert in certificates:
        if cert.get("is_broken") or _valid_till(cert) < now:
            continue
        listed = certificate_names(cert)
        sans_listed = isinstance((cert.get("subject") or {}).get("sub_alt_name"), list)
        if all(any(covers(name, wanted) for name in listed) for wanted in names) or (
            not sans_listed and listed and _host(listed[0]) == _host(names[0])
        ):
            found.append(cert)
    return max(found, key=_valid_till) if found else None


#: what to do about a Let's Encrypt refusal; none of them is retried
LETSENCRYPT_HINTS = {
    5521: "Let's Encrypt must reach the NAS on port 80 at {name}: point the name at your public address and forward "
    "port 80 to the NAS, then run again",
    5524: "Let's Encrypt issues at most 5 certificates per week for the same names; use the certificate DSM has or "
    "wait a week. The module does not retry",
    5528: "wildcard certificates come from Let's Encrypt on DSM only for Synology DDNS names; list the host names "
    "themselves in common_name and subject_alt_names",
    5529: "{name} must resolve publicly to the NAS",
}


def _compact(text):
    return " ".join(str(text or "").split())


def parse_certificate(pem):
    """Common name, DNS names and validity of the first certificate in the PEM text (the standard library's parser)."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as handle:
        handle.write(pem)  # a certificate is public; the key never goes to disk
    try:
        decoded = ssl._ssl._test_decode_cert(handle.name)  # pylint: disable=protected-access
    except (ssl.SSLError, OSError, ValueError):
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
    subject = {key: value for rdn in decoded.get("subject", ()) for key, value in rdn}
    return {
        "common_name": subject.get("commonName", ""),
        "names": [value for kind, value in decoded.get("subjectAltName", ()) if kind == "DNS"],
        "valid_from": _compact(decoded.get("notBefore")),
        "valid_till": _compact(decoded.get("notAfter")),
    }


def shown(cert):
    """DSM's listing of a certificate, as the module returns it."""
    view = summary(cert)
    view.update(valid_from=cert.get("valid_from"), renewable=bool(cert.get("renewable")))
    return view


class Certificate(DSMResource):
    result_key = "certificate"
    dsm_errors = ERRORS

    def __init__(self, module):
        super().__init__(module)
        self._parsed = None

    @property
    def _description(self):
        return self.params["description"] or self.params["common_name"]

    def _names(self):
        return [self.params["common_name"]] + [n for n in self.params["subject_alt_names"] if n]

    def validate(self):
        super().validate()
        params = self.params
        for name in self._names():
            if not name.strip() or any(char in name for char in "; /"):
                raise ResourceError(f"common_name and subject_alt_names must be host names (got {name!r})")
        if params["source"] == "letsencrypt":
            if "@" not in (params["email"] or "").strip("@"):
                raise ResourceError("email must be an e-mail address for Let's Encrypt, such as admin@example.com")
            if params["letsencrypt_timeout"] <= 0:
                raise ResourceError("letsencrypt_timeout must be a positive number of seconds")
            return
        if "-----BEGIN CERTIFICATE-----" not in params["certificate"]:
            raise ResourceError("certificate must be PEM text starting with -----BEGIN CERTIFICATE-----")
        if "PRIVATE KEY-----" not in params["private_key"] or "ENCRYPTED" in params["private_key"]:
            raise ResourceError("private_key must be an unencrypted PEM private key (-----BEGIN ... PRIVATE KEY-----)")
        self._parsed = parse_certificate(params["certificate"])
        if self._parsed is None:
            raise ResourceError("certificate cannot be read as a PEM certificate")
        names = [self._parsed["common_name"]] + self._parsed["names"]
        if not any(covers(name, params["common_name"]) for name in names):
            raise ResourceError(
                "certificate is for {}, not for common_name {}: give the certificate of that host name".format(
                    ", ".join(name for name in names if name) or "no host name", params["common_name"]
                )
            )

    # --- reading ------------------------------------------------------------------------------
    def read(self):
        listed = list_certificates(self.client)
        if self.params["source"] == "letsencrypt":
            found = covering_certificate(listed, self._names())
        else:
            named = [cert for cert in listed if cert.get("desc") == self._description]
            if len(named) > 1:
                raise ResourceError(
                    f"description: {len(named)} DSM certificates are described '{self._description}'; give the one "
                    "to replace a description of its own in DSM (Control Panel > Security > Certificate)"
                )
            found = named[0] if named else None
        return shown(found) if found else None

    def desired(self, current):
        if self.params["source"] == "letsencrypt":
            if current is not None:
                return current  # DSM renews a covering certificate itself
            return {
                "id": None,
                "desc": self._description,
                "common_name": self.params["common_name"],
                "sub_alt_name": self._names(),
                "valid_from": None,
                "valid_till": None,
                "is_default": False,
                "renewable": True,
            }
        parsed = self._parsed
        return dict(
            current or {"id": None, "is_default": False, "renewable": False},
            desc=self._description,
            common_name=parsed["common_name"],
            sub_alt_name=parsed["names"],
            valid_from=parsed["valid_from"],
            valid_till=parsed["valid_till"],
        )

    def differences(self, current, desired):
        keys = ("desc", "common_name", "valid_from", "valid_till")
        return [key for key in keys if _compact(current[key]) != _compact(desired[key])]

    # --- writing ------------------------------------------------------------------------------
    def _listed(self, desired):
        def done(current):
            return current is not None and not self.differences(current, desired)

        return done

    def create(self, desired):
        if self.params["source"] == "letsencrypt":
            self._issue()
        else:
            self._import("", desired)

    def update(self, current, desired):
        self._import(current["id"], desired)

    def _issue(self):
        params = {"domain_name": ";".join(self._names()), "email": self.params["email"], "desc": self._description}
        names = ", ".join(self._names())
        budget, restart = self.params["letsencrypt_timeout"], self.params["restart_timeout"]
        started = time.monotonic()
        try:
            # No confirm: a request is never sent a second time (Let's Encrypt's rate limits).
            self.client.call(LETSENCRYPT_API, "create", params, version=1, write=True, timeout=budget)
        except DSMUncertainWriteError as exc:
            # DSM's front nginx gave up (504) or the answer was lost, while DSM may still be issuing: its list tells.
            wait = max(budget - (time.monotonic() - started), restart)
            try:
                read_until(self.read, lambda current: current is not None, wait, "")
            except WaitTimeout:
                waited = round(time.monotonic() - started)
                raise ResourceError(
                    f"{LETSENCRYPT_API} create got no answer ({exc.meaning}) and {waited}s after the request "
                    f"(letsencrypt_timeout) DSM lists no certificate for {names}: DSM may still be "
                    "issuing it. The module never sends the request twice (Let's Encrypt limits them): see Control "
                    "Panel > Security > Certificate, and run the task again later"
                ) from None
            return
        except DSMAPIError as exc:
            hint = LETSENCRYPT_HINTS.get(exc.code)
            if hint:
                raise ResourceError(f"{exc}; {hint.format(name=self.params['common_name'])}") from None
            raise
        read_until(
            self.read,
            lambda current: current is not None,
            restart,
            f"{LETSENCRYPT_API} create answered success, but after {restart}s (restart_timeout) CRT list shows "
            f"no certificate for {names}",
        )

    def _import(self, cert_id, desired):
        files = {
            "key": ("privkey.pem", self.params["private_key"].encode()),
            "cert": ("cert.pem", self.params["certificate"].encode()),
        }
        if self.params["intermediate_certificate"]:
            files["inter_cert"] = ("chain.pem", self.params["intermediate_certificate"].encode())
        landed = self._listed(desired)
        timeout = self.params["restart_timeout"]
        self.client.call(
            IMPORT_API,
            "import",
            {"id": cert_id, "desc": self._description},
            version=1,
            write=True,
            files=files,
            confirm=lambda: confirm_after_restart(lambda: landed(self.read()), timeout, f"{IMPORT_API} import"),
        )
        read_until(
            self.read,
            landed,
            timeout,
            f"{IMPORT_API} import answered success, but after {timeout}s (restart_timeout) CRT list does not "
            f"show the certificate described '{self._description}'",
        )
