"""The bodies of error responses, as the OpenAPI document declares them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.text import Omittable


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every error response."""

    # RFC 9457 section 3.2: problems may carry extension members (`error`, `checks`, ...).
    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str = Field(description="The status code's reason phrase.")
    status: int = Field(ge=400, le=599)
    detail: Omittable[str] = None
    instance: Omittable[str] = Field(default=None, description="The request's path.")


class FieldError(BaseModel):
    """One invalid part of a request."""

    loc: list[str | int] = Field(description='Where: ["body", "name"], ["query", "limit"], ...')
    msg: str
    type: str = Field(description="Pydantic's error type, e.g. `missing`, `string_too_long`.")


class ValidationProblem(Problem):
    """A 422: the request is well-formed but some of its values are not acceptable."""

    errors: Omittable[list[FieldError]] = Field(
        default=None, description="Every invalid field; absent when a policy refused the request."
    )


class ReadinessProblem(Problem):
    """A 503 from /ready: which dependency did not answer."""

    checks: dict[str, Literal["ok", "degraded", "unavailable"]]
