from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, status

from app.auth.security import Admin, CurrentUser
from app.dependencies import UserIdPath, UserServiceDep
from app.offset_paging import PaginationDep, next_page_url
from app.responses import STORE, OpenAPI, amend_openapi, problem
from app.schemas.user import UserAdminUpdate, UserCreate, UserList, UserRead, UserUpdateMe

router = APIRouter(prefix="/users", tags=["users"], responses=STORE)

NOT_FOUND = problem(status.HTTP_404_NOT_FOUND, "No such user.")
CONFLICT = problem(status.HTTP_409_CONFLICT, "Email already registered.")
FORBIDDEN = problem(status.HTTP_403_FORBIDDEN, "Registration is disabled.")


def document_password_policy(app: FastAPI, minimum: int) -> None:
    """Show the configured minimum (PASSWORD_MIN_LENGTH) where passwords are sent."""

    def amend(document: OpenAPI) -> None:
        for body in ("UserCreate", "UserUpdateMe"):
            document["components"]["schemas"][body]["properties"]["password"]["minLength"] = minimum

    amend_openapi(app, amend)


@router.post("", status_code=status.HTTP_201_CREATED, responses=CONFLICT | FORBIDDEN)
async def register(payload: UserCreate, service: UserServiceDep) -> UserRead:
    """Create an account (unless registration is switched off)."""
    user = await service.register(payload.email, payload.password, payload.full_name)
    return UserRead.model_validate(user)


@router.get("/me")
async def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/me", responses=CONFLICT)
async def update_me(payload: UserUpdateMe, user: CurrentUser, service: UserServiceDep) -> UserRead:
    """Change your email, name or password; a new password revokes your refresh tokens."""
    changes = payload.model_dump(exclude_unset=True)
    return UserRead.model_validate(await service.update_me(user, changes))


@router.get("")
async def list_users(
    request: Request, _: Admin, service: UserServiceDep, page: PaginationDep
) -> UserList:
    result = await service.list_users(limit=page.limit, offset=page.offset)
    return UserList(
        users=[UserRead.model_validate(user) for user in result.users],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
        next=next_page_url(request, limit=page.limit, offset=page.offset, total=result.total),
    )


@router.get("/{user_id}", responses=NOT_FOUND)
async def get_user(user_id: UserIdPath, _: Admin, service: UserServiceDep) -> UserRead:
    return UserRead.model_validate(await service.get_user(user_id))


@router.patch("/{user_id}", responses=NOT_FOUND)
async def update_user(
    user_id: UserIdPath, payload: UserAdminUpdate, _: Admin, service: UserServiceDep
) -> UserRead:
    """Rename, deactivate or promote a user; deactivation revokes their refresh tokens."""
    changes = payload.model_dump(exclude_unset=True)
    return UserRead.model_validate(await service.update_user(user_id, changes))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_user(user_id: UserIdPath, _: Admin, service: UserServiceDep) -> None:
    await service.delete_user(user_id)
