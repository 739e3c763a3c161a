"""OAuth2 scopes: what an access token may do."""

from __future__ import annotations

ITEMS_READ = "items:read"
ITEMS_WRITE = "items:write"
ME = "me"
ADMIN = "admin"

SCOPES: dict[str, str] = {
    ITEMS_READ: "Read items.",
    ITEMS_WRITE: "Create items, and change or delete your own.",
    ME: "Read and change your own account.",
    ADMIN: "Manage users, and change or delete any item (superusers only).",
}
USER_SCOPES = frozenset({ITEMS_READ, ITEMS_WRITE, ME})
SUPERUSER_SCOPES = frozenset(SCOPES)


def grantable_scopes(*, is_superuser: bool) -> frozenset[str]:
    return SUPERUSER_SCOPES if is_superuser else USER_SCOPES
