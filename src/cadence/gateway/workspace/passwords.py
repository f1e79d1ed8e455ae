"""Password hashes for the users file: scrypt from the standard library (no native dependency).

Stored as ``scrypt$<log2 n>$<r>$<p>$<salt>$<hash>`` (base64), so the cost can be
raised later while old hashes keep verifying.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

LOG2_N, R, P = 15, 8, 1
"""About 0.1 s and 32 MiB per hash on a small server: slow for a guesser, quick for a sign-in."""
MIN_LENGTH = 10
"""Shorter passwords are refused when a user is added."""
_MAXMEM = 128 * 1024 * 1024
# Verified when a name is unknown, so a sign-in takes as long whether or not the user exists.
_DUMMY = "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2 ** log2_n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def hash_password(password: str) -> str:
    """A new salted hash of ``password``."""
    salt = secrets.token_bytes(16)
    return f"scrypt${LOG2_N}${R}${P}${_b64(salt)}${_b64(_scrypt(password, salt, LOG2_N, R, P))}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; ``None`` or an unusable hash never matches (in the same time)."""
    try:
        scheme, log2_n, r, p, salt, digest = (stored or _DUMMY).split("$")
        if scheme != "scrypt" or not 10 <= int(log2_n) <= 20 or not 1 <= int(r) <= 32 or not 1 <= int(p) <= 16:
            raise ValueError(scheme)
        expected = _unb64(digest)
        actual = _scrypt(password, _unb64(salt), int(log2_n), int(r), int(p))
    except ValueError:
        _scrypt(password, b"0" * 16, LOG2_N, R, P)
        return False
    return stored is not None and hmac.compare_digest(actual, expected)


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be used, or ``None``."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if password != password.strip():
        return "a password must not start or end with a space"
    return None


__all__ = ["MIN_LENGTH", "hash_password", "password_problem", "verify_password"]
