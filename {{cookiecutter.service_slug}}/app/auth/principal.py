"""Who is calling, and what they may do: one shape whatever the credential."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.scopes import ADMIN


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, as its validated credential says: no database read behind it.

    `subject` is the id the credential stands for; `scopes` are what it grants.
    """

    subject: str
    scopes: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.scopes
