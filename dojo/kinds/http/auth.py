"""Users and their password hashes, for the http katas that log users in: learners import this as `dojo.auth`.

    from dojo.auth import ROLES, User, hash_password, verify_password

    users = {"ada": User(password_hash=hash_password("correct horse"), role="admin")}
    verify_password("correct horse", users["ada"].password_hash)  # True

A hash is PBKDF2-HMAC-SHA256 with a random salt, written as `pbkdf2_sha256$<iterations>$<salt>$<digest>` (salt
and digest in hex), so a hash carries its own cost and `verify_password` reads it from there. Standard library
only: the worker copies this file beside learner code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

ROLES = ("viewer", "editor", "admin")  # from least to most allowed
ITERATIONS = 600_000  # OWASP's figure for PBKDF2-HMAC-SHA256 (2023)
SCHEME = "pbkdf2_sha256"


@dataclass(frozen=True)
class User:
    """A user as an app keeps it: never the password, only its hash; `role` is one of ROLES."""

    password_hash: str
    role: str


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    """A salted hash of `password`; the same password hashed twice gives two different hashes."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, password_hash: str) -> bool:
    """Whether `password` is the one `password_hash` was made from (in constant time: how long a wrong
    password takes says nothing about the right one)."""
    try:
        scheme, iterations, salt, expected = password_hash.split("$")
        if scheme != SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
    except ValueError:  # not a hash made by hash_password
        return False
    return hmac.compare_digest(digest.hex(), expected)
