from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Security, status

from app.auth.principal import Principal
from app.auth.scopes import ADMIN
from app.auth.security import get_principal
from app.dependencies import ApiKeyIdPath, ApiKeyServiceDep
from app.offset_paging import PaginationDep, next_page_url
from app.responses import STORE, problem
from app.schemas.api_key import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead

router = APIRouter(prefix="/api-keys", tags=["api-keys"], responses=STORE)

Admin = Annotated[Principal, Security(get_principal, scopes=[ADMIN])]

NOT_FOUND = problem(status.HTTP_404_NOT_FOUND, "No such API key.")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    payload: ApiKeyCreate, _: Admin, service: ApiKeyServiceDep
) -> ApiKeyCreated:
    """Create a key; the response is the only time the key is shown."""
    created = await service.create(payload.name, payload.scopes)
    return ApiKeyCreated(**ApiKeyRead.of(created.api_key).model_dump(), key=created.key)


@router.get("")
async def list_api_keys(
    request: Request, _: Admin, service: ApiKeyServiceDep, page: PaginationDep
) -> ApiKeyList:
    result = await service.list_keys(limit=page.limit, offset=page.offset)
    return ApiKeyList(
        api_keys=[ApiKeyRead.of(api_key) for api_key in result.api_keys],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
        next=next_page_url(request, limit=page.limit, offset=page.offset, total=result.total),
    )


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def revoke_api_key(key_id: ApiKeyIdPath, _: Admin, service: ApiKeyServiceDep) -> None:
    """Revoke a key: refused here at once, by other processes once told or their entry expired."""
    await service.revoke(key_id)
