"""Administrative commands for API keys.

    python -m app.cli create-api-key --name billing --scopes items:read items:write
    python -m app.cli list-api-keys
    python -m app.cli revoke-api-key KEY_ID

create-api-key prints the new key on stdout (details on stderr), once: only its
SHA-256 is stored. Create the first key with the `admin` scope here, then
manage keys over HTTP. Running replicas refuse a key revoked here as soon as
they hear of it (at once through a shared cache), at most API_KEY_CACHE_SECONDS later.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from app.auth.api_keys import KEY_PREFIX
from app.auth.scopes import SCOPES
from app.config import Settings, get_settings
from app.container import container_of_app
from app.errors import DomainError
from app.logging import configure_logging
from app.main import create_app
from app.models.api_key import ApiKey
from app.services.api_keys import ApiKeyService

PAGE_SIZE = 100


def describe(api_key: ApiKey) -> str:
    used = api_key.last_used_at.isoformat() if api_key.last_used_at else "never"
    state = f"revoked {api_key.revoked_at.isoformat()}" if api_key.revoked_at else "active"
    return (
        f"{api_key.id}  {KEY_PREFIX}_{api_key.lookup_id}  {api_key.name!r}  "
        f"[{' '.join(sorted(api_key.scopes))}]  last used {used}  {state}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-api-key", help="create a key; prints it once")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--scopes", nargs="+", required=True, choices=sorted(SCOPES))
    commands.add_parser("list-api-keys", help="list keys (never the keys themselves)")
    revoke = commands.add_parser("revoke-api-key", help="revoke a key by its id")
    revoke.add_argument("key_id")
    return parser


async def run(settings: Settings, args: argparse.Namespace) -> None:
    """One command against the same store the service uses."""
    app = create_app(settings)
    # Standard output carries the command's result only; logs go to standard error.
    configure_logging(settings.log_level, stream=sys.stderr)
    async with app.router.lifespan_context(app):
        service = ApiKeyService(container_of_app(app).auth.api_keys)
        if args.command == "create-api-key":
            created = await service.create(args.name, args.scopes)
            print(f"Created {describe(created.api_key)}", file=sys.stderr)
            print(created.key)
        elif args.command == "list-api-keys":
            offset, total = 0, 1
            while offset < total:
                page = await service.list_keys(limit=PAGE_SIZE, offset=offset)
                for api_key in page.api_keys:
                    print(describe(api_key))
                offset, total = offset + PAGE_SIZE, page.total
        else:
            print(f"Revoked {describe(await service.revoke(args.key_id))}")


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "create-api-key":
        args.name = args.name.strip()
        if not args.name:
            parser.error("--name must not be empty")
    try:
        asyncio.run(run(settings or get_settings(), args))
    except DomainError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
