# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM's encryption envelope (_dsm_envelope), opened by tools that share no code with it: the RSA part with the
`cryptography` package's own PKCS#1 v1.5 decryption, the AES part with the `openssl enc` command (OpenSSL's "Salted__"
format, MD5 key derivation: what CryptoJS and DSM's web UI use), on a known vector (fixed key, token, server time and
secrets, the expected plain text written out by hand)."""

import base64
import json
import shutil
import subprocess

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_envelope as envelope
from cryptography.hazmat.primitives.asymmetric import padding, rsa

OPENSSL = shutil.which("openssl")

# The known vector: what SYNO.API.Encryption getinfo answers (the key aside), the secrets, and the text that DSM's
# web UI would encrypt for them (each part encodeURIComponent'ed, values as JSON: dsm-webapi.md §1.2, §4.3).
CIPHER_KEY, CIPHER_TOKEN, SERVER_TIME = "__cIpHeRtext", "__cIpHeRtoKen", 1700000000
SECRETS = {"pwd": 'p@ss w&rd="ü"', "port": 6281}
PLAIN = "__cIpHeRtoKen=1700000000&pwd=%22p%40ss%20w%26rd%3D%5C%22%C3%BC%5C%22%22&port=6281"


@pytest.fixture(scope="module")
def private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=4096)


def info(private_key):
    modulus = private_key.public_key().public_numbers().n
    return {
        "cipherkey": CIPHER_KEY,
        "ciphertoken": CIPHER_TOKEN,
        "public_key": format(modulus, "x"),
        "server_time": SERVER_TIME,
    }


def openssl_decrypt(sealed_base64, passphrase, tmp_path):
    """openssl enc -d on the AES part (base64 of "Salted__" + salt + ciphertext), the passphrase from a file."""
    assert OPENSSL, "openssl is missing"
    secret = tmp_path / "passphrase"
    secret.write_bytes(passphrase + b"\n")
    done = subprocess.run(
        [OPENSSL, "enc", "-d", "-aes-256-cbc", "-md", "md5", "-a", "-A", "-pass", f"file:{secret}"],
        input=sealed_base64.encode(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def test_the_envelope_opens_with_cryptography_and_openssl_to_the_known_text(private_key, tmp_path):
    fields = envelope.envelope(info(private_key), SECRETS)
    assert list(fields) == [CIPHER_KEY]
    bundle = json.loads(fields[CIPHER_KEY])
    assert sorted(bundle) == ["aes", "rsa"]
    passphrase = private_key.decrypt(base64.b64decode(bundle["rsa"]), padding.PKCS1v15())
    # The web UI's passphrase: up to 501 characters of its alphabet, as long as the key can carry (4096 bits: 501).
    assert len(passphrase) == 501 and set(passphrase.decode()) <= set(envelope.PASSPHRASE_ALPHABET)
    assert base64.b64decode(bundle["aes"])[:8] == b"Salted__"
    assert openssl_decrypt(bundle["aes"], passphrase, tmp_path) == PLAIN


def test_a_smaller_key_gets_a_passphrase_it_can_carry(tmp_path):
    """A 2048-bit key carries at most 245 bytes under PKCS#1 v1.5: the passphrase is cut to that, and still opens."""
    small = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bundle = json.loads(envelope.envelope(info(small), {"pwd": "x"})[CIPHER_KEY])
    passphrase = small.decrypt(base64.b64decode(bundle["rsa"]), padding.PKCS1v15())
    assert len(passphrase) == 245
    assert openssl_decrypt(bundle["aes"], passphrase, tmp_path) == "__cIpHeRtoKen=1700000000&pwd=%22x%22"


def test_the_key_and_iv_are_openssl_s_for_a_fixed_passphrase_and_salt():
    """EVP_BytesToKey with MD5, as `openssl enc -P` prints it for the same passphrase and salt."""
    assert OPENSSL, "openssl is missing"
    salt = bytes.fromhex("0102030405060708")
    printed = subprocess.run(
        [OPENSSL, "enc", "-aes-256-cbc", "-md", "md5", "-P", "-S", salt.hex(), "-pass", "pass:ankinas-vector"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = {name.strip(): value.strip() for name, value in (line.split("=", 1) for line in printed.splitlines())}
    key, iv = envelope._key_and_iv(b"ankinas-vector", salt)
    assert (key.hex().upper(), iv.hex().upper()) == (values["key"], values["iv"])
