"""Administrative commands.

    python -m app.cli create-superuser --email admin@example.com

The password is asked on the terminal (not echoed), or read from the first
line of stdin with --password-stdin (for scripts and Kubernetes Jobs).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from app.config import Settings, get_settings
from app.container import container_of_app
from app.errors import DomainError
from app.logging import configure_logging
from app.main import create_app
from app.models.user import User
from app.services.users import UserService


async def create_superuser(settings: Settings, email: str, password: str) -> User:
    """Create an active superuser through the same store the service uses."""
    app = create_app(settings)
    # Standard output carries the command's result only; logs go to standard error.
    configure_logging(settings.log_level, stream=sys.stderr)
    async with app.router.lifespan_context(app):
        auth = container_of_app(app).auth
        service = UserService(auth.users, auth.refresh_tokens, settings)
        return await service.create(email, password, None, is_superuser=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-superuser", help="create the first superuser")
    create.add_argument("--email", required=True)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
    email = args.email.strip().lower()
    try:
        user = asyncio.run(create_superuser(settings or get_settings(), email, password))
    except DomainError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 1
    print(f"Created superuser {user.email} (id {user.id}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
