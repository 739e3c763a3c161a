"""Keyset (cursor) pagination of the items list: a page is the items on one side of an id.

Each page is one range read of the primary key's index (`WHERE id > :key ORDER BY id
LIMIT n + 1`), so the last page of ten million items costs what the first does, and an
item added while a client pages is neither skipped nor repeated (decision 0025). The
extra row tells whether the list goes on in the reading direction. The admin lists
(users, API keys) stay small and keep offset paging (app/offset_paging.py).

A cursor is opaque to clients: base64url of a check digest and `[bound, key]`. The digest
is not a signature (the cursor carries only a position in a list the caller may read
anyway); it turns a damaged, edited or foreign cursor into a 422 instead of another
position or a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter

from app.models.item import Item, ItemId

# Room for a 64-bit integer or a 24-hex-digit ObjectId; anything longer is no cursor of ours.
MAX_CURSOR_LENGTH = 100
CURSOR_PATTERN = "^[A-Za-z0-9_-]+$"
_DIGEST_BYTES = 6
# Keys the check digest: a cursor another list (or a later format) makes fails the check.
_SCOPE = b"items/v1"


class Bound(StrEnum):
    """Which side of the cursor's key a page lies on."""

    AFTER = "gt"
    FROM = "ge"
    BEFORE = "lt"
    UP_TO = "le"

    @property
    def backward(self) -> bool:
        return self in (Bound.BEFORE, Bound.UP_TO)

    @property
    def complement(self) -> Bound:
        """The bound of everything this one leaves out."""
        return _COMPLEMENTS[self]


_COMPLEMENTS = {
    Bound.AFTER: Bound.UP_TO,
    Bound.UP_TO: Bound.AFTER,
    Bound.FROM: Bound.BEFORE,
    Bound.BEFORE: Bound.FROM,
}


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page starts: the items on the `bound` side of `key`."""

    bound: Bound
    key: ItemId


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    # None: the first page.
    position: Position | None
    include_total: bool

    @property
    def backward(self) -> bool:
        return self.position is not None and self.position.bound.backward


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: list[Item]
    next: Position | None
    prev: Position | None
    # Only when the request asked for it: counting is the one cost that grows with the list.
    total: int | None


def page_of(rows: list[Item], request: PageRequest, total: int | None) -> ItemPage:
    """The page of `rows`: up to limit + 1 items in reading order from the request's position.

    The far end is known from the extra entry. The near end is assumed open when the
    request had a position: the cursor came from an entry on its other side (if that
    entry was deleted since, the link leads to an empty page whose links lead back).
    """
    items = list(rows[: request.limit])
    more = len(rows) > request.limit
    position = request.position
    if request.backward:
        items.reverse()
    beyond_last = Position(Bound.AFTER, items[-1].id) if items else None
    before_first = Position(Bound.BEFORE, items[0].id) if items else None
    if position is None:
        return ItemPage(items, beyond_last if more else None, None, total)
    # An empty page still leads back: to everything its cursor left out.
    back = Position(position.bound.complement, position.key)
    if request.backward:
        return ItemPage(items, beyond_last or back, before_first if more else None, total)
    return ItemPage(items, beyond_last if more else None, before_first or back, total)


def encode_cursor(position: Position) -> str:
    payload = json.dumps([position.bound.value, position.key], separators=(",", ":")).encode()
    token = base64.urlsafe_b64encode(_digest(payload) + payload)
    return token.rstrip(b"=").decode("ascii")


def decode_cursor(token: str, key: TypeAdapter[ItemId]) -> Position:
    """The position a cursor of this list names; ValueError for anything else."""
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except binascii.Error as error:
        raise ValueError("not base64url") from error
    check, payload = raw[:_DIGEST_BYTES], raw[_DIGEST_BYTES:]
    if not hmac.compare_digest(check, _digest(payload)):
        raise ValueError("damaged, edited or from another list")
    try:
        bound, value = json.loads(payload)
        return Position(Bound(bound), key.validate_python(value))
    except (TypeError, ValueError) as error:  # pydantic's ValidationError is a ValueError
        raise ValueError("not a position in this list") from error


def cursor_parameter(token: str | None, key: TypeAdapter[ItemId]) -> Position | None:
    """The `cursor` query parameter decoded; a bad one is a 422 like any invalid parameter."""
    if token is None:
        return None
    try:
        return decode_cursor(token, key)
    except ValueError as error:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "cursor"),
                    "msg": f"Invalid cursor: {error}; use a cursor from a previous page.",
                    "type": "cursor_invalid",
                }
            ]
        ) from None


@dataclass(frozen=True, slots=True)
class PageLinks:
    next_cursor: str | None
    prev_cursor: str | None
    next: str | None
    prev: str | None

    @property
    def header(self) -> str | None:
        """The RFC 8288 Link header value, or None when there is no other page."""
        links = [(self.next, "next"), (self.prev, "prev")]
        value = ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links if url is not None)
        return value or None


def page_links(request: Request, page: ItemPage) -> PageLinks:
    """Cursors and URLs of the neighbouring pages: this request with another cursor."""
    next_cursor = None if page.next is None else encode_cursor(page.next)
    prev_cursor = None if page.prev is None else encode_cursor(page.prev)
    return PageLinks(
        next_cursor=next_cursor,
        prev_cursor=prev_cursor,
        next=_with_cursor(request, next_cursor),
        prev=_with_cursor(request, prev_cursor),
    )


def _with_cursor(request: Request, cursor: str | None) -> str | None:
    return None if cursor is None else str(request.url.include_query_params(cursor=cursor))


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_BYTES, key=_SCOPE).digest()
