"""Dependencies for routers, as Annotated aliases: `service: ItemReader`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request{% if cookiecutter.auth != "none" %}, Security{% endif %}

{% if cookiecutter.auth == "jwt" -%}
from app.auth.principal import Principal
from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
from app.auth.security import get_principal
{% elif cookiecutter.auth == "api-key" -%}
from app.auth.principal import Principal
from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
from app.auth.security import get_principal
{%- if cookiecutter.database != "none" %}
from app.models.api_key import ApiKeyId
{%- endif %}
{% endif -%}
from app.models.item import ItemId
{%- if cookiecutter.auth == "jwt" %}
from app.models.user import UserId
from app.services.auth import AuthService
{%- elif cookiecutter.auth == "api-key" and cookiecutter.database != "none" %}
from app.services.api_keys import ApiKeyService
{%- endif %}
from app.services.items import ItemService
{%- if cookiecutter.auth == "jwt" %}
from app.services.users import UserService
{%- endif %}

MAX_PAGE_SIZE = 100
{%- if cookiecutter.database == "mongo" %}
# The canonical form of a MongoDB ObjectId; anything else could never match.
ITEM_ID_PATTERN = "^[0-9a-f]{24}$"
{%- else %}
# Ids are 64-bit in the database; larger values could never match.
MAX_ITEM_ID = 2**63 - 1
{%- endif %}


# Dependencies are `async def` even without awaiting anything: FastAPI runs plain
# `def` dependencies in a thread pool, a thread hop per request for no benefit.


{% if cookiecutter.auth == "jwt" -%}
async def get_item_service(
    request: Request, principal: Annotated[Principal, Security(get_principal)]
) -> ItemService:
    # Scopes come from the aliases below; the token's claims are trusted, no user lookup.
    return ItemService(request.app.state.item_repository, principal)


async def get_auth_service(request: Request) -> AuthService:
    state = request.app.state
    return AuthService(state.user_repository, state.refresh_token_repository, state.settings)


async def get_user_service(request: Request) -> UserService:
    state = request.app.state
    return UserService(state.user_repository, state.refresh_token_repository, state.settings)
{%- elif cookiecutter.auth == "api-key" -%}
async def get_item_service(
    request: Request, _: Annotated[Principal, Security(get_principal)]
) -> ItemService:
    # Scopes come from the aliases below; keys are service identities, items have no owner.
    return ItemService(request.app.state.item_repository)
{%- if cookiecutter.database != "none" %}


async def get_api_key_service(request: Request) -> ApiKeyService:
    return ApiKeyService(request.app.state.api_key_repository)
{%- endif %}
{%- else -%}
async def get_item_service(request: Request) -> ItemService:
    return ItemService(request.app.state.item_repository)
{%- endif %}


@dataclass(frozen=True, slots=True)
class Pagination:
    limit: int
    offset: int


async def get_pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")] = 20,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


{% if cookiecutter.auth == "jwt" -%}
ItemReader = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_READ])]
ItemWriter = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_WRITE])]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
UserServiceDep = Annotated[UserService, Depends(get_user_service)]
UserIdPath = Annotated[UserId, Path(min_length=1, max_length=36, description="User id.")]
{%- elif cookiecutter.auth == "api-key" -%}
ItemReader = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_READ])]
ItemWriter = Annotated[ItemService, Security(get_item_service, scopes=[ITEMS_WRITE])]
{%- if cookiecutter.database != "none" %}
ApiKeyServiceDep = Annotated[ApiKeyService, Depends(get_api_key_service)]
ApiKeyIdPath = Annotated[ApiKeyId, Path(min_length=1, max_length=36, description="API key id.")]
{%- endif %}
{%- else -%}
ItemReader = Annotated[ItemService, Depends(get_item_service)]
ItemWriter = ItemReader
{%- endif %}
PaginationDep = Annotated[Pagination, Depends(get_pagination)]
{%- if cookiecutter.database == "mongo" %}
ItemIdPath = Annotated[
    ItemId, Path(pattern=ITEM_ID_PATTERN, description="Item id: 24 lowercase hex digits.")
]
{%- else %}
ItemIdPath = Annotated[ItemId, Path(ge=1, le=MAX_ITEM_ID, description="Item id.")]
{%- endif %}
