"""SYNO.API.Encryption getinfo and the opening of DSM's parameter encryption envelope.

DSM's web UI (and ychiu1211/dsmctl internal/synology/encryption.go, live on DSM 7.3 / Hyper Backup 4.2.2;
N4S4/synology-api auth.py encrypt_params) sends secrets over plain HTTP inside an envelope
(dsm-webapi.md §1.2, §4.3): the form field named by `cipherkey` holds {"rsa": base64, "aes": base64};
"rsa" is a random passphrase RSA-encrypted (PKCS#1 v1.5) with the key `getinfo` gave out, "aes" is
OpenSSL "Salted__" AES-256-CBC (key and IV from MD5, CryptoJS's passphrase mode) of the text
`<ciphertoken>=<server_time>&<name>=<JSON value>...`, each part URI-component encoded.

The simulator's key is made once per process (4096 bits: the web UI's 501-character passphrase needs it).
An envelope whose server_time is older than DSM honours (real-DSM behaviour `cipher_token_lifetime_seconds`,
360 s) is not opened: its fields are not used, as secrets sent in the clear are not (what DSM answers then no
public source shows: the simulator's choice).
"""

import base64
import functools
import hashlib
import json
import time
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from simnas.dsm.behaviours import behaviour
from simnas.dsm.registry import DSMError, declare_api, method

API = "SYNO.API.Encryption"
declare_api(API, dsm7=(1, 1), dsm6=(1, 1), json_format=(), admin_only=False)

CIPHER_KEY = "__cIpHeRtext"
CIPHER_TOKEN = "__cIpHeRtoKen"

TOKEN_LIFETIME = behaviour(
    "cipher_token_lifetime_seconds",
    real=360,
    off=0,
    source="Synology's GPL synocgi.h (CIPHERTOKEN_VALID_DURATION 360, next to SZK_CIPHERTOKEN); dsm-webapi.md "
    "§10.1 table 6",
    what="an encryption envelope whose server_time (from getinfo) is older than this many seconds is not opened: "
    "its fields are not used (off: any age)",
)


@functools.cache
def _private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=4096)


@method(API, "getinfo", session=False)
def getinfo(ctx):
    if ctx.params.get("format", "module") != "module":
        raise DSMError(120)
    modulus = _private_key().public_key().public_numbers().n
    return {
        "cipherkey": CIPHER_KEY,
        "ciphertoken": CIPHER_TOKEN,
        "public_key": format(modulus, "x"),
        "server_time": int(time.time()),
    }


def open_envelope(text, lifetime=0):
    """The fields {name: raw JSON text} inside an envelope; DSMError(120) when it does not open; {} when its
    server_time is more than lifetime seconds old (lifetime 0: any age)."""
    try:
        bundle = json.loads(text)
        passphrase = _private_key().decrypt(base64.b64decode(bundle["rsa"]), padding.PKCS1v15())
        sealed = base64.b64decode(bundle["aes"])
        if sealed[:8] != b"Salted__":
            raise ValueError("not OpenSSL's salted format")
        salt, body = sealed[8:16], sealed[16:]
        derived, block = b"", b""
        while len(derived) < 48:
            block = hashlib.md5(block + passphrase + salt).digest()  # noqa: S324 - the wire format
            derived += block
        decryptor = Cipher(algorithms.AES(derived[:32]), modes.CBC(derived[32:48])).decryptor()
        unpadder = symmetric_padding.PKCS7(128).unpadder()
        plain = unpadder.update(decryptor.update(body) + decryptor.finalize()) + unpadder.finalize()
        pairs = parse_qsl(plain.decode(), keep_blank_values=True, strict_parsing=True)
    except (ValueError, KeyError, TypeError):
        raise DSMError(120) from None
    if not pairs or pairs[0][0] != CIPHER_TOKEN:
        raise DSMError(120)
    try:
        age = time.time() - int(pairs[0][1])
    except ValueError:
        raise DSMError(120) from None
    if lifetime and age > lifetime:
        return {}
    return dict(pairs[1:])
