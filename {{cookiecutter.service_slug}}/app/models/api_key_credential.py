from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Credential:
    """What checking a presented API key needs; the same shape from every store."""

    key_id: str
    key_hash: str
    scopes: frozenset[str]
    revoked: bool = False
