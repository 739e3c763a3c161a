"""Field types every request body and parameter shares.

No string accepts NUL (U+0000): PostgreSQL's text type cannot store it, and one
contract on every store beats one that depends on the database chosen.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints

T = TypeVar("T")

NO_NUL = r"^[^\x00]*$"
# Whitespace as every regex engine involved sees it: the OpenAPI document's (ECMAScript,
# which has U+FEFF), Pydantic's (Rust, which has U+0085) and Python's, for generated clients.
SPACE = r"\s\x85\ufeff"
# At least one character that survives strip_whitespace.
NOT_BLANK = rf"^[^\x00]*[^{SPACE}\x00][^\x00]*$"


def text(
    *, min_length: int | None = None, max_length: int, strip: bool = False
) -> StringConstraints:
    """A NUL-free string with length bounds; stripped ones must not be blank either."""
    return StringConstraints(
        strip_whitespace=strip or None,
        min_length=min_length,
        max_length=max_length,
        pattern=NOT_BLANK if strip and min_length else NO_NUL,
    )


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("may be omitted, but not null")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    # Pydantic documents `T | None` as "T or null" with a null default; drop both.
    [kept] = [member for member in schema.pop("anyOf") if member != {"type": "null"}]
    schema.pop("default", None)
    schema.update(kept)


# A field that may be left out but is never null: None stands for "omitted" (defaults are
# not validated), an explicit null is refused, and the schema shows no null.
Omittable = Annotated[
    T | None, BeforeValidator(_refuse_null), Field(json_schema_extra=_not_nullable)
]


# Request bodies: unknown fields refused, and JSON values taken as the types they are
# (`"3"` is no integer, `1` no boolean).
REQUEST_BODY = ConfigDict(extra="forbid", strict=True)


def _number(value: object) -> object:
    # bool is a subclass of int: without this, `true` would be read as 1.
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON number")
    return value


# For integers, after their bounds: 3 and 3.0 (JSON Schema's integers) pass, `true` and `"3"`
# do not. `Annotated[int, Field(strict=False, ge=0), JSON_NUMBER]`
JSON_NUMBER = BeforeValidator(_number)
