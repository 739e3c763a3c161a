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
    TIER1_FULL_PRODUCT_LIMIT,
    TIER1_MATRIX_VARIABLE,
    Choices,
    Interaction,
    all_combinations,
    all_pairs,
    combination_id,
    covered_by,
    covering_array,
    covering_rows,
    database_representatives,
    default_answers,
    full_product_rows,
    interactions_of,
    pairs_of,
    project_files,
    shaping_options,
    strength_3_rows,
    tier1_combinations,
    tier1_interactions,
)

pytestmark = pytest.mark.tier1


def test_all_combinations_is_the_full_product() -> None:
    combinations = list(all_combinations())
    assert len(combinations) == math.prod(len(values) for values in CHOICES.values())
    assert len({tuple(c.items()) for c in combinations}) == len(combinations)


def test_full_product_rows_are_every_combination_of_the_file_shaping_options_once() -> None:
    rows = full_product_rows()
    shaping = [name for name in CHOICES if name not in TEXT_ONLY_OPTIONS + TARGET_OPTIONS]
    seen = [tuple(row[name] for name in shaping) for row in rows]
    assert sorted(seen) == sorted(itertools.product(*(CHOICES[name] for name in shaping)))
    assert default_answers() in rows


def test_full_product_rows_meet_every_combination_of_the_code_options_with_every_target() -> None:
    seen = {
        tuple(row[name] for name in TARGET_OPTIONS + CODE_OPTIONS) for row in full_product_rows()
    }
    expected = itertools.product(*(CHOICES[name] for name in TARGET_OPTIONS + CODE_OPTIONS))
    assert seen == set(expected)


def test_tier1_meets_every_text_only_value_with_every_other_value() -> None:
    covered = set().union(*(pairs_of(row) for row in tier1_combinations()))
    assert covered == all_pairs()


# Tier 1's matrix before issue 13's two options: small enough for the full product.
ISSUE_13_OPTIONS = ("tracing", "cache")
BEFORE_ISSUE_13 = {name: values for name, values in CHOICES.items() if name not in ISSUE_13_OPTIONS}
CODE_OPTIONS_BEFORE_ISSUE_13 = tuple(name for name in CODE_OPTIONS if name not in ISSUE_13_OPTIONS)


def full_product_size(choices: Choices) -> int:
    return math.prod(len(choices[name]) for name in shaping_options(choices))


def missing(rows: list[dict[str, str]], required: set[Interaction]) -> list[Interaction]:
    return sorted(i for i in required if not any(covered_by(row, i) for row in rows))


def test_strength_3_rows_hold_every_triple_of_file_shaping_values() -> None:
    choices, code_options = CHOICES, CODE_OPTIONS
    rows = strength_3_rows(choices, code_options)
    for first, second, third in itertools.combinations(shaping_options(choices), 3):
        for a, b, c in itertools.product(choices[first], choices[second], choices[third]):
            assert any(row[first] == a and row[second] == b and row[third] == c for row in rows), (
                first,
                a,
                second,
                b,
                third,
                c,
            )


def test_strength_3_rows_meet_every_code_triple_with_every_target() -> None:
    choices, code_options = CHOICES, CODE_OPTIONS
    rows = strength_3_rows(choices, code_options)
    for code in itertools.combinations(code_options, 3):
        names = TARGET_OPTIONS + code
        seen = {tuple(row[name] for name in names) for row in rows}
        assert seen == set(itertools.product(*(choices[name] for name in names))), names


def test_strength_3_rows_meet_every_value_with_every_other_value() -> None:
    choices, code_options = CHOICES, CODE_OPTIONS
    rows = strength_3_rows(choices, code_options)
    for first, second in itertools.combinations(choices, 2):
        seen = {(row[first], row[second]) for row in rows}
        assert seen == set(itertools.product(choices[first], choices[second])), (first, second)


def test_strength_3_rows_start_with_each_database_on_the_defaults_and_are_deterministic() -> None:
    choices, code_options = CHOICES, CODE_OPTIONS
    rows = strength_3_rows(choices, code_options)
    assert rows[: len(choices["database"])] == database_representatives(choices)
    assert rows == strength_3_rows(choices, code_options)
    assert len({tuple(row.items()) for row in rows}) == len(rows)
    assert all(list(row) == list(choices) for row in rows)
    assert all(row[name] in choices[name] for row in rows for name in choices)


def test_strength_3_rows_stay_near_the_lower_bound_and_below_the_full_product() -> None:
    choices, code_options = CHOICES, CODE_OPTIONS
    rows = strength_3_rows(choices, code_options)
    # No array is smaller than its largest required interaction group: here the
    # target with the three largest code options (135 rows).
    largest_group = max(
        math.prod(len(choices[name]) for name in group)
        for group in itertools.combinations([*TARGET_OPTIONS, *code_options], 4)
        if set(TARGET_OPTIONS) <= set(group)
    )
    assert largest_group <= len(rows) <= largest_group * 1.2
    assert len(rows) < full_product_size(choices)


def test_tier1_took_the_full_product_before_issue_13_and_strength_3_since(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TIER1_MATRIX_VARIABLE, raising=False)
    assert full_product_size(BEFORE_ISSUE_13) <= TIER1_FULL_PRODUCT_LIMIT
    assert tier1_combinations(BEFORE_ISSUE_13, CODE_OPTIONS_BEFORE_ISSUE_13) == full_product_rows(
        BEFORE_ISSUE_13, CODE_OPTIONS_BEFORE_ISSUE_13
    )
    assert full_product_size(CHOICES) > TIER1_FULL_PRODUCT_LIMIT
    assert tier1_combinations() == strength_3_rows()


@pytest.mark.parametrize("forced", ["full", "strength-3"])
def test_tier1_matrix_variable_forces_one_matrix(
    forced: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIER1_MATRIX_VARIABLE, forced)
    build = full_product_rows if forced == "full" else strength_3_rows
    assert tier1_combinations() == build()


def test_tier1_matrix_variable_refuses_an_unknown_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIER1_MATRIX_VARIABLE, "pairwise")
    with pytest.raises(ValueError, match="TIER1_MATRIX=pairwise"):
        tier1_combinations()


@pytest.mark.parametrize(
    ("choices", "code_options"),
    [
        pytest.param(CHOICES, CODE_OPTIONS, id="today"),
        pytest.param(BEFORE_ISSUE_13, CODE_OPTIONS_BEFORE_ISSUE_13, id="before-issue-13"),
    ],
)
def test_tier1_rows_hold_every_required_interaction_whichever_matrix_they_are(
    choices: Choices, code_options: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The matrix tier 1 picks itself; a forced full product of today's choices
    # misses license pairs (decision 0028).
    monkeypatch.delenv(TIER1_MATRIX_VARIABLE, raising=False)
    rows = tier1_combinations(choices, code_options)
    assert missing(rows, tier1_interactions(choices, code_options)) == []


def test_full_product_rows_held_what_the_strength_3_rows_hold_before_issue_13() -> None:
    rows = full_product_rows(BEFORE_ISSUE_13, CODE_OPTIONS_BEFORE_ISSUE_13)
    assert len(rows) == full_product_size(BEFORE_ISSUE_13)
    assert missing(rows, tier1_interactions(BEFORE_ISSUE_13, CODE_OPTIONS_BEFORE_ISSUE_13)) == []


def test_covering_rows_add_rows_only_for_what_the_seeds_miss() -> None:
    choices = {"a": ["1", "2"], "b": ["x", "y"], "c": ["p", "q"]}
    everything = interactions_of(choices, "abc")
    seeds = [{"a": "1", "b": "x", "c": "p"}]
    rows = covering_rows(everything, seeds, choices)
    assert rows[0] == seeds[0]
    assert {tuple(row.values()) for row in rows} == set(itertools.product(*choices.values()))
    assert len(rows) == 8
    assert covering_rows(everything, rows, choices) == rows


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


def test_tier2_array_holds_every_pair_with_issue_13s_values() -> None:
    rows = covering_array(database_representatives())
    for name in ISSUE_13_OPTIONS:
        for other in CHOICES:
            if other != name:
                seen = {(row[name], row[other]) for row in rows}
                assert seen == set(itertools.product(CHOICES[name], CHOICES[other])), (name, other)


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
        pytest.param(strength_3_rows(), id="tier1-strength-3"),
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
