"""One HTTP contract for every database variant, so the variants cannot drift apart.

Each variant is rendered, installed, migrated and served by uvicorn on a free
port against a real store; the same tests then exercise the items API over
HTTP. Only the id format may differ (int for SQL and memory, ObjectId string
for MongoDB), and the OpenAPI documents must be equal once ids are masked.
"""

from __future__ import annotations

import copy
import importlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.polling import wait_until
from tests.project import run, uvicorn
from tests.served import PREFIX, PROBLEM, VARIANTS, install, store_settings
from tests.services import free_port, mongodb_server

pytestmark = pytest.mark.contract

# Well-formed ids that no item has, per id format.
MISSING_ID = {"integer": "999999", "string": "6650f0c0a0b0c0d0e0f01234"}


@dataclass
class Service:
    variant: str
    url: str
    client: httpx.Client
    id_format: str  # "integer" or "string"

    @property
    def missing_id(self) -> str:
        return MISSING_ID[self.id_format]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(variant, marks=pytest.mark.xdist_group(f"contract-{variant}"))
        for variant in VARIANTS
    ],
)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    variant: str = request.param
    project = install(VARIANTS[variant], tmp_path_factory)
    env = store_settings(variant, project, request)
    with uvicorn(project, env) as url, httpx.Client(base_url=url, timeout=10) as client:
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        yield Service(variant, url, client, schema["ItemRead"]["properties"]["id"]["type"])


@pytest.fixture
def api(service: Service) -> httpx.Client:
    """The service's client, with every item deleted first: each test starts empty."""
    while items := service.client.get("/items", params={"limit": 100}).json()["items"]:
        for item in items:
            assert service.client.delete(f"/items/{item['id']}").status_code == 204
    return service.client


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/items", json={"name": "widget", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: httpx.Response, status: int, **expected: Any) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    for key, value in expected.items():
        assert body[key] == value, key
    return body


def test_create_then_get(service: Service, api: httpx.Client) -> None:
    response = api.post("/items", json={"name": " widget ", "description": "blue", "quantity": 3})

    assert response.status_code == 201
    item = response.json()
    assert set(item) == {"id", "name", "description", "quantity", "created_at", "updated_at"}
    assert (item["name"], item["description"], item["quantity"]) == ("widget", "blue", 3)
    assert item["created_at"] == item["updated_at"]
    assert response.headers["location"] == f"{service.url}/items/{item['id']}"
    assert isinstance(item["id"], int if service.id_format == "integer" else str)
    assert api.get(f"/items/{item['id']}").json() == item


def page(api: httpx.Client, url: str, **params: Any) -> dict[str, Any]:
    """One page of items; its Link header must name the neighbours its body names."""
    # No params for a link: httpx would replace the link's query with an empty one.
    response = api.get(url, params=params or None)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    links = [f'<{body[rel]}>; rel="{rel}"' for rel in ("next", "prev") if body[rel] is not None]
    assert response.headers.get("link") == (", ".join(links) or None)
    return body


def test_list_pages_forward_and_back_by_cursor_with_links(
    service: Service, api: httpx.Client
) -> None:
    created = [create(api, name=f"item-{n}") for n in range(5)]

    first = page(api, "/items", limit=2, include_total="true")
    second = page(api, first["next"])
    last = page(api, second["next"])
    back = page(api, last["prev"])
    start = page(api, back["prev"])

    query = f"limit=2&include_total=true&cursor={first['next_cursor']}"
    assert first["next"] == f"{service.url}/items?{query}"
    assert (first["total"], first["limit"], first["prev"]) == (5, 2, None)
    assert (last["total"], last["next"], last["next_cursor"]) == (5, None, None)
    assert (start["prev"], start["next"]) == (None, first["next"])
    assert first["items"] + second["items"] + last["items"] == created
    assert (back["items"], start["items"]) == (created[2:4], created[:2])
    assert page(api, "/items")["total"] is None


def ids(items: list[dict[str, Any]]) -> list[Any]:
    return [item["id"] for item in items]


def test_items_created_while_paging_are_neither_skipped_nor_repeated(api: httpx.Client) -> None:
    created = [create(api, name=f"early-{n}") for n in range(5)]

    current = page(api, "/items", limit=2)
    forward = current["items"]
    while current["next"] is not None:
        if len(created) < 8:
            created.append(create(api, name=f"late-{len(created)}"))
        current = page(api, current["next"])
        forward += current["items"]
    backward = current["items"]
    while current["prev"] is not None:
        current = page(api, current["prev"])
        backward = current["items"] + backward

    assert len(created) == 8
    assert ids(forward) == ids(backward) == ids(created)


def test_empty_list_and_page_bounds(api: httpx.Client) -> None:
    assert page(api, "/items") == {
        "items": [],
        "limit": 20,
        "next": None,
        "prev": None,
        "next_cursor": None,
        "prev_cursor": None,
        "total": None,
    }
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "bm90IG91cnM"}, {"cursor": "*"}):
        body = assert_problem(api.get("/items", params=params), 422)
        assert body["errors"][0]["loc"] == ["query", next(iter(params))]


def test_put_replaces_and_patch_changes_only_given_fields(api: httpx.Client) -> None:
    item = create(api, description="old", quantity=2)

    replaced = api.put(f"/items/{item['id']}", json={"name": "renamed"}).json()
    patched = api.patch(f"/items/{item['id']}", json={"quantity": 9}).json()
    cleared = api.patch(f"/items/{item['id']}", json={"description": None}).json()
    unchanged = api.patch(f"/items/{item['id']}", json={}).json()

    assert (replaced["name"], replaced["description"], replaced["quantity"]) == ("renamed", None, 0)
    assert replaced["created_at"] == item["created_at"]
    assert replaced["updated_at"] >= item["updated_at"]
    assert (patched["name"], patched["quantity"]) == ("renamed", 9)
    assert cleared["description"] is None
    assert unchanged == cleared


def test_delete_then_everything_is_404(service: Service, api: httpx.Client) -> None:
    item = create(api)

    deleted = api.delete(f"/items/{item['id']}")

    assert (deleted.status_code, deleted.content) == (204, b"")
    path = f"/items/{item['id']}"
    for response in (
        api.get(path),
        api.delete(path),
        api.put(path, json={"name": "x"}),
        api.patch(path, json={"quantity": 1}),
    ):
        assert_problem(
            response, 404, title="Not Found", detail=f"Item {item['id']} does not exist."
        )


def test_missing_item_is_404_problem(service: Service, api: httpx.Client) -> None:
    response = api.get(f"/items/{service.missing_id}")

    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": f"Item {service.missing_id} does not exist.",
        "instance": f"/items/{service.missing_id}",
    }


def test_duplicate_name_is_409_on_create_and_update(api: httpx.Client) -> None:
    create(api, name="first")
    second = create(api, name="second")

    for response in (
        api.post("/items", json={"name": "first"}),
        api.put(f"/items/{second['id']}", json={"name": "first"}),
        api.patch(f"/items/{second['id']}", json={"name": "first"}),
    ):
        assert_problem(
            response, 409, title="Conflict", detail="An item named 'first' already exists."
        )
    api.delete(f"/items/{second['id']}")
    create(api, name="second")  # a deleted item's name is free again


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1"])
def test_malformed_id_is_422_problem(api: httpx.Client, bad_id: str) -> None:
    for response in (
        api.get(f"/items/{bad_id}"),
        api.delete(f"/items/{bad_id}"),
        api.patch(f"/items/{bad_id}", json={}),
    ):
        body = assert_problem(response, 422)
        assert body["errors"][0]["loc"] == ["path", "item_id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "quantity": -1}, "quantity"),
        ({"name": "ok", "description": "d" * 1001}, "description"),
        ({"name": "ok", "colour": "red"}, "colour"),
    ],
)
def test_invalid_body_is_422_naming_the_field(
    api: httpx.Client, payload: dict[str, Any], field: str
) -> None:
    body = assert_problem(api.post("/items", json=payload), 422)

    assert [error["loc"][-1] for error in body["errors"]] == [field]


def test_probes(service: Service) -> None:
    checks = {} if service.variant == "none" else {"database": "ok"}

    assert service.client.get("/health").json() == {"status": "ok"}
    assert service.client.get("/ready").json() == {"status": "ready", "checks": checks}


# What openapi-python-client names each items operation: the handler's name, so a
# client's methods survive a change of path or method (FastAPI's default would be
# `list_items_items_get`).
ITEM_OPERATIONS = {
    "list_items",
    "get_item",
    "create_item",
    "replace_item",
    "update_item",
    "delete_item",
}


def generate_client(service: Service, directory: Path) -> str:
    """A Python client generated from the served OpenAPI document; returns its package name."""
    spec = directory / "openapi.json"
    spec.write_text(service.client.get("/openapi.json").text)
    config = directory / "config.yml"
    config.write_text("post_hooks: []\n")  # its default runs ruff from PATH
    package = f"client_{service.variant.replace('-', '_')}"
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [str(generator), "generate", "--path", str(spec), "--meta", "none"]
    subprocess.run(
        [*command, "--output-path", str(directory / package), "--config", str(config)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return package


def test_a_client_generated_from_the_spec_names_methods_after_handlers_and_works(
    service: Service, api: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = generate_client(service, tmp_path)
    modules = {path.stem for path in (tmp_path / package / "api" / "items").glob("*.py")}
    assert modules - {"__init__"} == ITEM_OPERATIONS

    monkeypatch.syspath_prepend(str(tmp_path))
    generated = importlib.import_module(f"{package}.client").Client(base_url=service.url)
    models = importlib.import_module(f"{package}.models")

    def operation(name: str) -> Any:
        return importlib.import_module(f"{package}.api.items.{name}")

    created = operation("create_item").sync_detailed(
        client=generated, body=models.ItemCreate(name="generated", quantity=2)
    )
    assert created.status_code == 201
    item_id = created.parsed.id
    fetched = operation("get_item").sync(item_id=item_id, client=generated)
    assert (fetched.name, fetched.quantity) == ("generated", 2)
    listed = operation("list_items").sync(client=generated, limit=10, include_total=True)
    assert [item.id for item in listed.items] == [item_id]
    assert (listed.total, listed.next_cursor, listed.prev_cursor) == (1, None, None)
    assert api.get(f"/items/{item_id}").json()["name"] == "generated"

    deleted = operation("delete_item").sync_detailed(item_id=item_id, client=generated)
    assert deleted.status_code == 204

    # The declared problem types parse the real error bodies.
    missing = operation("get_item").sync(item_id=item_id, client=generated)
    assert isinstance(missing, models.Problem)
    assert (missing.status, missing.title) == (404, "Not Found")
    assert missing.detail == f"Item {item_id} does not exist."
    invalid = operation("create_item").sync(client=generated, body=models.ItemCreate(name=""))
    assert isinstance(invalid, models.ValidationProblem)
    assert invalid.status == 422
    assert [(error.loc, error.type_) for error in invalid.errors] == [
        (["body", "name"], "string_too_short")
    ]


def masked_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the id's type (and its description) replaced by a marker."""
    masked = copy.deepcopy(document)
    for operations in masked["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "item_id":
                    parameter["schema"] = parameter["description"] = "<item id>"
    masked["components"]["schemas"]["ItemRead"]["properties"]["id"] = "<item id>"
    return masked


@pytest.fixture(scope="session")
def reference_openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The in-memory rendering's OpenAPI, generated without serving it."""
    project = install("none", tmp_path_factory)
    output = run(
        project,
        "uv",
        "run",
        "--no-sync",
        "python",
        "-c",
        "import json; from app.main import create_app; print(json.dumps(create_app().openapi()))",
    )
    document: dict[str, Any] = httpx.Response(200, content=output).json()
    return document


def test_openapi_is_identical_apart_from_the_id_type(
    service: Service, reference_openapi: dict[str, Any]
) -> None:
    document = service.client.get("/openapi.json").json()

    assert masked_openapi(document) == masked_openapi(reference_openapi)
    path_id = document["paths"]["/items/{item_id}"]["get"]["parameters"][0]["schema"]
    if service.id_format == "string":
        assert path_id["pattern"] == "^[0-9a-f]{24}$"
    else:
        assert (path_id["type"], path_id["minimum"]) == ("integer", 1)


@pytest.mark.xdist_group("contract-mongo")
def test_mongo_rendering_starts_while_the_server_is_down_and_recovers(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A real server stopped and started: no restart of the service is needed."""
    project = install("mongo", tmp_path_factory)
    port, storage = free_port(), tmp_path / "mongo-data"
    env = {
        f"{PREFIX}MONGODB_URL": f"mongodb://127.0.0.1:{port}",
        f"{PREFIX}MONGODB_DATABASE": "recovery",
        f"{PREFIX}MONGODB_TIMEOUT_SECONDS": "1",
    }

    def wait_until_ready(api: httpx.Client) -> None:
        wait_until(
            lambda: api.get("/ready").status_code == 200,
            60,
            what="/ready answering 200 once MongoDB is back",
            interval=0.2,
            ignoring=(httpx.HTTPError,),
        )

    with uvicorn(project, env) as url, httpx.Client(base_url=url, timeout=10) as api:
        down = api.get("/ready")
        assert_problem(down, 503, checks={"database": "unavailable"})
        unavailable = assert_problem(api.get("/items"), 503)
        assert unavailable["detail"] == "The database is unavailable; retry later."
        assert int(api.get("/items").headers["Retry-After"]) > 0

        with mongodb_server(port, storage):
            wait_until_ready(api)
            item = create(api, name="survivor")
            assert_problem(api.post("/items", json={"name": "survivor"}), 409)

        assert_problem(api.get("/ready"), 503, checks={"database": "unavailable"})

        with mongodb_server(port, storage):
            wait_until_ready(api)
            assert api.get(f"/items/{item['id']}").json() == item
