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
    minutes) and is B(never sent twice) by the module, because Let's Encrypt limits how often the same names may be
    issued; a refusal fails the task with DSM's code and what to do. When DSM's front end gives up first (HTTP 504)
    or the answer is lost, DSM goes on issuing, and the module waits for the certificate in DSM's certificate list,
    until O(letsencrypt_timeout) seconds after the request.
  - With O(source=import), ensures DSM has the certificate given as PEM text in O(certificate), O(private_key) and
    O(intermediate_certificate) (C(SYNO.Core.Certificate import), a multipart upload with C(api), C(version) and
    C(method) in the URL query, as acme.sh sends it). The certificate is identified
    by O(description); when DSM lists one with that description but other validity dates or another common name, it
    is replaced in place, so the services bound to it stay bound. DSM restarts its web server after an import; a lost
    answer is settled by reading the list (O(restart_timeout)), never by importing twice.
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
      - Seconds the Let's Encrypt request may take, from the request until the certificate is in DSM's list (the
        whole ACME exchange runs inside the request; when DSM's front end answers HTTP 504 first, the module reads the
        list until then, at least O(restart_timeout)).
    type: int
    default: 360
extends_documentation_fragment:
  - ankinas.synology.dsm
  - ankinas.synology.dsm.RESTART
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
    (DSM 7.3 wizard, krg-infra; batonogov; munniv2), that it runs the ACME exchange inside the request and answers
    no task id, that DSM's front nginx may answer 504 meanwhile (munniv2, live 7.3), the refusal codes
    5521/5524/5528, the import parts C(key), C(cert), C(inter_cert), C(id), C(desc) with C(api), C(version) and
    C(method) in the URL query (acme.sh, N4S4, batonogov), and the web-server restart after a change (munniv2).
  - B(Unverified) are what C(LetsEncrypt create) answers on success (the module does not rely on it and finds the
    certificate in CRT list), whether DSM 7.2/7.3 lists subject alternative names (the module then matches the
    common name), and the copies of C(api), C(version), C(method) in the import's body (the module sends them in
    the URL query and the body).
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

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_certificate import Certificate
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_module import RESTART_TIMEOUT_OPTION, dsm_module
from ansible_collections.ankinas.synology.plugins.module_utils._resource import run_resource_module


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
            restart_timeout=RESTART_TIMEOUT_OPTION,
        ),
        required_if=[("source", "letsencrypt", ("email",)), ("source", "import", ("certificate", "private_key"))],
    )
    run_resource_module(Certificate(module))


if __name__ == "__main__":
    main()
