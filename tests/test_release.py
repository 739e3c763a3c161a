"""The template's version has one source, `_template_version` in cookiecutter.json.

cruft re-renders with the new template's underscore keys, so every service's
.cruft.json carries the version of the template it was last updated from; the
template's pyproject.toml and the CHANGELOG's newest released section must say
the same (docs/releasing.md).
"""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.template import CONTEXT, TEMPLATE_DIR

pytestmark = pytest.mark.tier1

SEMVER = re.compile(r"\d+\.\d+\.\d+")
RELEASED_SECTION = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.M)


def changelog_versions() -> list[str]:
    text = (TEMPLATE_DIR / "CHANGELOG.md").read_text()
    return [match["version"] for match in RELEASED_SECTION.finditer(text)]


def test_template_version_is_a_semantic_version() -> None:
    assert SEMVER.fullmatch(CONTEXT["_template_version"])


def test_template_pyproject_version_is_the_template_version() -> None:
    pyproject = tomllib.loads((TEMPLATE_DIR / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == CONTEXT["_template_version"]


def test_changelog_newest_released_section_is_the_template_version() -> None:
    versions = changelog_versions()
    assert versions, "CHANGELOG.md has no released section"
    assert versions[0] == CONTEXT["_template_version"]


def test_changelog_keeps_an_unreleased_section_above_the_releases() -> None:
    text = (TEMPLATE_DIR / "CHANGELOG.md").read_text()
    unreleased = text.find("\n## [Unreleased]\n")
    assert 0 <= unreleased < text.find(f"\n## [{CONTEXT['_template_version']}] - ")
