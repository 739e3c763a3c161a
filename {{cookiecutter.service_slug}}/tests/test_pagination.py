"""GET /items pages by cursor: forward and back, links, the optional total, bad cursors."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx

PROBLEM = "application/problem+json"


async def create_items(client: httpx.AsyncClient, *names: str) -> list[Any]:
    ids = []
    for name in names:
        response = await client.post("/items", json={"name": name})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def get_page(client: httpx.AsyncClient, url: str, **params: Any) -> dict[str, Any]:
    # No params at all for a link: httpx would replace the link's query with an empty one.
    response = await client.get(url, params=params or None)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids_of(page: dict[str, Any]) -> list[Any]:
    return [item["id"] for item in page["items"]]


async def test_pages_forward_and_back_in_creation_order_with_links(
    client: httpx.AsyncClient,
) -> None:
    created = await create_items(client, *(f"item-{n}" for n in range(5)))

    first = await client.get("/items", params={"limit": 2})
    second = await client.get(first.json()["next"])
    last = await get_page(client, second.json()["next"])
    back = await get_page(client, last["prev"])
    start = await get_page(client, back["prev"])

    pages = [first.json(), second.json(), last]
    assert [ids_of(page) for page in pages] == [created[:2], created[2:4], created[4:]]
    assert (pages[0]["prev"], last["next"], start["prev"]) == (None, None, None)
    assert (ids_of(back), ids_of(start)) == (created[2:4], created[:2])
    assert start["next"] == pages[0]["next"]
    body = pages[1]
    assert body["next"] == f"http://test/items?limit=2&cursor={body['next_cursor']}"
    assert body["prev"] == f"http://test/items?limit=2&cursor={body['prev_cursor']}"
    assert second.headers["link"] == f'<{body["next"]}>; rel="next", <{body["prev"]}>; rel="prev"'
    assert first.headers["link"] == f'<{pages[0]["next"]}>; rel="next"'


async def test_items_added_while_paging_are_listed_once(client: httpx.AsyncClient) -> None:
    created = await create_items(client, "one", "two", "three")

    first = await get_page(client, "/items", limit=2)
    created += await create_items(client, "four")
    second = await get_page(client, first["next"])

    assert ids_of(first) + ids_of(second) == created
    assert second["next"] is None


async def test_an_emptied_page_still_leads_back_both_ways(client: httpx.AsyncClient) -> None:
    created = await create_items(client, "first", "second", "third", "fourth")
    first = await get_page(client, "/items", limit=2)
    second = await get_page(client, first["next"])

    # Forward: the page after the first loses its items.
    for item_id in created[2:]:
        assert (await client.delete(f"/items/{item_id}")).status_code == 204
    emptied_forward = await get_page(client, first["next"])
    back_again = await get_page(client, emptied_forward["prev"])
    # Backward: the page before the second loses its items.
    created += await create_items(client, "fifth")
    for item_id in created[:2]:
        assert (await client.delete(f"/items/{item_id}")).status_code == 204
    emptied_backward = await get_page(client, second["prev"])
    forward_again = await get_page(client, emptied_backward["next"])

    assert (ids_of(emptied_forward), emptied_forward["next"]) == ([], None)
    assert (ids_of(back_again), back_again["prev"]) == (created[:2], None)
    assert (ids_of(emptied_backward), emptied_backward["prev"]) == ([], None)
    assert ids_of(forward_again) == created[4:]


async def test_an_empty_list_has_no_links_and_a_total_only_when_asked_for(
    client: httpx.AsyncClient,
) -> None:
    empty = await client.get("/items")
    await create_items(client, "x", "y", "z")
    plain = await get_page(client, "/items", limit=2)
    counted = await get_page(client, "/items", limit=2, include_total="true")
    followed = await get_page(client, counted["next"])

    assert empty.json() == {
        "items": [],
        "limit": 20,
        "next": None,
        "prev": None,
        "next_cursor": None,
        "prev_cursor": None,
        "total": None,
    }
    assert "link" not in empty.headers
    assert (plain["total"], counted["total"], followed["total"]) == (None, 3, 3)


def forged(payload: bytes, scope: bytes = b"items/v1") -> str:
    """A cursor with a valid check digest around any payload (what only a bug could send)."""
    digest = hashlib.blake2b(payload, digest_size=6, key=scope).digest()
    return base64.urlsafe_b64encode(digest + payload).rstrip(b"=").decode()


BAD_CURSORS = {
    "not base64url": "not*base64",
    "empty": "",
    "too long": "A" * 101,
    "truncated": "AAAA",
    "from another list": forged(b'["gt",1]', scope=b"users/v1"),
    "not JSON": forged(b"gt:1"),
    "no key": forged(b'["gt"]'),
    "unknown bound": forged(b'["ne",1]'),
    "a boolean key": forged(b'["gt",true]'),
    "a key beyond 64 bits": forged(b'["gt",18446744073709551616]'),
    "a key of no id format": forged(b'["gt","zz"]'),
}


async def test_bad_cursors_and_page_sizes_are_422_problems_naming_the_parameter(
    client: httpx.AsyncClient,
) -> None:
    await create_items(client, "p", "q")
    cursor: str = (await get_page(client, "/items", limit=1))["next_cursor"]
    # Inside the check digest: every bit of a middle character is data.
    edited = cursor[:3] + ("A" if cursor[3] != "A" else "B") + cursor[4:]
    cases = {**BAD_CURSORS, "edited": edited}
    params: list[tuple[str, str, str | int]] = [("cursor", why, bad) for why, bad in cases.items()]

    for name, why, value in [*params, ("limit", "zero", 0), ("limit", "too big", 101)]:
        response = await client.get("/items", params={name: value})

        assert response.status_code == 422, (why, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"][0]["loc"] == ["query", name]
