"""Dependencies for routers, as Annotated aliases: `service: ItemReader`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import SecurityScopes

from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
from app.auth.security import BearerPrincipal
from app.container import container_of
from app.models.user import UserId
from app.schemas.text import NO_NUL
from app.services.auth import AuthService
from app.services.items import ItemService
from app.services.users import UserService

# Dependencies are `async def` even without awaiting anything: FastAPI runs plain
# `def` dependencies in a thread pool, a thread hop per request for no benefit.


class ItemServiceBearer(BearerPrincipal):
    """The bearer check and the item service in one dependency.

    Not a service dependency that depends on the principal: FastAPI solves each
    dependency again on every request, and item routes are the hot ones.
    """

    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> ItemService:
        # Scopes come from the aliases below; the token's claims are trusted, no user lookup.
        principal = await super().__call__(request, security_scopes)
        return ItemService(container_of(request).items, principal)


get_item_service = ItemServiceBearer()


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
