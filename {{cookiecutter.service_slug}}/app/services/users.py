"""Accounts: registration, self-service, administration, the password policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.auth import passwords
from app.config import Settings
from app.errors import ConflictError, ForbiddenError, NotFoundError, PasswordPolicyError
from app.models.user import NewUser, User, UserId, UserPage
from app.repositories.users import DuplicateEmailError, RefreshTokenRepository, UserRepository


class UserService:
    def __init__(
        self, users: UserRepository, tokens: RefreshTokenRepository, settings: Settings
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._settings = settings

    async def register(self, email: str, password: str, full_name: str | None) -> User:
        if not self._settings.registration_enabled:
            raise ForbiddenError("Registration is disabled; ask an administrator for an account.")
        return await self.create(email, password, full_name)

    async def create(
        self, email: str, password: str, full_name: str | None, *, is_superuser: bool = False
    ) -> User:
        self.check_password(password, email)
        new_user = NewUser(
            email=email,
            password_hash=await passwords.hash_password(password),
            full_name=full_name,
            is_superuser=is_superuser,
        )
        try:
            return await self._users.add(new_user)
        except DuplicateEmailError:
            raise _email_taken(email) from None

    def check_password(self, password: str, email: str) -> None:
        minimum = self._settings.password_min_length
        if len(password) < minimum:
            raise PasswordPolicyError(f"The password must be at least {minimum} characters long.")
        if password.strip().lower() == email.strip().lower():
            raise PasswordPolicyError("The password must not be the email address.")

    async def list_users(self, *, limit: int, offset: int) -> UserPage:
        return await self._users.page(limit=limit, offset=offset)

    async def get_user(self, user_id: UserId) -> User:
        user = await self._users.get(user_id)
        if user is None:
            raise _not_found(user_id)
        return user

    async def update_me(self, user: User, changes: Mapping[str, Any]) -> User:
        """Change your own email, name or password; a new password signs out everywhere."""
        changes = dict(changes)
        password = changes.pop("password", None)
        if password is not None:
            self.check_password(password, changes.get("email", user.email))
            changes["password_hash"] = await passwords.hash_password(password)
        updated = await self._update(user.id, changes)
        if password is not None:
            await self._tokens.revoke_user(user.id)
        return updated

    async def update_user(self, user_id: UserId, changes: Mapping[str, Any]) -> User:
        """Administrative change; deactivating a user revokes their refresh tokens."""
        updated = await self._update(user_id, changes)
        if changes.get("is_active") is False:
            await self._tokens.revoke_user(user_id)
        return updated

    async def delete_user(self, user_id: UserId) -> None:
        if not await self._users.delete(user_id):
            raise _not_found(user_id)
        await self._tokens.revoke_user(user_id)

    async def _update(self, user_id: UserId, changes: Mapping[str, Any]) -> User:
        if not changes:
            return await self.get_user(user_id)
        try:
            user = await self._users.update(user_id, changes)
        except DuplicateEmailError:
            raise _email_taken(str(changes.get("email"))) from None
        if user is None:
            raise _not_found(user_id)
        return user


def _not_found(user_id: UserId) -> NotFoundError:
    return NotFoundError(f"User {user_id} does not exist.")


def _email_taken(email: str) -> ConflictError:
    return ConflictError(f"An account with the email {email!r} already exists.")
