# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP(S) for the collection's API clients (DSM, Portainer, the Anki sync server), on the standard library alone.

PRIVATE to the collection: it can change at any time.

The clients need what ansible.module_utils.urls.open_url does for them (a request with a CA file or the system's
CAs or none, the environment's proxy, no redirect followed, no netrc) and nothing else. Importing that module costs
every module run about 40 ms of CPU (it loads cryptography when installed) and puts its source into every module's
payload; nearly every task of a play runs one of these clients, so they use this instead. It runs on DSM's Python
3.8 too (anki_sync_login runs on the NAS).

Errors are urllib's: HTTPError for an answer that is not 2xx (3xx included, as no redirect is followed), URLError
for no answer (its reason an ssl.SSLCertVerificationError when the certificate is not trusted), TimeoutError or
OSError while the answer is read.
"""

import ssl
from urllib.request import HTTPRedirectHandler, HTTPSHandler, Request, build_opener


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx answer


def tls_context(validate_certs=True, ca_path=None):
    """The TLS settings: ca_path alone when given, else the system's CAs; none checked without validate_certs."""
    context = ssl.create_default_context(cafile=ca_path or None)
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def is_untrusted_certificate(error):
    """Whether a URLError says the server's certificate was not trusted (retrying cannot help)."""
    return isinstance(getattr(error, "reason", None), ssl.SSLCertVerificationError)


class Opener:
    """One client's way out: its TLS settings are read once (the CA file), then reused by every request."""

    def __init__(self, validate_certs=True, ca_path=None):
        self._opener = build_opener(HTTPSHandler(context=tls_context(validate_certs, ca_path)), _NoRedirect())

    def open(self, url, data=None, headers=None, method="GET", timeout=30):
        """The answer (read() and getcode()/status) of a 2xx; raises as the module docstring says."""
        if not url.lower().startswith(("https://", "http://")):
            raise ValueError(f"not an http(s) URL: {url}")
        if isinstance(data, str):
            data = data.encode("utf-8")
        request = Request(url, data=data, headers=dict(headers or {}), method=method)  # noqa: S310 - checked above
        return self._opener.open(request, timeout=timeout)
