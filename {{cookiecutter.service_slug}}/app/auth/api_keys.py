"""API keys: `{{ cookiecutter.service_slug.replace('-', '_') }}_<lookup id>_<secret>`, stored as a SHA-256 digest.

The prefix names the service, so a leaked key is recognisable (and greppable
by secret scanners); the lookup id finds the stored key without scanning; the
secret carries 256 random bits. Only the digest of the whole key is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

KEY_PREFIX = "{{ cookiecutter.service_slug.replace('-', '_') }}"
LOOKUP_ID_BYTES = 8
SECRET_LENGTH = 43  # 43 characters of 62 carry 256 bits
_ALPHABET = string.ascii_letters + string.digits
# Anything not of this shape (16 hex digits, 43 letters or digits) is refused before any lookup.
_KEY_PATTERN = re.compile(r"[a-z0-9_]+_(?P<lookup_id>[0-9a-f]{16})_[A-Za-z0-9]{43}")


@dataclass(frozen=True, slots=True)
class GeneratedKey:
    """A new key: `key` is shown once, only `lookup_id` and `key_hash` are stored."""

    key: str
    lookup_id: str
    key_hash: str


def generate_api_key() -> GeneratedKey:
    lookup_id = secrets.token_hex(LOOKUP_ID_BYTES)
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    key = f"{KEY_PREFIX}_{lookup_id}_{secret}"
    return GeneratedKey(key=key, lookup_id=lookup_id, key_hash=hash_api_key(key))


def lookup_id_of(key: str) -> str | None:
    """The lookup id of a well-formed key; None for anything else."""
    match = _KEY_PATTERN.fullmatch(key)
    return None if match is None else match["lookup_id"]


def hash_api_key(key: str) -> str:
    # 256 random bits leave nothing to guess from a dictionary: a slow password
    # hash (argon2) would only cost time on every request, not add safety.
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key: str, key_hash: str) -> bool:
    # Constant time: the comparison does not reveal how much of a digest matched.
    return hmac.compare_digest(hash_api_key(key), key_hash)
