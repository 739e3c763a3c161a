from __future__ import annotations

{% if cookiecutter.auth == "jwt" -%}
from app.auth.principal import Principal
from app.errors import ConflictError, ForbiddenError, NotFoundError
from app.models.item import Item, ItemChanges, ItemId, NewItem, OwnedNewItem
{%- else -%}
from app.errors import ConflictError, NotFoundError
from app.models.item import Item, ItemChanges, ItemId, NewItem
{%- endif %}
from app.pagination import ItemPage, PageRequest, page_of
from app.repositories.items import DuplicateNameError, ItemRepository


{%- if cookiecutter.auth == "jwt" %}


class ItemService:
    """Anyone with items:read sees every item; only its owner or an admin changes one (403)."""

    def __init__(self, repository: ItemRepository, actor: Principal) -> None:
        self._repository = repository
        self._actor = actor

    async def _ensure_may_change(self, item_id: ItemId) -> None:
        item = await self.get_item(item_id)
        if item.owner_id != self._actor.subject and not self._actor.is_admin:
            raise ForbiddenError("Only the owner of an item or an admin may change it.")
{%- else %}


class ItemService:
    def __init__(self, repository: ItemRepository) -> None:
        self._repository = repository
{%- endif %}

    async def list_items(self, request: PageRequest) -> ItemPage:
        # One row past the page says whether another page follows.
        rows = await self._repository.scan(request.position, limit=request.limit + 1)
        total = await self._repository.count() if request.include_total else None
        return page_of(rows, request, total)

    async def get_item(self, item_id: ItemId) -> Item:
        item = await self._repository.get(item_id)
        if item is None:
            raise _not_found(item_id)
        return item

    async def create_item(self, new_item: NewItem) -> Item:
        try:
{%- if cookiecutter.auth == "jwt" %}
            return await self._repository.add(OwnedNewItem.of(new_item, self._actor.subject))
{%- else %}
            return await self._repository.add(new_item)
{%- endif %}
        except DuplicateNameError:
            raise _name_taken(new_item.name) from None

    async def replace_item(self, item_id: ItemId, replacement: NewItem) -> Item:
        return await self.update_item(
            item_id,
            ItemChanges(
                name=replacement.name,
                description=replacement.description,
                quantity=replacement.quantity,
            ),
        )

    async def update_item(self, item_id: ItemId, changes: ItemChanges) -> Item:
{%- if cookiecutter.auth == "jwt" %}
        await self._ensure_may_change(item_id)
{%- endif %}
        if not changes:
            return await self.get_item(item_id)
        try:
            item = await self._repository.update(item_id, changes)
        except DuplicateNameError:
            raise _name_taken(str(changes.get("name"))) from None
        if item is None:
            raise _not_found(item_id)
        return item

    async def delete_item(self, item_id: ItemId) -> None:
{%- if cookiecutter.auth == "jwt" %}
        await self._ensure_may_change(item_id)
{%- endif %}
        if not await self._repository.delete(item_id):
            raise _not_found(item_id)


def _not_found(item_id: ItemId) -> NotFoundError:
    return NotFoundError(f"Item {item_id} does not exist.")


def _name_taken(name: str) -> ConflictError:
    return ConflictError(f"An item named {name!r} already exists.")
