"""Dependencies for routers, as Annotated aliases: `service: ItemReader`."""

from __future__ import annotations

from typing import Annotated

from fastapi import {% if cookiecutter.database != "none" %}Depends, Path, {% endif %}Request, Security
from fastapi.security import SecurityScopes

from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
from app.auth.security import APIKeyPrincipal
from app.container import container_of
{%- if cookiecutter.database != "none" %}
from app.models.api_key import ApiKeyId
from app.schemas.text import NO_NUL
from app.services.api_keys import ApiKeyService
{%- endif %}
from app.services.items import ItemService

# Dependencies are `async def` even without awaiting anything: FastAPI runs plain
# `def` dependencies in a thread pool, a thread hop per request for no benefit.


class ItemServiceOfKey(APIKeyPrincipal):
    """The API key check and the item service in one dependency.

    Not a service dependency that depends on the principal: FastAPI solves each
    dependency again on every request, and item routes are the hot ones.
    """

    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> ItemService:
        # Scopes come from the aliases below; keys are service identities, items have no owner.
        await super().__call__(request, security_scopes)
        return ItemService(container_of(request).items)


get_item_service = ItemServiceOfKey()


ItemReader = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_READ])]
ItemWriter = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_WRITE])]
{%- if cookiecutter.database != "none" %}


async def get_api_key_service(request: Request) -> ApiKeyService:
    return ApiKeyService(container_of(request).auth.api_keys)


ApiKeyServiceDep = Annotated[ApiKeyService, Depends(get_api_key_service)]
ApiKeyIdPath = Annotated[
    ApiKeyId, Path(min_length=1, max_length=36, pattern=NO_NUL, description="API key id.")
]
{%- endif %}
