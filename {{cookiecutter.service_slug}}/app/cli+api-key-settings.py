"""Administrative commands for API keys.

    python -m app.cli hash-api-key --name billing --scopes items:read items:write

With database=none, keys are configuration: this prints a new key (once) and
the entry for the JSON list in {{ cookiecutter.__env_prefix }}API_KEYS that lets it in. Only
the key's SHA-256 goes into the settings; removing the entry revokes the key.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.auth.api_keys import generate_api_key
from app.auth.scopes import SCOPES
from app.settings.auth import ConfiguredApiKey


def new_key_entry(name: str, scopes: Sequence[str]) -> tuple[str, ConfiguredApiKey]:
    """A new key and its settings entry."""
    generated = generate_api_key()
    entry = ConfiguredApiKey(
        name=name,
        lookup_id=generated.lookup_id,
        key_hash=generated.key_hash,
        scopes=frozenset(scopes),
    )
    return generated.key, entry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("hash-api-key", help="generate a key and print its API_KEYS entry")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--scopes", nargs="+", required=True, choices=sorted(SCOPES))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    name = args.name.strip()
    if not name:
        parser.error("--name must not be empty")
    key, entry = new_key_entry(name, args.scopes)
    print("API key (shown once; hand it to the client):")
    print(key)
    print("Add this entry to the JSON list in {{ cookiecutter.__env_prefix }}API_KEYS:")
    print(entry.model_dump_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
