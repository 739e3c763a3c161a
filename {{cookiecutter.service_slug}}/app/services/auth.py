"""Throttled login, refresh-token rotation with reuse detection, and logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.auth import passwords
from app.auth.scopes import grantable_scopes
from app.auth.throttle import LoginThrottle
from app.auth.tokens import create_access_token, hash_refresh_token, new_refresh_token
from app.config import Settings
from app.errors import InvalidGrantError
from app.models.user import RefreshToken, User
from app.repositories.users import RefreshTokenRepository, UserRepository


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    scopes: frozenset[str]


class AuthService:
    def __init__(
        self,
        users: UserRepository,
        tokens: RefreshTokenRepository,
        settings: Settings,
        throttle: LoginThrottle,
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._settings = settings
        self._throttle = throttle

    async def login(
        self, email: str, password: str, requested: frozenset[str], client_address: str
    ) -> TokenPair:
        """Raises LoginThrottled, before any password hashing, when over a login limit."""
        account = email.strip().lower()
        await self._throttle.admit(account, client_address)
        user = await self._authenticate(account, password)
        if user is None:
            await self._throttle.failed(account, client_address)
            raise _bad_credentials()
        allowed = grantable_scopes(is_superuser=user.is_superuser)
        # OAuth2: no scope requested means everything the user may have.
        scopes = (requested & allowed) if requested else allowed
        if requested and not scopes:
            raise InvalidGrantError("None of the requested scopes can be granted.")
        return await self._issue(user, scopes, family_id=None)

    async def _authenticate(self, email: str, password: str) -> User | None:
        user = await self._users.get_by_email(email)
        if user is None:
            # As slow as a wrong password, so timing does not reveal which emails exist.
            await passwords.verify_dummy(password)
            return None
        valid, new_hash = await passwords.verify_and_update(password, user.password_hash)
        if not valid or not user.is_active:
            return None
        if new_hash is not None:
            # The hash predates the current parameters; only a login knows the password to redo it.
            await self._users.update(user.id, {"password_hash": new_hash})
        return user

    async def refresh(self, refresh_token: str) -> TokenPair:
        token_hash = hash_refresh_token(refresh_token)
        spent = await self._tokens.spend(token_hash, datetime.now(UTC))
        if spent is None:
            await self._end_family_if_reused(token_hash)
            raise _bad_refresh_token()
        user = await self._users.get(spent.user_id)
        if user is None or not user.is_active:
            await self._tokens.revoke_family(spent.family_id)
            raise _bad_refresh_token()
        # Never more than the login granted, nor than the user may have now.
        scopes = frozenset(spent.scope.split()) & grantable_scopes(is_superuser=user.is_superuser)
        return await self._issue(user, scopes, family_id=spent.family_id)

    async def _end_family_if_reused(self, token_hash: str) -> None:
        stored = await self._tokens.get(token_hash)
        if stored is not None and stored.used:
            # A rotated token came back: someone holds a copy, or two refreshes raced.
            # The family ends, with whatever token the other use was given.
            await self._tokens.revoke_family(stored.family_id)

    async def logout(self, refresh_token: str) -> None:
        """Revoke the token's family; unknown tokens are ignored (logout is idempotent)."""
        stored = await self._tokens.get(hash_refresh_token(refresh_token))
        if stored is not None:
            await self._tokens.revoke_family(stored.family_id)

    async def _issue(self, user: User, scopes: frozenset[str], family_id: str | None) -> TokenPair:
        """A new pair; the refresh token starts a family unless `family_id` names one."""
        refresh_token = new_refresh_token()
        token = RefreshToken(
            token_hash=hash_refresh_token(refresh_token),
            user_id=user.id,
            family_id=family_id or str(uuid.uuid4()),
            expires_at=datetime.now(UTC) + timedelta(days=self._settings.refresh_token_days),
            scope=" ".join(sorted(scopes)),
        )
        if family_id is None:
            await self._tokens.start_family(token)
        else:
            await self._tokens.add(token)
        return TokenPair(
            access_token=create_access_token(self._settings, user.id, scopes),
            refresh_token=refresh_token,
            expires_in=self._settings.access_token_minutes * 60,
            scopes=scopes,
        )


def _bad_credentials() -> InvalidGrantError:
    return InvalidGrantError("Incorrect email or password.")


def _bad_refresh_token() -> InvalidGrantError:
    return InvalidGrantError("The refresh token is invalid, expired or revoked.")
