"""The test certificate authority of the simulated NAS.

One CA per SIMNAS_HOME, kept on disk so that the demo, the tests and the Anki client (through
SSL_CERT_FILE) all trust the same root. Leaf certificates carry a SAN, which rustls requires.
"""

import os
from pathlib import Path

import trustme


class TestCA:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        cert, key = self.directory / "ca.crt", self.directory / "ca.key"
        if cert.exists() and key.exists():
            self._ca = trustme.CA.from_pem(cert.read_bytes(), key.read_bytes())
        else:
            self._ca = trustme.CA(organization_name="ankinas simulated NAS")
            self._ca.cert_pem.write_to_path(str(cert))
            self._ca.private_key_pem.write_to_path(str(key))
            os.chmod(key, 0o600)
        self.cert_path = cert

    def leaf(self, name, *identities):
        """Paths (cert chain, key) of a leaf certificate for the identities; made once, then reused."""
        cert, key = self.directory / f"{name}.crt", self.directory / f"{name}.key"
        if not (cert.exists() and key.exists()):
            leaf = self._ca.issue_cert(*identities, common_name=identities[0])
            cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
            leaf.private_key_pem.write_to_path(str(key))
            os.chmod(key, 0o600)
        return cert, key
