"""Shape the rendered project to the answers.

Fills each variant destination from the source its answers choose, removes the
files of features that were not chosen (both as declared by the `_manifest`
rules in cookiecutter.json), writes a .env with fresh secrets and prints next
steps. It prints no secret: `cruft update` re-runs it in throwaway directories,
and terminal output ends up in logs.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import string
import sys
from pathlib import Path


def rendered_context() -> dict:
    """The context cookiecutter rendered into this file (only meaningful once rendered)."""
    # Raw triple quotes keep this file valid Python before rendering, so tests can
    # import it, and tojson's escaping keeps any answer from ending the string early.
    context: dict = json.loads(r"""{{ cookiecutter | tojson }}""")
    return context


def answers_of(context: dict) -> dict[str, str]:
    return {k: v for k, v in context.items() if not k.startswith("_")}


def rule_matches(rule: dict, answers: dict[str, str]) -> bool:
    return all(answers.get(option) in values for option, values in rule["when"].items())


def paths_to_remove(rules: list[dict], answers: dict[str, str]) -> list[str]:
    """Paths some rule owns that no rule matching the answers keeps."""
    owned = {path for rule in rules for path in rule["paths"]}
    kept = {path for rule in rules if rule_matches(rule, answers) for path in rule["paths"]}
    return sorted(owned - kept)


class ManifestError(Exception):
    """The manifest asks for something impossible: a template bug, not a bad answer."""


def variant_moves(rules: list[dict], answers: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Which variant source fills which destination, and the sources left unused.

    A destination is filled by the one matching rule that names it; two
    matching rules for one destination are a template bug.
    """
    moves: dict[str, str] = {}
    unused: list[str] = []
    for rule in rules:
        chosen = rule_matches(rule, answers)
        for destination, source in rule.get("variants", {}).items():
            if not chosen:
                unused.append(source)
            elif destination in moves:
                raise ManifestError(
                    f"{destination} is filled twice: from {moves[destination]} and {source}"
                )
            else:
                moves[destination] = source
    return moves, unused


def fill_variant_destinations(project: Path, rules: list[dict], answers: dict[str, str]) -> None:
    moves, unused = variant_moves(rules, answers)
    for destination, source in moves.items():
        (project / source).replace(project / destination)
    for source in unused:
        (project / source).unlink()


def remove_unselected_features(project: Path, rules: list[dict], answers: dict[str, str]) -> None:
    for relative in paths_to_remove(rules, answers):
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def remove_empty_directories(project: Path) -> None:
    for directory in sorted(project.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()


# Variables in .env.example whose empty value the hook fills with a fresh random secret.
SECRET_SUFFIXES = ("SECRET_KEY", "PASSWORD")


def is_empty_secret(name: str, value: str) -> bool:
    return name.endswith(SECRET_SUFFIXES) and not value


def local_api_key(slug: str) -> tuple[str, str]:
    """A key for `make dev` with auth=api-key and no database, and its API_KEYS entry.

    The same format as app/auth/api_keys.py (the hook cannot import the project):
    `<slug>_<16 hex lookup id>_<43 letters or digits>`, stored as its SHA-256.
    """
    lookup_id = secrets.token_hex(8)
    alphabet = string.ascii_letters + string.digits
    secret = "".join(secrets.choice(alphabet) for _ in range(43))
    key = f"{slug.replace('-', '_')}_{lookup_id}_{secret}"
    entry = {
        "name": "local",
        "lookup_id": lookup_id,
        "key_hash": hashlib.sha256(key.encode()).hexdigest(),
        "scopes": ["items:read", "items:write"],
    }
    return key, json.dumps([entry], separators=(",", ":"))


def write_env_file(project: Path, slug: str) -> str | None:
    """Copy .env.example to .env, giving each empty secret a fresh random value.

    Returns the local API key put into API_KEYS, if the answers have one; .env
    keeps it on a comment line, the only place it is written down.
    """
    lines = []
    api_key = None
    for line in (project / ".env.example").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and is_empty_secret(name, value):
            line = f"{name}={secrets.token_urlsafe(48)}"
        elif sep and name.endswith("_API_KEYS") and value == "[]":
            api_key, entries = local_api_key(slug)
            # Single quotes: python-dotenv and compose read the JSON literally.
            line = f"{name}='{entries}'\n{local_api_key_comment(api_key)}"
        lines.append(line)
    env_file = project / ".env"
    env_file.write_text("\n".join(lines) + "\n")
    env_file.chmod(0o600)
    return api_key


def local_api_key_comment(api_key: str) -> str:
    return (
        "# The local key behind that digest (items:read items:write); the service reads\n"
        f"# only the digest. Send it as the header:\n# X-API-Key: {api_key}"
    )


def start_directory() -> Path | None:
    """The directory the user started cookiecutter (or cruft) from, when it can be known.

    The hook runs in the new project, and the renderer itself changes into the
    template's folder while it works; the shell's PWD, inherited, still names it.
    """
    pwd = os.environ.get("PWD")
    return Path(pwd).resolve() if pwd and Path(pwd).is_absolute() and Path(pwd).is_dir() else None


def cd_path(project: Path, start: Path | None) -> str:
    """The project relative to where the user is, or absolute when it lies elsewhere."""
    project = project.resolve()
    if start is not None and project.is_relative_to(start):
        return project.relative_to(start).as_posix()
    return str(project)


BACKING_SERVICES = {
    "postgres": "PostgreSQL",
    "mongo": "MongoDB",
    "rabbitmq": "RabbitMQ",
    "kafka": "Kafka",
    "redis": "Redis",
    "nats": "NATS JetStream",
}


def backing_services(answers: dict[str, str]) -> list[str]:
    return [BACKING_SERVICES[answers[o]] for o in ("database", "broker") if answers[o] != "none"]


def compose_step(answers: dict[str, str]) -> str:
    *others, last = ["the service", *backing_services(answers)]
    what = f"{', '.join(others)} and {last}" if others else last
    return f"  docker compose up --build   # {what} in containers\n"


def dev_step(answers: dict[str, str]) -> str:
    serve = "serve on http://127.0.0.1:8000/docs"
    if answers["database"] == "postgres":
        return f"  make dev       # migrate a local SQLite database and {serve}\n"
    if answers["database"] == "mongo":
        # The outbox's transactions need a replica set, which README.md shows how to start.
        needs = "a MongoDB replica set" if answers["broker"] != "none" else "MongoDB"
        return f"  make dev       # migrate and {serve}; needs {needs} (README.md)\n"
    return f"  make dev       # {serve}\n"


def api_key_step(answers: dict[str, str], has_local_key: bool) -> str:
    if has_local_key:
        return "A local API key (items:read items:write) is in .env, on the `# X-API-Key:` line.\n"
    if answers["auth"] == "api-key":
        return (
            "Create the first API key (printed once), then manage keys at /api-keys:\n"
            "  uv run python -m app.cli create-api-key --name admin "
            "--scopes admin items:read items:write\n"
        )
    return ""


def next_steps(answers: dict[str, str], cd: str, has_local_key: bool) -> str:
    key_step = api_key_step(answers, has_local_key)
    return (
        f"\nCreated {answers['service_slug']}. Next steps:\n"
        f"  cd {cd}\n"
        "  make install   # .venv and uv.lock; commit uv.lock, it pins what you test\n"
        f"{dev_step(answers)}"
        "  make test      # run the tests\n"
        "  make help      # every other command\n"
        f"{compose_step(answers)}"
    ) + (f"\n{key_step}" if key_step else "")


def main() -> int:
    # Cookiecutter runs the hook inside the freshly rendered project.
    project = Path.cwd()
    context = rendered_context()
    answers, rules = answers_of(context), context["_manifest"]["rules"]
    fill_variant_destinations(project, rules, answers)
    remove_unselected_features(project, rules, answers)
    remove_empty_directories(project)
    api_key = write_env_file(project, answers["service_slug"])
    print(next_steps(answers, cd_path(project, start_directory()), api_key is not None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
