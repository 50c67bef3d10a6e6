"""SYNO.Core.Certificate.CRT list and SYNO.Core.Certificate.Service set, on real certificate files.

As dsm-webapi.md §3 describes them:
- every certificate call needs the session's SynoToken (reads too); without it DSM answers 103;
- CRT list shows each certificate with its subject (CN and sub_alt_name), issuer, validity (OpenSSL
  asctime, space-padded day, GMT) and the services bound to it;
- Service set takes `settings`, a JSON array of {service, old_id, id}. For a service that is already
  bound, `service` must be the listed descriptor verbatim and `old_id` the certificate it is listed under
  (120 otherwise: a descriptor rebuilt by hand is rejected); a service bound nowhere takes old_id "".
  On DSM 7 a new descriptor carries multiple_cert and user_setable. id "" unbinds. On the DSM 6
  personality, setting a service to the certificate it already has removes the service (the quirk
  N4S4 reports), so clients must not send no-op bindings.
- the answer carries restart_httpd: true; the simulator re-renders its nginx.

The NAS comes with three certificates, all real files signed by the simulated NAS's test CA: DSM's
default "synology" certificate, one for anki.nas.test and a wildcard *.nas.test (+ nas.test).
"""

import copy
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from flask import request

from simnas.ca import TestCA
from simnas.dsm.apis import reverse_proxy
from simnas.dsm.registry import DSMError, declare_api, method

declare_api("SYNO.Core.Certificate", dsm7=(1, 1), dsm6=(1, 1), missing_token_code=103)
declare_api("SYNO.Core.Certificate.CRT", dsm7=(1, 1), dsm6=(1, 1), missing_token_code=103)
declare_api("SYNO.Core.Certificate.Service", dsm7=(1, 1), dsm6=(1, 1), missing_token_code=103)

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
    ca = getattr(sim, "ca", None)
    if ca is None:
        ca = sim.ca = TestCA(Path(os.environ.get("SIMNAS_HOME", ".cache/simnas")) / "ca")
    return ca


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
                bound[service.get("service")] = (record["cert_file"], record["key_file"])
    return bound


def _asctime(moment):
    return moment.strftime("%b %e %H:%M:%S %Y GMT")


def _name(subject, oid):
    values = subject.get_attributes_for_oid(oid)
    return values[0].value if values else ""


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
        "renewable": False,
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


def _bound(records, descriptor):
    for record in records:
        for listed in record["services"]:
            if listed.get("subscriber") == descriptor.get("subscriber") and listed.get("service") == descriptor.get(
                "service"
            ):
                return record, listed
    return None, None


@method("SYNO.Core.Certificate.Service", "set", write=True)
def service_set(ctx):
    settings = ctx.params.get("settings")
    if not isinstance(settings, list) or not settings:
        raise DSMError(114)
    records = certificates(ctx.sim)
    by_id = {record["id"]: record for record in records}
    with reverse_proxy.rollback(ctx):
        for setting in settings:
            if not isinstance(setting, dict) or not isinstance(setting.get("service"), dict):
                raise DSMError(120)
            descriptor, old_id, new_id = setting["service"], setting.get("old_id"), setting.get("id")
            if not isinstance(old_id, str) or not isinstance(new_id, str):
                raise DSMError(120)
            current, listed = _bound(records, descriptor)
            if current is not None:
                if old_id != current["id"] or descriptor != listed:
                    raise DSMError(120)  # not the listed descriptor verbatim, or not its certificate
            else:
                if old_id:
                    raise DSMError(120)
                if ctx.personality == "dsm7" and not set(descriptor) >= DSM7_DESCRIPTOR_KEYS:
                    raise DSMError(120)
                if descriptor.get("subscriber") == "ReverseProxy" and descriptor.get(
                    "service"
                ) not in reverse_proxy.rules(ctx.state):
                    raise DSMError(120)
            if new_id and new_id not in by_id:
                raise DSMError(120)
            if current is not None and ((new_id == old_id and ctx.personality == "dsm6") or not new_id):
                current["services"].remove(listed)  # unbind; or DSM 6's answer to a no-op binding
            elif new_id != old_id:
                if current is not None:
                    current["services"].remove(listed)
                by_id[new_id]["services"].append(copy.deepcopy(descriptor))
    return {"restart_httpd": True}
