"""Shape the rendered project to the answers.

Fills each variant destination from the source its answers choose, removes the
files of features that were not chosen (both as declared by the `_manifest`
rules in cookiecutter.json), pins the tested versions of what the rendering can
install, writes a .env with fresh secrets, records the answers and the template's
location and commit in .cruft.json (so cruft can check and update the service
however it was rendered) and prints next steps. It prints no secret: `cruft update`
re-runs it in throwaway directories, and terminal output ends up in logs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import string
import sys
import tomllib
from pathlib import Path


def rendered_context() -> dict:
    """The context cookiecutter rendered into this file (only meaningful once rendered)."""
    # Raw triple quotes keep this file valid Python before rendering, so tests can
    # import it, and tojson's escaping keeps any answer from ending the string early.
    context: dict = json.loads(r"""{{ cookiecutter | tojson }}""")
    return context


def rendered_template_dir() -> Path:
    """The template folder, absolute (from local_extensions.py; only meaningful once rendered)."""
    # In a list: a JSON string's closing quote would run into the triple quotes.
    template_dir: str = json.loads(r"""[{{ template_dir | tojson }}]""")[0]
    return Path(template_dir)


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


# Written by `make refresh-versions` in the template (decision 0023); read once, then deleted.
TESTED_VERSIONS = "tested-versions.json"
UV_TABLE = "[tool.uv]\npackage = false\n"
CONSTRAINTS_COMMENT = """\
# The versions the template's CI tested together for these dependencies: the first
# `uv lock` (make install) reproduces them, and uv.lock keeps them. To move a package
# on, change its pin here and run `uv lock --upgrade-package NAME`; a template update
# brings the next tested list.
"""
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def name_and_extras(requirement: str) -> tuple[str, list[str]]:
    """The normalized project name (PEP 503) and extras of a requirement like `a_b[x]>=1`."""
    match = _REQUIREMENT.match(requirement)
    if match is None:
        raise ManifestError(f"not a requirement: {requirement!r}")
    name = re.sub(r"[-_.]+", "-", match[1]).lower()
    extras = [extra.strip().lower() for extra in (match[2] or "").split(",") if extra.strip()]
    return name, extras


def installable(graph: dict[str, dict[str, list[str]]], requirements: list[str]) -> set[str]:
    """Every package `requirements` can pull in, on any Python and platform.

    `graph` maps a package to what it needs, by extra ("" for always), as
    requirements naming the extras they want.
    """
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[str, str]] = []

    def want(requirement: str) -> None:
        name, extras = name_and_extras(requirement)
        pending.extend([(name, ""), *((name, extra) for extra in extras)])

    for requirement in requirements:
        want(requirement)
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            for requirement in graph.get(node[0], {}).get(node[1], []):
                want(requirement)
    return {name for name, _ in seen}


def constraint_lines(versions: dict[str, dict[str, str]], names: set[str]) -> list[str]:
    return [
        f"{name}=={version}" + (f"; {marker}" if marker else "")
        for name in sorted(names & versions.keys())
        for version, marker in versions[name].items()
    ]


def pin_tested_versions(project: Path) -> None:
    """Add the tested versions of every package this rendering can install to [tool.uv]."""
    data_file = project / TESTED_VERSIONS
    tested = json.loads(data_file.read_text())
    data_file.unlink()
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    declared = tomllib.loads(text)
    requirements = declared["project"]["dependencies"] + declared["dependency-groups"]["dev"]
    pins = constraint_lines(tested["versions"], installable(tested["graph"], requirements))
    if UV_TABLE not in text:
        raise ManifestError(f"pyproject.toml has no {UV_TABLE!r} to add the tested versions to")
    array = "".join(f"    {json.dumps(pin)},\n" for pin in pins)
    block = f"{CONSTRAINTS_COMMENT}constraint-dependencies = [\n{array}]\n"
    pyproject.write_text(text.replace(UV_TABLE, UV_TABLE + block, 1))


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


# Cookiecutter's built-in abbreviations: cruft clones the URL, not the abbreviation.
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}
# A template given as a URL, as cookiecutter tells one from a path (file: URLs are paths).
REMOTE = re.compile(r"^((git|hg)\+)?(git|ssh|https?):(//)?|^\w+@[\w.]+")
# Context keys cookiecutter adds that describe one machine's run, not the service.
RUN_ONLY_KEYS = ("_output_dir", "_repo_dir", "_checkout")
HEX_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def remote_location(template: str) -> str | None:
    """The URL cruft can clone for a template given as a URL or an abbreviation, else None."""
    prefix, sep, rest = template.partition(":")
    if sep and prefix in ABBREVIATIONS:
        return ABBREVIATIONS[prefix].format(rest)
    return template if REMOTE.match(template) else None


def git_root(folder: Path) -> Path | None:
    """The working tree holding folder: the nearest folder with a .git entry."""
    return next((d for d in (folder, *folder.parents) if (d / ".git").exists()), None)


def git_dir(root: Path) -> Path:
    """The git directory of a working tree; a linked worktree's .git is a `gitdir:` file."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    target = dot_git.read_text().removeprefix("gitdir:").strip()
    return root / target


def common_dir(git: Path) -> Path:
    """Where the refs live: a linked worktree's `commondir` points at the main git directory."""
    commondir = git / "commondir"
    return git / commondir.read_text().strip() if commondir.is_file() else git


def resolve_ref(git: Path, ref: str) -> str | None:
    """A ref's commit, from its loose file or packed-refs, read as files (no git binary)."""
    for folder in (git, common_dir(git)):
        loose = folder / ref
        if loose.is_file():
            return loose.read_text().strip()
    packed = common_dir(git) / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            commit, _, name = line.partition(" ")
            if name == ref:
                return commit
    return None


def head_commit(root: Path) -> str | None:
    """The commit the working tree at root has checked out, if git says one."""
    git = git_dir(root)
    head_file = git / "HEAD"
    if not head_file.is_file():
        return None
    head = head_file.read_text().strip()
    if head.startswith("ref:"):
        head = resolve_ref(git, head.removeprefix("ref:").strip()) or ""
    return head if HEX_COMMIT.match(head) else None


def template_source(context: dict, template_dir: Path) -> tuple[str, str | None, str | None]:
    """Where cruft finds the template again: (location, commit, directory inside it).

    cruft create puts its own `_template` and `_commit` in the context. Plain
    cookiecutter gives the template as typed (relative path, abbreviation) and
    no commit, so the commit is read from the template's git checkout.
    """
    if context.get("_commit"):
        return context["_template"], context["_commit"], None
    root = git_root(template_dir)
    location = remote_location(context["_template"]) or str(root or template_dir)
    directory = template_dir.relative_to(root).as_posix() if root else "."
    return location, head_commit(root) if root else None, None if directory == "." else directory


def cruft_state(context: dict, template_dir: Path) -> dict:
    """.cruft.json as cruft writes it: template, commit, checkout, context, directory."""
    template, commit, directory = template_source(context, template_dir)
    recorded = {k: v for k, v in context.items() if k not in RUN_ONLY_KEYS}
    recorded |= {"_template": template, "_commit": commit}
    return {
        "template": template,
        "commit": commit,
        "checkout": context.get("_checkout"),
        "context": {"cookiecutter": recorded},
        "directory": directory,
    }


def write_cruft_file(project: Path, state: dict) -> None:
    # cruft's own serialisation, so a later `cruft update` rewrites it without churn.
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": "))
    (project / ".cruft.json").write_text(text + "\n")


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
    pin_tested_versions(project)
    write_cruft_file(project, cruft_state(context, rendered_template_dir()))
    api_key = write_env_file(project, answers["service_slug"])
    print(next_steps(answers, cd_path(project, start_directory()), api_key is not None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
