from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request, Response, status
from starlette.datastructures import URL

from app.dependencies import ItemReader, ItemWriter
from app.models.item import ItemId, NewItem
from app.pagination import page_links
from app.parameters import ItemIdPath, ItemPageRequest
from app.responses import LINKED_PAGE, STORE, problem
from app.schemas.item import ItemCreate, ItemList, ItemPatch, ItemRead
from app.services.audit import record_item_event

router = APIRouter(prefix="/items", tags=["items"], responses=STORE)

NOT_FOUND = problem(status.HTTP_404_NOT_FOUND, "No such item.")
CONFLICT = problem(status.HTTP_409_CONFLICT, "An item with this name exists.")


def _new_item(payload: ItemCreate) -> NewItem:
    return NewItem(name=payload.name, description=payload.description, quantity=payload.quantity)


def _item_url(request: Request, item_id: ItemId) -> str:
    # What url_for("get_item") returns, without searching every route for it on each
    # write, nor parsing the request's base URL again: a handful of hosts ask.
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    root_path = scope.get("app_root_path", scope.get("root_path", ""))
    # A cache key must be hashable; some servers pass the address as a list.
    server = tuple(address) if (address := scope.get("server")) else None
    items = _items_url(scope.get("scheme", "http"), host, root_path, server)
    return f"{items}/{item_id}"


@lru_cache(maxsize=64)
def _items_url(
    scheme: str, host: bytes | None, root_path: str, server: tuple[str, int | None] | None
) -> str:
    """The collection's URL as Starlette builds it from these parts of a request's scope."""
    base = {"scheme": scheme, "server": server, "path": f"{root_path}{router.prefix}"}
    headers = [] if host is None else [(b"host", host)]
    return str(URL(scope={**base, "query_string": b"", "headers": headers}))


@router.get("", responses=LINKED_PAGE)
async def list_items(
    request: Request, response: Response, service: ItemReader, page: ItemPageRequest
) -> ItemList:
    """Items in creation order, a page at a time: follow `next` (or `prev`) to move on."""
    result = await service.list_items(page)
    links = page_links(request, result)
    if (header := links.header) is not None:
        response.headers["Link"] = header
    return ItemList(
        items=[ItemRead.model_validate(item) for item in result.items],
        limit=page.limit,
        next=links.next,
        prev=links.prev,
        next_cursor=links.next_cursor,
        prev_cursor=links.prev_cursor,
        total=result.total,
    )


@router.get("/{item_id}", responses=NOT_FOUND)
async def get_item(item_id: ItemIdPath, service: ItemReader) -> ItemRead:
    return ItemRead.model_validate(await service.get_item(item_id))


@router.post("", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def create_item(
    payload: ItemCreate, service: ItemWriter, request: Request, response: Response
) -> ItemRead:
    item = await service.create_item(_new_item(payload))
    response.headers["Location"] = _item_url(request, item.id)
    record_item_event("created", item.id)
    return ItemRead.model_validate(item)


@router.put("/{item_id}", responses=NOT_FOUND | CONFLICT)
async def replace_item(item_id: ItemIdPath, payload: ItemCreate, service: ItemWriter) -> ItemRead:
    item = await service.replace_item(item_id, _new_item(payload))
    record_item_event("replaced", item.id)
    return ItemRead.model_validate(item)


@router.patch("/{item_id}", responses=NOT_FOUND | CONFLICT)
async def update_item(item_id: ItemIdPath, payload: ItemPatch, service: ItemWriter) -> ItemRead:
    item = await service.update_item(item_id, payload.changes())
    record_item_event("updated", item.id)
    return ItemRead.model_validate(item)


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item_id: ItemIdPath, service: ItemWriter) -> None:
    await service.delete_item(item_id)
    record_item_event("deleted", item_id)
