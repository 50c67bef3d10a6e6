"""Helpers of the reverse-proxy tests (modules/test_dsm_reverse_proxy.py, test_dsm_certificate.py and proxy/): the
guide's rule as module options, and reading what the simulated NAS's nginx serves (a module of its own, beside the top
conftest, whose folder is on sys.path: `from conftest import` finds whichever suite's conftest was loaded last)."""

import collections
import socket
import ssl
import subprocess

Reply = collections.namedtuple("Reply", "status headers body")
FQDN = "anki.nas.test"


def list_rules(dsm):
    return [
        record["entry"]
        for record in sorted(dsm.state()["state"].get("reverse_proxy", {}).values(), key=lambda record: record["order"])
    ]


def rule_args(**overrides):
    """The setup guide's rule, as module options."""
    args = {"description": "Anki sync server", "source_host": FQDN, "destination_port": 27701}
    args.update(overrides)
    return args


def curl(dsm, path="/health", host=FQDN, port=None, extra=()):
    """curl through the simulated NAS's nginx with SNI and the test CA: Reply(status line, headers, body).

    On a failure of curl itself (TLS, connection) status is None and body is curl's error message.
    """
    port = port or dsm.https_port
    command = [
        "curl",
        "-sS",
        "-i",
        "--max-time",
        "10",
        "--cacert",
        dsm.ca_path,
        "--resolve",
        f"{host}:{port}:127.0.0.1",
        *extra,
        f"https://{host}:{port}{path}",
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode:
        return Reply(None, {}, out.stderr)
    head, _blank, body = out.stdout.replace("\r\n", "\n").partition("\n\n")
    status, *lines = head.split("\n")
    headers = {}
    for line in lines:
        name, _colon, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(status, headers, body)


def served_common_name(dsm, host=FQDN, verify=True):
    """The CN of the certificate nginx serves for host (SNI); verified against the test CA unless verify=False."""
    context = ssl.create_default_context(cafile=dsm.ca_path)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", dsm.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
