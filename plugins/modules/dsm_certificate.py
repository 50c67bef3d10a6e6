#!/usr/bin/python
# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: dsm_certificate
short_description: Get a certificate for a host name onto a Synology NAS, from Let's Encrypt or from PEM files
version_added: 0.2.0
author: ankinas.synology contributors (@ankinas)
description:
  - With O(source=letsencrypt), ensures DSM has a certificate that covers O(common_name) (and
    O(subject_alt_names)); when none does, DSM gets one from Let's Encrypt (Control Panel > Security > Certificate >
    Add > Get a certificate from Let's Encrypt; C(SYNO.Core.Certificate.LetsEncrypt create)). DSM renews it itself;
    the module issues only when no valid certificate covers the names, so later runs make no request.
  - Let's Encrypt validates the name over HTTP on port 80 of the NAS, so the name must resolve to the NAS and port 80
    must be reachable from the internet. The request runs inside one DSM call (DSM's own dialog waits up to six
    minutes) and is B(never retried) by the module, because Let's Encrypt limits how often the same names may be
    issued; a refusal fails the task with DSM's code and what to do.
  - With O(source=import), ensures DSM has the certificate given as PEM text in O(certificate), O(private_key) and
    O(intermediate_certificate) (C(SYNO.Core.Certificate import), a multipart upload). The certificate is identified
    by O(description); when DSM lists one with that description but other validity dates or another common name, it
    is replaced in place, so the services bound to it stay bound.
  - Bind the certificate to a reverse-proxy rule with M(ankinas.synology.dsm_reverse_proxy) (O(common_name) or
    O(description) names it there). The role C(ankinas.synology.reverse_proxy) does both with
    C(reverse_proxy_certificate_issue=letsencrypt).
  - The private key is never shown (module output, diff, errors); DSM's certificate listing carries no key material.
options:
  common_name:
    description:
      - The host name the certificate is for, such as V(anki.example.com); the certificate's common name.
      - With O(source=import) the certificate in O(certificate) must cover it.
    type: str
    required: true
  source:
    description: Where the certificate comes from.
    type: str
    choices: [letsencrypt, import]
    default: letsencrypt
  subject_alt_names:
    description:
      - Further host names of a Let's Encrypt certificate (DSM sends them after the common name). A wildcard such as
        V(*.example.com) is only issued for Synology DDNS names (DSM error 5528).
    type: list
    elements: str
    default: []
  email:
    description:
      - The e-mail address Let's Encrypt registers the certificate with. Required with O(source=letsencrypt).
    type: str
  description:
    description:
      - The certificate's description in DSM; defaults to O(common_name).
      - With O(source=import) it identifies the certificate to replace.
    type: str
  certificate:
    description:
      - The certificate as PEM text (for example C("{{ lookup('file', 'anki.crt') }}")). Required with
        O(source=import).
    type: str
  private_key:
    description:
      - The private key of O(certificate) as PEM text, unencrypted. Required with O(source=import). Never shown.
    type: str
  intermediate_certificate:
    description:
      - The intermediate certificates (the chain) as PEM text, if any.
    type: str
  letsencrypt_timeout:
    description:
      - Seconds to wait for DSM's answer to the Let's Encrypt request (the whole ACME exchange runs inside it).
    type: int
    default: 360
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.attributes
attributes:
  diff_mode:
    details:
      - The diff shows DSM's listing of the certificate (names, validity, id); never a key.
notes:
  - The DSM answers it reads are the DSM contracts C(certificate_list) of the collection's table
    (C(plugins/module_utils/_dsm_contracts.py)); M(ankinas.synology.dsm_probe) checks them on a NAS, and
    C(playbooks/site.yml) before its first change.
  - B(Verified) by public clients of real DSM 7.x (dsm-webapi.md §3) are C(SYNO.Core.Certificate.CRT list), the
    Let's Encrypt C(create) parameters C(domain_name) (C(;)-separated, common name first), C(email), C(desc)
    (DSM 7.3 wizard, krg-infra; batonogov; munniv2), that it is synchronous and answers no task id, the refusal
    codes 5521/5524/5528, and the import parts C(key), C(cert), C(inter_cert), C(id), C(desc) (acme.sh, N4S4).
  - B(Unverified) are what C(LetsEncrypt create) answers on success (the module does not rely on it and finds the
    certificate in CRT list), and whether DSM 7.2/7.3 lists subject alternative names (the module then matches the
    common name).
  - The module does not delete certificates and does not make one DSM's default.
seealso:
  - module: ankinas.synology.dsm_reverse_proxy
"""

EXAMPLES = r"""
- name: A Let's Encrypt certificate for the sync server's host name
  ankinas.synology.dsm_certificate:
    dsm_url: https://nas.lan:5001
    dsm_username: admin
    dsm_password: "{{ vault_dsm_password }}"
    common_name: anki.example.com
    email: admin@example.com
  delegate_to: localhost

- name: A certificate made elsewhere
  ankinas.synology.dsm_certificate:
    source: import
    common_name: anki.example.com
    description: Anki
    certificate: "{{ lookup('file', 'anki.example.com.crt') }}"
    private_key: "{{ vault_anki_key }}"
    intermediate_certificate: "{{ lookup('file', 'chain.pem') }}"
  delegate_to: localhost
"""

RETURN = r"""
certificate:
  description: The certificate as DSM lists it after the task (in check mode, as it would be); no key material.
  returned: always
  type: dict
  contains:
    id:
      description: DSM's id of the certificate (V(null) in check mode before it exists).
      type: str
    desc:
      description: Description.
      type: str
    common_name:
      description: Common name.
      type: str
    sub_alt_name:
      description: Subject alternative names, as far as DSM lists them.
      type: list
      elements: str
    valid_from:
      description: Start of validity, as DSM shows it.
      type: str
    valid_till:
      description: End of validity, as DSM shows it.
      type: str
    is_default:
      description: Whether it is DSM's default certificate.
      type: bool
    renewable:
      description: Whether DSM renews it itself (Let's Encrypt).
      type: bool
operation:
  description: V(create) when a certificate was issued or imported, V(update) when one was replaced in place.
  returned: changed
  type: str
"""

import contextlib
import os
import ssl
import tempfile

from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_certificate as certs
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import RESTARTING, DSMResource, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import ResourceError, run_resource_module
from ansible_collections.ankinas.synology.plugins.module_utils._wait import wait_until

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
    view = certs.summary(cert)
    view.update(valid_from=cert.get("valid_from"), renewable=bool(cert.get("renewable")))
    return view


class Certificate(DSMResource):
    result_key = "certificate"
    dsm_errors = certs.ERRORS

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
        if not any(certs.covers(name, params["common_name"]) for name in names):
            raise ResourceError(
                "certificate is for {}, not for common_name {}: give the certificate of that host name".format(
                    ", ".join(name for name in names if name) or "no host name", params["common_name"]
                )
            )

    # --- reading ------------------------------------------------------------------------------
    def read(self):
        listed = certs.list_certificates(self.client)
        if self.params["source"] == "letsencrypt":
            found = certs.covering_certificate(listed, self._names())
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
        try:
            # No confirm: a request without an answer is reported, never sent a second time (rate limits).
            self.client.call(
                certs.LETSENCRYPT_API,
                "create",
                params,
                version=1,
                write=True,
                timeout=self.params["letsencrypt_timeout"],
            )
        except DSMAPIError as exc:
            hint = LETSENCRYPT_HINTS.get(exc.code)
            if hint:
                raise ResourceError(f"{exc}; {hint.format(name=self.params['common_name'])}") from None
            raise
        wait_until(
            self.read,
            lambda current: current is not None,
            certs.SETTLE,
            f"{certs.LETSENCRYPT_API} create answered success, but after {certs.SETTLE}s CRT list shows no "
            f"certificate for {', '.join(self._names())}",
            retry_on=RESTARTING,
        )

    def _import(self, cert_id, desired):
        files = {
            "key": ("privkey.pem", self.params["private_key"].encode()),
            "cert": ("cert.pem", self.params["certificate"].encode()),
        }
        if self.params["intermediate_certificate"]:
            files["inter_cert"] = ("chain.pem", self.params["intermediate_certificate"].encode())
        landed = self._listed(desired)
        self.client.call(
            certs.IMPORT_API,
            "import",
            {"id": cert_id, "desc": self._description},
            version=1,
            write=True,
            files=files,
            confirm=lambda: landed(self.read()),
        )
        wait_until(
            self.read,
            landed,
            certs.SETTLE,
            f"{certs.IMPORT_API} import answered success, but after {certs.SETTLE}s CRT list does not show the "
            f"certificate described '{self._description}'",
            retry_on=RESTARTING,
        )


def main():
    module = dsm_module(
        dict(
            common_name=dict(type="str", required=True),
            source=dict(type="str", choices=["letsencrypt", "import"], default="letsencrypt"),
            subject_alt_names=dict(type="list", elements="str", default=[]),
            email=dict(type="str"),
            description=dict(type="str"),
            certificate=dict(type="str"),
            private_key=dict(type="str", no_log=True),
            intermediate_certificate=dict(type="str"),
            letsencrypt_timeout=dict(type="int", default=360),
        ),
        required_if=[("source", "letsencrypt", ("email",)), ("source", "import", ("certificate", "private_key"))],
    )
    run_resource_module(Certificate(module))


if __name__ == "__main__":
    main()
