"""Secrets handling in one place: random tokens, password and token hashes, keyed hashes, sealing.

Nothing secret is stored in clear: passwords use scrypt (memory-hard), random bearer tokens a
SHA-256 (they carry 256 bits of entropy), short secrets such as OTPs an HMAC keyed with a key
derived from OBP_DATA_KEY (so a leaked table cannot be brute-forced offline), and payloads that
must be read back (an email carrying an OTP waiting in the outbox) are sealed with AES-GCM.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from chalicelib.settings import get_settings

# scrypt cost: N (default 2^14) * r=8 * 128 bytes = 16 MiB of memory per hash.
_SCRYPT_R, _SCRYPT_P = 8, 1


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_token(nbytes: int = 32) -> str:
    """A random, URL-safe bearer secret."""
    return secrets.token_urlsafe(nbytes)


def new_key(length: int = 40) -> str:
    """A random lower-case alphanumeric key, the shape of OBP consumer keys and secrets."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def numeric_otp(digits: int = 6) -> str:
    """A one-time password of exactly `digits` decimal digits from the OS CSPRNG."""
    return str(secrets.randbelow(10**digits)).zfill(digits)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    n = get_settings().password_scrypt_n
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(digest))
    )
    return hmac.compare_digest(candidate, _unb64(digest))


def spend_password_check(password: str) -> None:
    """Do the work of a password check against nothing, so an unknown username takes as long as
    a wrong password (no user enumeration by timing)."""
    hashlib.scrypt(password.encode(), salt=b"\0" * 16, n=get_settings().password_scrypt_n, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)


def _derived_key(purpose: str) -> bytes:
    """A key per purpose, derived from the master data key (HKDF-SHA256, one block)."""
    master = get_settings().data_key
    prk = hmac.new(b"obp-serverless", master, hashlib.sha256).digest()
    return hmac.new(prk, purpose.encode() + b"\x01", hashlib.sha256).digest()


def keyed_hash(purpose: str, *parts: str) -> str:
    """HMAC-SHA256 over the parts, keyed per purpose. For OTPs and other low-entropy secrets."""
    message = "\x1f".join(parts).encode()
    return hmac.new(_derived_key(purpose), message, hashlib.sha256).hexdigest()


def equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def seal(plaintext: bytes, purpose: str) -> str:
    """Encrypt and authenticate (AES-256-GCM) with the purpose's key; returns text safe to store."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # imported on use: cold start

    nonce = os.urandom(12)
    sealed = AESGCM(_derived_key(purpose)).encrypt(nonce, plaintext, purpose.encode())
    return _b64(nonce + sealed)


def unseal(token: str, purpose: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = _unb64(token)
    return AESGCM(_derived_key(purpose)).decrypt(raw[:12], raw[12:], purpose.encode())
