"""Dependencies for routers, as Annotated aliases: `service: ItemReader`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security

from app.auth.principal import Principal
from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
from app.auth.security import get_principal
from app.container import container_of
from app.models.user import UserId
from app.schemas.text import NO_NUL
from app.services.auth import AuthService
from app.services.items import ItemService
from app.services.users import UserService

# Dependencies are `async def` even without awaiting anything: FastAPI runs plain
# `def` dependencies in a thread pool, a thread hop per request for no benefit.


async def get_item_service(
    request: Request, principal: Annotated[Principal, Security(get_principal)]
) -> ItemService:
    # Scopes come from the aliases below; the token's claims are trusted, no user lookup.
    return ItemService(container_of(request).items, principal)


async def get_auth_service(request: Request) -> AuthService:
    container = container_of(request)
    auth = container.auth
    return AuthService(auth.users, auth.refresh_tokens, container.settings, auth.login_throttle)


async def get_user_service(request: Request) -> UserService:
    container = container_of(request)
    return UserService(container.auth.users, container.auth.refresh_tokens, container.settings)


ItemReader = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_READ])]
ItemWriter = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_WRITE])]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
UserServiceDep = Annotated[UserService, Depends(get_user_service)]
UserIdPath = Annotated[
    UserId, Path(min_length=1, max_length=36, pattern=NO_NUL, description="User id.")
]
