"""What the template promises, read from cookiecutter.json: options, combinations, ownership."""

from __future__ import annotations

import importlib.util
import itertools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
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
GENERATED_FILES = frozenset({".env", ".cruft.json"})
# Template files the post-gen hook reads and deletes (make refresh-versions writes it).
HOOK_INPUTS = frozenset({"tested-versions.json"})


def all_combinations() -> Iterator[dict[str, str]]:
    names = list(CHOICES)
    for values in itertools.product(*(CHOICES[name] for name in names)):
        yield dict(zip(names, values, strict=True))


# Options that only fill in text the same way whatever else is chosen (the
# LICENSE file and one pyproject field). Tier 1 renders every combination of
# the other options and cycles these through them (decision 0015).
TEXT_ONLY_OPTIONS = ("license",)
# Options that change text and lint targets but no file's presence and no
# `{% if %}`: python_version (requires-python, the ruff and mypy targets, the
# Dockerfile base, the CI Python). Tier 1 cycles it so it meets every
# combination of the options that shape the Python code (decision 0021).
TARGET_OPTIONS = ("python_version",)
CODE_OPTIONS = ("database", "auth", "broker", "cache")


def tier1_combinations() -> list[dict[str, str]]:
    """Every combination of the file-shaping options, each once; the others cycled.

    A target option's value is the row's occurrence count among rows with the
    same code options, offset by the block of the fastest-changing option and
    by the code combination's own index: it meets every combination of the
    code options and every value of every other option. Each text-only value
    is offset by the row's index within its block of the fastest-changing
    option, so it meets every value of every other option.
    """
    cycled = TEXT_ONLY_OPTIONS + TARGET_OPTIONS
    shaping = [name for name in CHOICES if name not in cycled]
    fastest = len(CHOICES[shaping[-1]])
    seen_code: dict[tuple[str, ...], int] = {}
    code_index: dict[tuple[str, ...], int] = {}
    rows = []
    for index, values in enumerate(itertools.product(*(CHOICES[name] for name in shaping))):
        row = dict(zip(shaping, values, strict=True))
        code = tuple(row[name] for name in CODE_OPTIONS)
        occurrence = seen_code[code] = seen_code.get(code, -1) + 1
        rotation = code_index.setdefault(code, len(code_index))
        for name in TARGET_OPTIONS:
            turn = occurrence + occurrence // fastest + rotation
            row[name] = CHOICES[name][turn % len(CHOICES[name])]
        for name in TEXT_ONLY_OPTIONS:
            row[name] = CHOICES[name][(index + index // fastest) % len(CHOICES[name])]
        rows.append({name: row[name] for name in CHOICES})
    return rows


def default_answers() -> dict[str, str]:
    return {name: values[0] for name, values in CHOICES.items()}


def database_representatives() -> list[dict[str, str]]:
    """Each database with the default of every other option."""
    return [default_answers() | {"database": value} for value in CHOICES["database"]]


Pair = tuple[tuple[str, str], tuple[str, str]]


def pairs_of(answers: Mapping[str, str]) -> set[Pair]:
    items = sorted((name, answers[name]) for name in CHOICES)
    return set(itertools.combinations(items, 2))


def all_pairs() -> set[Pair]:
    return {
        ((first, a), (second, b))
        for first, second in itertools.combinations(sorted(CHOICES), 2)
        for a in CHOICES[first]
        for b in CHOICES[second]
    }


def covering_array(seeds: list[dict[str, str]]) -> list[dict[str, str]]:
    """Seeds plus greedily built combinations until every pair of option values appears.

    Each new combination starts from a pair not yet covered, then gives every
    other option (largest lists first) the value that covers the most new
    pairs with the values already chosen; ties go to the earlier value, so the
    result is deterministic. Its size grows with the two largest option lists,
    not with their product.
    """
    rows = [dict(seed) for seed in seeds]
    uncovered = all_pairs() - set().union(set(), *(pairs_of(row) for row in rows))
    while uncovered:
        row = _row_covering(min(uncovered), uncovered)
        rows.append(row)
        uncovered -= pairs_of(row)
    return rows


def _row_covering(start: Pair, uncovered: set[Pair]) -> dict[str, str]:
    row = dict(start)
    for name in sorted(CHOICES, key=lambda option: -len(CHOICES[option])):
        if name not in row:
            row[name] = max(CHOICES[name], key=lambda value: _gain(row, name, value, uncovered))
    return {name: row[name] for name in CHOICES}


def _gain(row: Mapping[str, str], name: str, value: str, uncovered: set[Pair]) -> int:
    new = {tuple(sorted([(name, value), chosen])) for chosen in row.items()}
    return len(new & uncovered)


def combination_id(answers: Mapping[str, str]) -> str:
    """The answers that differ from the defaults, e.g. `database=mongo-auth=api-key`.

    The all-default combination is `defaults`. Short ids keep test names readable
    and `-k` selections brief; they stay unique because every row answers every choice.
    """
    defaults = default_answers()
    changed = [
        f"{name}={answers[name]}"
        for name in CHOICES
        if name in answers and answers[name] != defaults[name]
    ]
    return "-".join(changed) or "defaults"


def template_files() -> set[str]:
    return {
        path.relative_to(PROJECT_TEMPLATE).as_posix()
        for path in PROJECT_TEMPLATE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def _owns(owner: str, path: str) -> bool:
    return path == owner or path.startswith(owner + "/")


def _kept_paths(answers: Mapping[str, str]) -> set[str]:
    return {path for rule in MANIFEST_RULES if _matches(rule, answers) for path in rule["paths"]}


def variant_sources() -> dict[str, str]:
    """Every variant source in the manifest, mapped to the destination it fills."""
    return {
        source: destination
        for rule in MANIFEST_RULES
        for destination, source in rule.get("variants", {}).items()
    }


def filled_destinations(answers: Mapping[str, str]) -> list[str]:
    """Destinations the answers fill, once per matching rule (a repeat is a manifest bug)."""
    return [
        destination
        for rule in MANIFEST_RULES
        if _matches(rule, answers)
        for destination in rule.get("variants", {})
    ]


def expected_files(answers: Mapping[str, str]) -> set[str]:
    """Template files and filled destinations whose every listed owner is kept.

    A listed path is kept when some rule listing it matches the answers, so a
    file listed under a kept folder can still be dropped by its own rule
    (`k8s/base/migrate-job.yaml` inside `k8s`), as the post-gen hook does.
    Variant sources never survive: the chosen one is moved to its destination.
    """
    owned = {path for rule in MANIFEST_RULES for path in rule["paths"]}
    kept = _kept_paths(answers)
    candidates = (template_files() - set(variant_sources()) - HOOK_INPUTS) | set(
        filled_destinations(answers)
    )
    return {
        path for path in candidates if all(owner in kept for owner in owned if _owns(owner, path))
    } | GENERATED_FILES


def listed_by_manifest(path: str) -> bool:
    """A template file some rule names: as a path, under a listed folder, or as a variant source."""
    owned = {owner for rule in MANIFEST_RULES for owner in rule["paths"]}
    return path in variant_sources() or any(_owns(owner, path) for owner in owned)


def _matches(rule: Mapping[str, Any], answers: Mapping[str, str]) -> bool:
    return all(answers.get(option) in values for option, values in rule["when"].items())


def load_hook(name: str) -> ModuleType:
    """hooks/<name>.py as an unrendered module: its functions, called with explicit arguments."""
    spec = importlib.util.spec_from_file_location(name, TEMPLATE_DIR / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project_files(project: Path) -> set[str]:
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not {"__pycache__", ".venv"} & set(path.parts)
    }
