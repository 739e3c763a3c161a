"""Who is calling: the access token checked on every protected request.

Item routes trust the validated claims and never read the user row; routes
that need the account (`/users/me`) load it and refuse inactive or deleted users.
"""

from __future__ import annotations

from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from app.auth.principal import Principal
from app.auth.scopes import ADMIN, ME, SCOPES
from app.container import container_of
from app.models.user import User, UserId


def unauthorized(detail: str, *, invalid_token: bool = True) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": challenge}
    )


class BearerPrincipal(OAuth2PasswordBearer):
    """The bearer scheme that also verifies the token: the caller, or a 401 or 403.

    One dependency where a scheme, a verifier and a scope check would be three:
    FastAPI solves every dependency again on every request.
    """

    def __init__(self) -> None:
        # auto_error=False: the 401 below carries the RFC 6750 error code. Every
        # instance is the same scheme in the OpenAPI document, under the name
        # FastAPI gives OAuth2PasswordBearer.
        super().__init__(
            tokenUrl="auth/token",
            scopes=SCOPES,
            auto_error=False,
            scheme_name="OAuth2PasswordBearer",
        )

    # The scheme's header parsing, then the principal instead of the raw token.
    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> Principal:
        token = await super().__call__(request)
        if token is None:
            raise unauthorized("Not authenticated.", invalid_token=False)
        try:
            claims = await container_of(request).auth.token_verifier.verify(token)
        except jwt.PyJWKClientConnectionError:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "The identity provider's keys are unreachable."
            ) from None
        except jwt.PyJWTError:
            raise unauthorized("The access token is invalid or expired.") from None
        missing = set(security_scopes.scopes) - claims.scopes
        if missing:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"The access token lacks the scope {' '.join(sorted(missing))}.",
                headers={
                    "WWW-Authenticate": (
                        f'Bearer error="insufficient_scope", scope="{security_scopes.scope_str}"'
                    )
                },
            )
        return Principal(subject=claims.subject, scopes=claims.scopes)


get_principal = BearerPrincipal()


async def _active_user(request: Request, user_id: UserId) -> User:
    user: User | None = await container_of(request).auth.users.get(user_id)
    if user is None or not user.is_active:
        raise unauthorized("The account of this token is deleted or deactivated.")
    return user


async def get_current_user(
    request: Request, principal: Annotated[Principal, Security(get_principal, scopes=[ME])]
) -> User:
    """The caller's account, read from the store: one round trip, only where it is needed."""
    return await _active_user(request, principal.subject)


async def get_admin(
    request: Request, principal: Annotated[Principal, Security(get_principal, scopes=[ADMIN])]
) -> User:
    """A superuser whose account is still active and still a superuser."""
    user = await _active_user(request, principal.subject)
    if not user.is_superuser:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only superusers may do this.")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
Admin = Annotated[User, Depends(get_admin)]
