# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM's parameter encryption envelope (SYNO.API.Encryption), for secrets sent over plain HTTP.

PRIVATE to the collection: it can change at any time.

Wire form (dsm-webapi.md §1.2 and §4.3; ychiu1211/dsmctl internal/synology/encryption.go, live on DSM 7.3
with Hyper Backup 4.2.2; N4S4/synology-api auth.py encrypt_params):
- `SYNO.API.Encryption getinfo format=module` answers `cipherkey` (the name of the form field that carries
  the envelope), `ciphertoken`, `public_key` (the RSA modulus in hex, exponent 65537) and `server_time`;
- the secrets become the text `<ciphertoken>=<server_time>&<name>=<JSON value>...` (each part
  URI-component encoded), AES-256-CBC encrypted with a random passphrase in OpenSSL's "Salted__" format
  (key and IV from MD5, as CryptoJS does), the passphrase RSA (PKCS#1 v1.5) encrypted with the public key;
- the form carries `<cipherkey>={"rsa": base64, "aes": base64}` instead of the secret fields.
The cryptography package comes with ansible-core; without it the caller gets a clear message. It is imported when an
envelope is built, not with this module: only a plain-HTTP dsm_url with a secret needs it, and importing it cost every
DSM module run 10-35 ms of CPU (python -X importtime on a module's payload).
"""

import base64
import hashlib
import json
import secrets
from urllib.parse import quote

#: what the DSM web UI uses for the random passphrase (dsmctl: 501 characters of this alphabet)
PASSPHRASE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ~!@#$%^&*()_+-/"  # noqa: S105 - an alphabet, not a password
PASSPHRASE_LENGTH = 501


def _uri_component(text):
    """JavaScript's encodeURIComponent, which DSM's web UI applies to each part."""
    return quote(text, safe="-_.!~*'()")


def _key_and_iv(passphrase, salt):
    """OpenSSL's EVP_BytesToKey with MD5: 32 bytes of key and 16 of IV (CryptoJS's passphrase mode)."""
    derived, block = b"", b""
    while len(derived) < 48:
        block = hashlib.md5(block + passphrase + salt).digest()  # noqa: S324 - the wire format needs MD5
        derived += block
    return derived[:32], derived[32:48]


def envelope(info, fields):
    """{cipherkey: JSON text of the envelope} for fields {name: value} (values JSON-encoded inside)."""
    try:
        from cryptography.hazmat.primitives import padding as symmetric_padding
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:  # pragma: no cover - ansible-core depends on cryptography
        raise RuntimeError("the Python package cryptography is missing") from None
    public_key = rsa.RSAPublicNumbers(65537, int(info["public_key"], 16)).public_key()
    length = min(PASSPHRASE_LENGTH, public_key.key_size // 8 - 11)
    passphrase = "".join(secrets.choice(PASSPHRASE_ALPHABET) for _index in range(length)).encode()
    parts = [f"{_uri_component(info['ciphertoken'])}={_uri_component(str(info['server_time']))}"]
    for name, value in fields.items():
        parts.append(f"{_uri_component(name)}={_uri_component(json.dumps(value, ensure_ascii=False))}")
    padder = symmetric_padding.PKCS7(128).padder()
    plain = padder.update("&".join(parts).encode()) + padder.finalize()
    salt = secrets.token_bytes(8)
    key, iv = _key_and_iv(passphrase, salt)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = b"Salted__" + salt + encryptor.update(plain) + encryptor.finalize()
    bundle = {
        "rsa": base64.b64encode(public_key.encrypt(passphrase, padding.PKCS1v15())).decode(),
        "aes": base64.b64encode(sealed).decode(),
    }
    return {info["cipherkey"]: json.dumps(bundle, separators=(",", ":"))}
