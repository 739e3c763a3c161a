"""Password hashing with argon2id (pwdlib), run off the event loop."""

from __future__ import annotations

import asyncio
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))


@cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so an unknown email costs
    # as much time as a wrong password and the response time reveals nothing.
    return _hasher.hash("dummy password that matches no account")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password: str, password_hash: str) -> bool:
    return await asyncio.to_thread(_hasher.verify, password, password_hash)


async def verify_and_update(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Whether the password matches, and a new hash if the stored one has outdated parameters."""
    return await asyncio.to_thread(_hasher.verify_and_update, password, password_hash)


async def verify_dummy(password: str) -> None:
    """Spend the time of one verification without any account to check against."""
    await asyncio.to_thread(_hasher.verify, password, _dummy_hash())
