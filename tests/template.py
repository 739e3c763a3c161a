"""What the template promises, read from cookiecutter.json: options, combinations, ownership."""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
CODE_OPTIONS = ("database", "auth", "broker", "tracing", "cache")


# Tier 1 renders the full product of the file-shaping options while it has at
# most this many rows (270 today, about 280 s of CI); beyond it, a strength-3
# covering array of them (decision 0028).
TIER1_FULL_PRODUCT_LIMIT = 300
TIER1_STRENGTH = 3
# TIER1_MATRIX=full or =strength-3 forces one matrix, to time or debug the other one.
TIER1_MATRIX_VARIABLE = "TIER1_MATRIX"
TIER1_MATRICES = ("full", "strength-3")

Choices = Mapping[str, Sequence[str]]
# One value for each of some options, sorted by option name.
Interaction = tuple[tuple[str, str], ...]


def shaping_options(choices: Choices = CHOICES) -> list[str]:
    return [name for name in choices if name not in TEXT_ONLY_OPTIONS + TARGET_OPTIONS]


def tier1_combinations(
    choices: Choices = CHOICES, code_options: Sequence[str] = CODE_OPTIONS
) -> list[dict[str, str]]:
    """Tier 1's rows: the full product while it is small, strength 3 beyond.

    The full product of the file-shaping options is kept while it has at most
    TIER1_FULL_PRODUCT_LIMIT rows, a strength-3 covering array replaces it
    beyond (decision 0028); TIER1_MATRIX forces either.
    """
    if tier1_uses_full_product(choices):
        return full_product_rows(choices, code_options)
    return strength_3_rows(choices, code_options)


def tier1_uses_full_product(choices: Choices = CHOICES) -> bool:
    forced = os.environ.get(TIER1_MATRIX_VARIABLE, "")
    if forced:
        if forced not in TIER1_MATRICES:
            raise ValueError(f"{TIER1_MATRIX_VARIABLE}={forced}: expected one of {TIER1_MATRICES}")
        return forced == "full"
    size = math.prod(len(choices[name]) for name in shaping_options(choices))
    return size <= TIER1_FULL_PRODUCT_LIMIT


def full_product_rows(
    choices: Choices = CHOICES, code_options: Sequence[str] = CODE_OPTIONS
) -> list[dict[str, str]]:
    """Every combination of the file-shaping options, each once; the others cycled.

    A target option's value is the row's occurrence count among rows with the
    same code options, offset by the block of the fastest-changing option and
    by the code combination's own index: it meets every combination of the
    code options and every value of every other option. Each text-only value
    is offset by the row's index within its block of the fastest-changing
    option, so it meets every value of every other option.
    """
    shaping = shaping_options(choices)
    fastest = len(choices[shaping[-1]])
    seen_code: dict[tuple[str, ...], int] = {}
    code_index: dict[tuple[str, ...], int] = {}
    rows = []
    for index, values in enumerate(itertools.product(*(choices[name] for name in shaping))):
        row = dict(zip(shaping, values, strict=True))
        code = tuple(row[name] for name in code_options)
        occurrence = seen_code[code] = seen_code.get(code, -1) + 1
        rotation = code_index.setdefault(code, len(code_index))
        for name in TARGET_OPTIONS:
            turn = occurrence + occurrence // fastest + rotation
            row[name] = choices[name][turn % len(choices[name])]
        for name in TEXT_ONLY_OPTIONS:
            row[name] = choices[name][(index + index // fastest) % len(choices[name])]
        rows.append({name: row[name] for name in choices})
    return rows


def strength_3_rows(
    choices: Choices = CHOICES, code_options: Sequence[str] = CODE_OPTIONS
) -> list[dict[str, str]]:
    """Seeds plus greedy rows until tier 1's promises hold without the full product.

    Every triple of values of any three file-shaping options, every target
    value with every combination of (up to three of) the code options, and
    every pair of values of any two options appear in some row.
    """
    seeds = database_representatives(choices)
    return covering_rows(tier1_interactions(choices, code_options), seeds, choices)


def tier1_interactions(
    choices: Choices = CHOICES, code_options: Sequence[str] = CODE_OPTIONS
) -> set[Interaction]:
    """What tier 1's array must hold; the full product holds it too."""
    code = [name for name in code_options if name in choices]
    groups = [
        *itertools.combinations(shaping_options(choices), TIER1_STRENGTH),
        *(
            (target, *subset)
            for target in TARGET_OPTIONS
            for subset in itertools.combinations(code, min(TIER1_STRENGTH, len(code)))
        ),
        *itertools.combinations(choices, 2),
    ]
    return {interaction for group in groups for interaction in interactions_of(choices, group)}


def interactions_of(choices: Choices, group: Iterable[str]) -> set[Interaction]:
    """Every combination of values of the options in the group."""
    names = sorted(group)
    return {
        tuple(zip(names, values, strict=True))
        for values in itertools.product(*(choices[name] for name in names))
    }


def covered_by(row: Mapping[str, str], interaction: Interaction) -> bool:
    return all(row.get(name) == value for name, value in interaction)


def covering_rows(
    required: set[Interaction], seeds: list[dict[str, str]], choices: Choices = CHOICES
) -> list[dict[str, str]]:
    """Seeds plus greedily built rows until every required interaction is in a row.

    Each new row starts from the first uncovered interaction of the highest
    strength, then gives every other option (largest lists first) the value
    consistent with the most uncovered interactions; ties go to the earlier
    value, so the result is deterministic (an AETG-style greedy).
    """
    rows = [dict(seed) for seed in seeds]
    uncovered = {i for i in required if not any(covered_by(row, i) for row in rows)}
    by_value: dict[tuple[str, str], set[Interaction]] = {}
    for interaction in uncovered:
        for item in interaction:
            by_value.setdefault(item, set()).add(interaction)
    while uncovered:
        start = min(uncovered, key=lambda interaction: (-len(interaction), interaction))
        row = _row_consistent_with(start, by_value, choices)
        done = {i for i in uncovered if covered_by(row, i)}
        uncovered -= done
        for interaction in done:
            for item in interaction:
                by_value[item].discard(interaction)
        rows.append(row)
    return rows


def _row_consistent_with(
    start: Interaction, by_value: Mapping[tuple[str, str], set[Interaction]], choices: Choices
) -> dict[str, str]:
    row = dict(start)
    for name in sorted(choices, key=lambda option: -len(choices[option])):
        if name not in row:
            row[name] = max(choices[name], key=lambda value: _score(row, name, value, by_value))
    return {name: row[name] for name in choices}


def _score(
    row: Mapping[str, str],
    name: str,
    value: str,
    by_value: Mapping[tuple[str, str], set[Interaction]],
) -> tuple[int, int]:
    """Uncovered interactions the value completes, then those it still leaves possible."""
    completed = possible = 0
    for interaction in by_value.get((name, value), ()):
        if all(row.get(other, wanted) == wanted for other, wanted in interaction):
            possible += 1
            completed += all(other in row or other == name for other, _ in interaction)
    return completed, possible


def default_answers(choices: Choices = CHOICES) -> dict[str, str]:
    return {name: values[0] for name, values in choices.items()}


def database_representatives(choices: Choices = CHOICES) -> list[dict[str, str]]:
    """Each database with the default of every other option."""
    return [default_answers(choices) | {"database": value} for value in choices["database"]]


Pair = tuple[tuple[str, str], tuple[str, str]]


def pairs_of(answers: Mapping[str, str], choices: Choices = CHOICES) -> set[Pair]:
    items = sorted((name, answers[name]) for name in choices)
    return set(itertools.combinations(items, 2))


def all_pairs(choices: Choices = CHOICES) -> set[Pair]:
    return {
        ((first, a), (second, b))
        for first, second in itertools.combinations(sorted(choices), 2)
        for a in choices[first]
        for b in choices[second]
    }


def covering_array(seeds: list[dict[str, str]], choices: Choices = CHOICES) -> list[dict[str, str]]:
    """Seeds plus greedily built combinations until every pair of option values appears.

    Each new combination starts from a pair not yet covered, then gives every
    other option (largest lists first) the value that covers the most new
    pairs with the values already chosen; ties go to the earlier value, so the
    result is deterministic. Its size grows with the two largest option lists,
    not with their product.
    """
    rows = [dict(seed) for seed in seeds]
    uncovered = all_pairs(choices) - set().union(set(), *(pairs_of(row, choices) for row in rows))
    while uncovered:
        row = _row_covering(min(uncovered), uncovered, choices)
        rows.append(row)
        uncovered -= pairs_of(row, choices)
    return rows


def _row_covering(start: Pair, uncovered: set[Pair], choices: Choices) -> dict[str, str]:
    row = dict(start)
    for name in sorted(choices, key=lambda option: -len(choices[option])):
        if name not in row:
            row[name] = max(choices[name], key=lambda value: _gain(row, name, value, uncovered))
    return {name: row[name] for name in choices}


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
