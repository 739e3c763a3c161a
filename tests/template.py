"""What the template promises, read from cookiecutter.json: options, combinations, ownership."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.service_slug}}"
CONTEXT: dict[str, Any] = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
MANIFEST_RULES: list[dict[str, Any]] = CONTEXT["_manifest"]["rules"]

# Options with a fixed list of values; every combination of them is rendered.
CHOICES: dict[str, list[str]] = {
    name: values
    for name, values in CONTEXT.items()
    if isinstance(values, list) and not name.startswith("_")
}
# Files the post-gen hook creates that the template does not contain.
GENERATED_FILES = frozenset({".env"})


def all_combinations() -> Iterator[dict[str, str]]:
    names = list(CHOICES)
    for values in itertools.product(*(CHOICES[name] for name in names)):
        yield dict(zip(names, values, strict=True))


def combination_id(answers: Mapping[str, str]) -> str:
    return "-".join(f"{name}={answers[name]}" for name in CHOICES if name in answers)


def template_files() -> set[str]:
    return {
        path.relative_to(PROJECT_TEMPLATE).as_posix()
        for path in PROJECT_TEMPLATE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def _owns(owner: str, path: str) -> bool:
    return path == owner or path.startswith(owner + "/")


def expected_files(answers: Mapping[str, str]) -> set[str]:
    """Template files minus those owned only by rules the answers do not match."""
    kept = []
    for path in template_files():
        owners = [rule for rule in MANIFEST_RULES if any(_owns(p, path) for p in rule["paths"])]
        if not owners or any(_matches(rule, answers) for rule in owners):
            kept.append(path)
    return set(kept) | GENERATED_FILES


def _matches(rule: Mapping[str, Any], answers: Mapping[str, str]) -> bool:
    return all(answers.get(option) in values for option, values in rule["when"].items())


def project_files(project: Path) -> set[str]:
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not {"__pycache__", ".venv"} & set(path.parts)
    }
