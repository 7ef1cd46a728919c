"""Passwords (argon2id, salted and slow) and random secrets (API tokens, session ids) hashed at rest.

A token or session id has 256 random bits, so a fast SHA-256 hash is enough to make a stolen
table useless; passwords are guessable and need argon2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_password", "hash_secret", "new_secret", "password_matches", "same_secret"]

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of a password (with its own salt and parameters)."""
    return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; False for a missing or malformed hash."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret(prefix: str = "") -> str:
    """A random secret (256 bits, URL-safe) with a recognisable prefix (`kk_` for API tokens)."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest a high-entropy secret is stored and looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (CSRF tokens); False when either is missing."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
