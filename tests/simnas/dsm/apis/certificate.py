"""SYNO.Core.Certificate.CRT list and SYNO.Core.Certificate.Service set, on real certificate files.

As dsm-webapi.md §3 describes them:
- every certificate call needs the session's SynoToken (reads too); without it DSM answers 103;
- CRT list shows each certificate with its subject (CN and sub_alt_name), issuer, validity (OpenSSL
  asctime, space-padded day, GMT) and the services bound to it;
- a new HTTPS reverse-proxy rule is listed at once under the default certificate's services (DSM
  materialises a certificate for it, dsm-webapi.md §7.1);
- Service set takes `settings`, a JSON array of {service, old_id, id}. With a non-empty `old_id`,
  `service` must be the descriptor listed under that certificate, verbatim (120 otherwise: a descriptor
  rebuilt by hand is rejected), and the entry moves to `id`. With `old_id ""` the service gets one more
  entry under `id`, also when it is listed already: the second entry phoeluga/synology-proxy-operator
  hit in production (DSM 7 wants multiple_cert and user_setable in a new descriptor). id "" unbinds, and
  an unbound service falls back to the default certificate (it does not leave the listing). A rule
  listed under several certificates is served the first of them in listing order. On the DSM 6
  personality, setting a service to the certificate it already has removes the service (the quirk
  N4S4 reports), so clients must not send no-op bindings.
- the answer carries restart_httpd: true; the simulator re-renders its nginx, then DSM's web server restarts
  (Simulator.restart_httpd): the answer itself is lost and Web API connections drop for a while (the real-DSM
  behaviours httpd_restart_loses_answer and httpd_restart_seconds, declared in app.py).
- SYNO.Core.Certificate import (multipart: key, cert, inter_cert files; id, desc, as_default): an empty id
  adds a certificate, an existing id replaces it in place and keeps its services; 5510/5511/5512/5514
  for an unreadable certificate, key or intermediate, or a key that does not belong to the certificate.
  DSM dispatches a multipart call from the api/version/method of the URL query (real-DSM behaviour
  `multipart_dispatch_from_query`): sent in the body only they are not seen (101, the simulator's choice of code).
- SYNO.Core.Certificate.LetsEncrypt create{domain_name "cn;san..", email, desc[, as_default]} runs the ACME
  exchange inside the request and answers no task id: the simulator issues a certificate for the names from its
  test CA (standing in for Let's Encrypt), listed as renewable. The exchange takes minutes on a real NAS and DSM's
  front nginx answers 504 meanwhile (real-DSM behaviour `letsencrypt_answer_504_then_issue_seconds`): the
  simulator answers an HTML 504 at once and lists the certificate that many seconds later; off, it answers
  success when issued. Refusals (answered, never 504): 5525 for an e-mail without '@', 5528 for a wildcard
  outside Synology's DDNS domains, 5524 for a sixth request of the same names (Let's Encrypt's weekly limit,
  counted per request); the fault `letsencrypt_refusal` ({"code": 5521, "count": n}) refuses the next ones with
  that code (5521: port 80 unreachable).

The NAS comes with three certificates, all real files signed by the simulated NAS's test CA: DSM's
default "synology" certificate, one for anki.nas.test and a wildcard *.nas.test (+ nas.test).
"""

import copy
import os
import secrets
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from flask import request

from simnas.ca import TestCA
from simnas.dsm.apis import reverse_proxy
from simnas.dsm.behaviours import behaviour
from simnas.dsm.registry import GATEWAY_TIMEOUT, DSMError, declare_api, method

declare_api("SYNO.Core.Certificate", dsm7=(1, 1), dsm6=(1, 1), missing_token_code=103)
declare_api("SYNO.Core.Certificate.CRT", dsm7=(1, 1), dsm6=(1, 1), missing_token_code=103)
declare_api("SYNO.Core.Certificate.Service", dsm7=(1, 1), dsm6=(1, 1), missing_token_code=103)
declare_api("SYNO.Core.Certificate.LetsEncrypt", dsm7=(1, 1), dsm6=(1, 1), missing_token_code=103)
LETSENCRYPT = "SYNO.Core.Certificate.LetsEncrypt"
#: Synology DDNS domains, the only ones DSM issues Let's Encrypt wildcards for
DDNS_DOMAINS = ("synology.me", "diskstation.me", "myds.me", "dscloud.me", "dscloud.biz", "i234.me", "dsmynas.com")
LETSENCRYPT_WEEKLY_LIMIT = 5

MULTIPART_FROM_QUERY = behaviour(
    "multipart_dispatch_from_query",
    real=True,
    off=False,
    source="acmesh-official/acme.sh deploy/synology_dsm.sh (import: entry.cgi?api=SYNO.Core.Certificate&method=import"
    "&version=1&SynoToken=..); N4S4/synology-api core_certificate.py upload_cert (api/version/method in the URL); "
    "batonogov/terraform-provider-synology-dsm internal/client/file.go uploadAttempt ('DSM dispatches the request "
    "from the URL and only then parses the body, so an upload that carries them exclusively in the multipart body "
    "is rejected on some DSM builds')",
    what="a multipart call is dispatched from api/version/method in the URL query; in the body only, they are not "
    "seen (off: read from the body too)",
)
LETSENCRYPT_504 = behaviour(
    "letsencrypt_answer_504_then_issue_seconds",
    real=3.0,
    off=None,
    source="okkes/munniv2 infra/modules/dsm.mjs (DsmTransportError: 'a 5xx from DSM's front nginx (its own UI treats "
    "504 on the slow Let's Encrypt call as still running)'; on a transport error it re-lists CRT and never re-sends, "
    "live DSM 7.3); batonogov internal/client/certificate.go CreateLetsEncryptCertificate (the whole ACME exchange "
    "inside the request, a 10 min budget); dsm-webapi.md §3.4, §10.1 table 3",
    what="LetsEncrypt create answers HTTP 504 (DSM's front nginx) at once and the certificate is listed this many "
    "seconds later (minutes on a real NAS, scaled down) (off: answered when issued)",
)

#: (file name in the CA directory, description, is_default, names: CN first)
SEEDS = (
    ("dsm-cert-synology", "", True, ("synology",)),
    ("dsm-cert-anki.nas.test", "Anki", False, ("anki.nas.test",)),
    ("dsm-cert-wildcard.nas.test", "nas.test wildcard", False, ("*.nas.test", "nas.test")),
)
DESKTOP_SERVICE = {
    "display_name": "DSM Desktop Service",
    "display_name_i18n": "common:web_desktop",
    "isPkg": False,
    "owner": "root",
    "service": "default",
    "subscriber": "system",
    "multiple_cert": True,
    "user_setable": True,
}
DSM7_DESCRIPTOR_KEYS = {"display_name", "isPkg", "owner", "service", "subscriber", "multiple_cert", "user_setable"}


def _ca(sim):
    """The NAS's own test CA (Simulator.ca_dir; a test may set sim.ca to another TestCA)."""
    if sim.ca is None:
        sim.ca = TestCA(sim.ca_dir)
    return sim.ca


def certificates(sim):
    """The NAS's certificates (seeded on first use, persisted with the state)."""
    state = sim.state.data
    if "certificates" not in state:
        ca = _ca(sim)
        seeded = []
        for name, desc, is_default, names in SEEDS:
            cert, key = ca.leaf(name, *names)
            descriptor = dict(DESKTOP_SERVICE)
            if sim.personality == "dsm6":
                descriptor.pop("multiple_cert")
                descriptor.pop("user_setable")
            seeded.append(
                {
                    "id": secrets.token_urlsafe(6)[:6],
                    "desc": desc,
                    "is_default": is_default,
                    "cert_file": str(cert),
                    "key_file": str(key),
                    "services": [descriptor] if is_default else [],
                }
            )
        state["certificates"] = seeded
        sim.state.save()
    return state["certificates"]


def add_certificate(sim, file_name, desc, *names, is_default=False):
    """Add a certificate for names (CN first), as an import would; returns its id. For tests."""
    cert, key = _ca(sim).leaf(file_name, *names)
    with sim.lock:
        record = {
            "id": secrets.token_urlsafe(6)[:6],
            "desc": desc,
            "is_default": is_default,
            "cert_file": str(cert),
            "key_file": str(key),
            "services": [],
        }
        certificates(sim).append(record)
        sim.state.save()
    return record["id"]


def default_certificate(sim):
    record = next(record for record in certificates(sim) if record["is_default"])
    return record["cert_file"], record["key_file"]


def rule_certificates(sim):
    """Reverse-proxy rule UUID -> (cert file, key file) of the certificate bound to it."""
    bound = {}
    for record in certificates(sim):
        for service in record["services"]:
            if service.get("subscriber") == "ReverseProxy":
                bound.setdefault(service.get("service"), (record["cert_file"], record["key_file"]))
    return bound


def reverse_proxy_descriptor(sim, rule_id, fqdn):
    descriptor = {
        "display_name": fqdn,
        "isPkg": False,
        "multiple_cert": True,
        "owner": "root",
        "service": rule_id,
        "subscriber": "ReverseProxy",
        "user_setable": True,
    }
    if sim.personality == "dsm6":
        descriptor.pop("multiple_cert")
        descriptor.pop("user_setable")
    return descriptor


def list_new_rule(sim, rule_id, fqdn):
    """A new HTTPS rule is listed under the default certificate at once, as DSM does (§7.1)."""
    default = next(record for record in certificates(sim) if record["is_default"])
    default["services"].append(reverse_proxy_descriptor(sim, rule_id, fqdn))


def _asctime(moment):
    return moment.strftime("%b %e %H:%M:%S %Y GMT")


def _name(subject, oid):
    values = subject.get_attributes_for_oid(oid)
    return values[0].value if values else ""


def _shown_common_name(record):
    """The CN of a certificate record's certificate."""
    cert = x509.load_pem_x509_certificate(Path(record["cert_file"]).read_bytes())
    return _name(cert.subject, NameOID.COMMON_NAME)


def _shown(sim, record):
    cert = x509.load_pem_x509_certificate(Path(record["cert_file"]).read_bytes())
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        alt_names = [str(value) for value in san.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        alt_names = []
    subject = {"common_name": _name(cert.subject, NameOID.COMMON_NAME)}
    # DSM 7.2/7.3 may list the CN only (dsm-webapi.md §3.1); sim.certificate_list_san = False shows that.
    if getattr(sim, "certificate_list_san", True):
        subject["sub_alt_name"] = alt_names
    return {
        "id": record["id"],
        "desc": record["desc"],
        "is_default": record["is_default"],
        "is_broken": False,
        "renewable": bool(record.get("renewable")),
        "user_deletable": not record["is_default"],
        "key_types": "RSA" if "RSA" in type(cert.public_key()).__name__ else "ECC",
        "signature_algorithm": cert.signature_algorithm_oid._name,
        "issuer": {
            "common_name": _name(cert.issuer, NameOID.COMMON_NAME),
            "organization": _name(cert.issuer, NameOID.ORGANIZATION_NAME),
        },
        "subject": subject,
        "valid_from": _asctime(cert.not_valid_before_utc),
        "valid_till": _asctime(cert.not_valid_after_utc),
        "services": copy.deepcopy(record["services"]),
    }


def _require_token(ctx):
    """Certificate APIs want the SynoToken even for reads (103 without it)."""
    token = request.headers.get("X-SYNO-TOKEN") or request.args.get("SynoToken")
    if token != ctx.session["token"]:
        raise DSMError(103)


@method("SYNO.Core.Certificate.CRT", "list")
def crt_list(ctx):
    _require_token(ctx)
    return {"certificates": [_shown(ctx.sim, record) for record in certificates(ctx.sim)]}


def _entries(records, descriptor):
    """(certificate, listed descriptor) of every entry of the descriptor's service."""
    wanted = (descriptor.get("subscriber"), descriptor.get("service"))
    return [
        (record, listed)
        for record in records
        for listed in record["services"]
        if (listed.get("subscriber"), listed.get("service")) == wanted
    ]


@method("SYNO.Core.Certificate.Service", "set", write=True)
def service_set(ctx):
    settings = ctx.params.get("settings")
    if not isinstance(settings, list) or not settings:
        raise DSMError(114)
    records = certificates(ctx.sim)
    by_id = {record["id"]: record for record in records}
    default = next(record for record in records if record["is_default"])
    with reverse_proxy.rollback(ctx):
        for setting in settings:
            if not isinstance(setting, dict) or not isinstance(setting.get("service"), dict):
                raise DSMError(120)
            descriptor, old_id, new_id = setting["service"], setting.get("old_id"), setting.get("id")
            if not isinstance(old_id, str) or not isinstance(new_id, str):
                raise DSMError(120)
            if new_id and new_id not in by_id:
                raise DSMError(120)
            entries = _entries(records, descriptor)
            if not old_id:
                # A first assignment, as the wizard sends it: one more entry, whatever is listed already.
                if ctx.personality == "dsm7" and not set(descriptor) >= DSM7_DESCRIPTOR_KEYS:
                    raise DSMError(120)
                rule = descriptor.get("subscriber") == "ReverseProxy"
                if rule and descriptor.get("service") not in reverse_proxy.rules(ctx.state):
                    raise DSMError(120)
                if new_id and not any(record["id"] == new_id for record, _listed in entries):
                    by_id[new_id]["services"].append(copy.deepcopy(descriptor))
                continue
            current, listed = next(((r, d) for r, d in entries if r["id"] == old_id), (None, None))
            if current is None or descriptor != listed:
                raise DSMError(120)  # not listed under old_id, or not the listed descriptor verbatim
            if new_id == old_id:
                if ctx.personality == "dsm6":
                    current["services"].remove(listed)  # DSM 6's answer to a no-op binding
                continue
            current["services"].remove(listed)
            target = by_id[new_id] if new_id else default  # an unbound service lands on the default
            if not any(record is target for record, _listed in _entries(records, descriptor)):
                target["services"].append(listed)
    ctx.sim.restart_httpd()
    return {"restart_httpd": True}


def _load_pem(blob, loader, code):
    try:
        return loader(blob)
    except (ValueError, TypeError):
        raise DSMError(code) from None


def _public_bytes(key):
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@method("SYNO.Core.Certificate", "import", write=True)
def certificate_import(ctx):
    from cryptography.hazmat.primitives import serialization

    files = {name: request.files[name].read() for name in ("key", "cert", "inter_cert") if name in request.files}
    if "key" not in files or "cert" not in files:
        raise DSMError(114)
    key = _load_pem(files["key"], lambda blob: serialization.load_pem_private_key(blob, None), 5511)
    cert = _load_pem(files["cert"], x509.load_pem_x509_certificate, 5510)
    chain = files.get("inter_cert") or b""
    if chain.strip():
        _load_pem(chain, x509.load_pem_x509_certificates, 5512)
    if _public_bytes(key.public_key()) != _public_bytes(cert.public_key()):
        raise DSMError(5514)
    cert_id, desc = ctx.params.get("id", ""), ctx.params.get("desc", "")
    records = certificates(ctx.sim)
    if cert_id:
        record = next((record for record in records if record["id"] == cert_id), None)
        if record is None:
            raise DSMError(5503)
    else:
        record = {"id": secrets.token_urlsafe(6)[:6], "is_default": False, "services": []}
        records.append(record)
    directory = _ca(ctx.sim).directory
    name = "imported-{}-{}".format(record["id"], secrets.token_hex(3))
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(files["cert"].rstrip() + b"\n" + chain)
    key_file.write_bytes(files["key"])
    os.chmod(key_file, 0o600)
    record.update(desc=str(desc), cert_file=str(cert_file), key_file=str(key_file), renewable=False)
    if ctx.params.get("as_default") is True:
        _make_default(records, record)
    reverse_proxy.render(ctx.sim)
    ctx.sim.restart_httpd()
    return {"restart_httpd": True}


def _make_default(records, record):
    for other in records:
        other["is_default"] = other is record


@method(LETSENCRYPT, "create", write=True)
def letsencrypt_create(ctx):
    names, email, desc = ctx.params.get("domain_name"), ctx.params.get("email"), ctx.params.get("desc", "")
    if not isinstance(names, str) or not names.strip() or not isinstance(email, str):
        raise DSMError(114)
    names = [name.strip().lower() for name in names.split(";") if name.strip()]
    if any(not reverse_proxy.valid_host(name, wildcard=True) for name in names):
        raise DSMError(120)
    if "@" not in email.strip("@"):
        raise DSMError(5525)
    for name in names:
        if name.startswith("*.") and not name[2:].endswith(DDNS_DOMAINS):
            raise DSMError(5528)
    refusal = ctx.sim._take_fault("letsencrypt_refusal", LETSENCRYPT)
    if refusal:
        raise DSMError(int(refusal.get("code", 5521)))
    issued = ctx.state.setdefault("letsencrypt_issued", {})
    key = ";".join(sorted(names))
    if issued.get(key, 0) >= LETSENCRYPT_WEEKLY_LIMIT:
        raise DSMError(5524)
    issued[key] = issued.get(key, 0) + 1
    as_default = ctx.params.get("as_default") is True
    later = ctx.sim.behaviours[LETSENCRYPT_504]
    if later is not None:
        threading.Thread(target=_issue_later, args=(ctx.sim, names, str(desc), as_default, later), daemon=True).start()
        return GATEWAY_TIMEOUT  # the front nginx gives up; DSM goes on with the ACME exchange
    _issue(ctx.sim, names, str(desc), as_default)
    return None  # no task id: clients find the certificate in CRT list


def _issue_later(sim, names, desc, as_default, seconds):
    time.sleep(float(seconds))
    with sim.lock:
        _issue(sim, names, desc, as_default)
        sim.state.save()


def _issue(sim, names, desc, as_default):
    """A Let's Encrypt certificate for the names (CN first), from the test CA; DSM's web server restarts."""
    file_name = "letsencrypt-{}-{}".format(names[0].replace("*", "_"), secrets.token_hex(3))
    cert, private_key = _ca(sim).leaf(file_name, *names)
    records = certificates(sim)
    record = {
        "id": secrets.token_urlsafe(6)[:6],
        "desc": desc,
        "is_default": False,
        "cert_file": str(cert),
        "key_file": str(private_key),
        "services": [],
        "renewable": True,
    }
    records.append(record)
    if as_default:
        _make_default(records, record)
    sim.restart_httpd()
