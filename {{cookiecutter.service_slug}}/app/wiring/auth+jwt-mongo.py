"""auth=jwt: users and refresh tokens in MongoDB, and the access-token verifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.auth.throttle import LoginThrottle
from app.auth.tokens import TokenVerifier
from app.config import Settings
from app.repositories.mongo_users import MongoRefreshTokenRepository, MongoUserRepository
from app.repositories.users import RefreshTokenRepository, UserRepository
from app.wiring.store import Store


# Not frozen: tests swap a component for a failing one.
@dataclass(slots=True)
class AuthComponents:
    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    token_verifier: TokenVerifier
    login_throttle: LoginThrottle


@asynccontextmanager
async def open_auth(settings: Settings, store: Store) -> AsyncIterator[AuthComponents]:
    yield AuthComponents(
        users=MongoUserRepository(store.database),
        refresh_tokens=MongoRefreshTokenRepository(store.database),
        token_verifier=TokenVerifier(settings),
        login_throttle=LoginThrottle(settings),
    )
