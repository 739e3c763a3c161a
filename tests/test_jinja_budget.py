"""Tier 1: Jinja control flow in the template's Python stays small (issue 10's budget).

Per-variant code lives in variant files chosen by the manifest, not in `{% if %}`
branches. These limits keep the thickets from growing back as options are added;
on failure the message lists the files over each limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.template import PROJECT_TEMPLATE, listed_by_manifest

pytestmark = pytest.mark.tier1

MAX_TAGS_IN_ALL_FILES = 120
MAX_TAGS_IN_CORE_FILES = 40
MAX_TAGS_IN_ONE_FILE = 12
MAX_BLOCK_LINES = 25

OPENING = re.compile(r"\{%-?\s*(?:if|elif)\b")
TAG = re.compile(r"\{%-?\s*(if|endif)\b")


@dataclass(frozen=True)
class Thicket:
    path: str
    tags: int
    longest_block: int


def longest_block(text: str) -> int:
    """Lines from the widest `{% if %}` to its `{% endif %}`, counting both lines."""
    longest = 0
    opened: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for tag in TAG.finditer(line):
            if tag[1] == "if":
                opened.append(number)
            elif opened:
                longest = max(longest, number - opened.pop() + 1)
    return longest


def measure(path: Path) -> Thicket:
    text = path.read_text()
    return Thicket(
        path.relative_to(PROJECT_TEMPLATE).as_posix(),
        len(OPENING.findall(text)),
        longest_block(text),
    )


def template_python() -> list[Thicket]:
    return sorted(
        (measure(path) for path in PROJECT_TEMPLATE.rglob("*.py")),
        key=lambda thicket: (-thicket.tags, thicket.path),
    )


def table(rows: list[Thicket]) -> str:
    return "\n".join(
        f"  {row.tags:3} tags, block {row.longest_block:3} lines: {row.path}" for row in rows
    )


def test_longest_block_counts_the_outermost_if_to_its_endif() -> None:
    text = "a\n{% if x %}\nb\n{% if y %}c{% endif %}\n{% else %}\nd\n{% endif %}\n"
    assert longest_block(text) == 6
    assert longest_block("{% if x %}one line{% endif %}") == 1
    assert longest_block("no jinja") == 0


def test_if_and_elif_tags_in_all_template_python() -> None:
    rows = [row for row in template_python() if row.tags]
    total = sum(row.tags for row in rows)
    assert total <= MAX_TAGS_IN_ALL_FILES, f"{total} tags in {len(rows)} files:\n{table(rows)}"


def test_if_and_elif_tags_in_core_python() -> None:
    rows = [row for row in template_python() if row.tags and not listed_by_manifest(row.path)]
    total = sum(row.tags for row in rows)
    assert total <= MAX_TAGS_IN_CORE_FILES, f"{total} tags in core files:\n{table(rows)}"


def test_no_file_holds_more_than_a_few_if_tags() -> None:
    over = [row for row in template_python() if row.tags > MAX_TAGS_IN_ONE_FILE]
    assert over == [], f"over {MAX_TAGS_IN_ONE_FILE} tags:\n{table(over)}"


def test_no_if_block_spans_more_than_a_screenful() -> None:
    over = [row for row in template_python() if row.longest_block > MAX_BLOCK_LINES]
    over.sort(key=lambda row: -row.longest_block)
    assert over == [], f"blocks over {MAX_BLOCK_LINES} lines:\n{table(over)}"
