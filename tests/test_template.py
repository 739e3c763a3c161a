"""The combination generators of tests/template.py keep their promises."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from tests.compiled_templates import SHARED_CACHE
from tests.render import render
from tests.template import (
    CHOICES,
    CODE_OPTIONS,
    TARGET_OPTIONS,
    TEXT_ONLY_OPTIONS,
    all_combinations,
    all_pairs,
    combination_id,
    covering_array,
    database_representatives,
    default_answers,
    pairs_of,
    project_files,
    tier1_combinations,
)

pytestmark = pytest.mark.tier1


def test_all_combinations_is_the_full_product() -> None:
    combinations = list(all_combinations())
    assert len(combinations) == math.prod(len(values) for values in CHOICES.values())
    assert len({tuple(c.items()) for c in combinations}) == len(combinations)


def test_tier1_renders_every_combination_of_the_file_shaping_options_once() -> None:
    rows = tier1_combinations()
    shaping = [name for name in CHOICES if name not in TEXT_ONLY_OPTIONS + TARGET_OPTIONS]
    seen = [tuple(row[name] for name in shaping) for row in rows]
    assert sorted(seen) == sorted(itertools.product(*(CHOICES[name] for name in shaping)))
    assert default_answers() in rows


def test_tier1_meets_every_combination_of_the_code_options_with_every_target() -> None:
    seen = {
        tuple(row[name] for name in TARGET_OPTIONS + CODE_OPTIONS) for row in tier1_combinations()
    }
    expected = itertools.product(*(CHOICES[name] for name in TARGET_OPTIONS + CODE_OPTIONS))
    assert seen == set(expected)


def test_tier1_meets_every_text_only_value_with_every_other_value() -> None:
    covered = set().union(*(pairs_of(row) for row in tier1_combinations()))
    assert covered == all_pairs()


def test_covering_array_holds_every_pair_of_option_values() -> None:
    rows = covering_array(database_representatives())
    for first, second in itertools.combinations(CHOICES, 2):
        for a, b in itertools.product(CHOICES[first], CHOICES[second]):
            assert any(row[first] == a and row[second] == b for row in rows), (first, a, second, b)


def test_covering_array_starts_with_each_database_on_the_defaults() -> None:
    rows = covering_array(database_representatives())
    databases = CHOICES["database"]
    assert rows[: len(databases)] == [default_answers() | {"database": d} for d in databases]


def test_covering_array_is_much_smaller_than_the_product_and_deterministic() -> None:
    rows = covering_array(database_representatives())
    assert rows == covering_array(database_representatives())
    assert len({tuple(row.items()) for row in rows}) == len(rows)
    assert all(set(row) == set(CHOICES) and row in list(all_combinations()) for row in rows)
    largest = sorted((len(values) for values in CHOICES.values()), reverse=True)
    # A greedy array stays within a small factor of the lower bound (the two largest lists).
    assert len(rows) <= 2 * largest[0] * largest[1]
    assert len(rows) < math.prod(largest) / 4


def test_pairs_helpers_agree() -> None:
    row = default_answers()
    assert pairs_of(row) <= all_pairs()
    assert len(pairs_of(row)) == math.comb(len(CHOICES), 2)


def test_combination_ids_name_only_the_answers_that_differ_from_the_defaults() -> None:
    defaults = default_answers()
    assert combination_id(defaults) == "defaults"
    changed = defaults | {"auth": "api-key", "database": "mongo"}
    assert combination_id(changed) == "database=mongo-auth=api-key"


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(list(all_combinations()), id="all"),
        pytest.param(tier1_combinations(), id="tier1"),
        pytest.param(covering_array(database_representatives()), id="tier2"),
        pytest.param(database_representatives(), id="tier3"),
    ],
)
def test_combination_ids_are_unique(rows: list[dict[str, str]]) -> None:
    ids = [combination_id(row) for row in rows]
    assert len(set(ids)) == len(ids)


def test_shared_compiled_templates_render_the_same_files_as_a_cold_compile(
    tmp_path: Path,
) -> None:
    answers = default_answers() | {"database": "mongo", "auth": "api-key", "broker": "kafka"}
    SHARED_CACHE.clear()
    cold = render(tmp_path / "cold", answers)
    compiled = len(SHARED_CACHE)
    warm = render(tmp_path / "warm", answers)
    assert compiled > 100, "renderings do not go through the shared bytecode cache"
    assert len(SHARED_CACHE) == compiled, "a warm rendering compiled templates again"
    files = sorted(project_files(cold))
    assert files == sorted(project_files(warm))
    # .env holds fresh secrets per rendering by design.
    differing = [f for f in files if (cold / f).read_bytes() != (warm / f).read_bytes()]
    assert differing == [".env"]
