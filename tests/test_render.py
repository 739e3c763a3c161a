"""Tier 1: every combination renders into a clean, lint-free, well-formed project."""

from __future__ import annotations

import json
import py_compile
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from pytest_cookies.plugin import Cookies

from tests.template import (
    MANIFEST_RULES,
    PROJECT_TEMPLATE,
    TEMPLATE_DIR,
    all_combinations,
    combination_id,
    expected_files,
    project_files,
)

pytestmark = pytest.mark.tier1

COMBINATIONS = list(all_combinations())
RESIDUE = re.compile(r"\{\{|\{%|cookiecutter", re.IGNORECASE)


@pytest.fixture(scope="module", params=COMBINATIONS, ids=combination_id)
def project(request: pytest.FixtureRequest, cookies_session: Cookies) -> Path:
    result = cookies_session.bake(extra_context=request.param, template=str(TEMPLATE_DIR))
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Path(result.project_path)


@pytest.fixture
def answers(project: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    return request.node.callspec.params["project"]


def text_files(project: Path) -> list[Path]:
    files = []
    for relative in sorted(project_files(project)):
        path = project / relative
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files


def test_renders_into_the_slug_directory(project: Path) -> None:
    assert project.name == "orders-service"
    assert (project / "app" / "main.py").is_file()


def test_no_template_residue_in_paths_or_text(project: Path) -> None:
    leftovers = [
        f"{path.relative_to(project)}: {line.strip()}"
        for path in text_files(project)
        for line in path.read_text().splitlines()
        if RESIDUE.search(line)
    ]
    leftovers += [p for p in project_files(project) if RESIDUE.search(p)]
    assert leftovers == []


def test_keeps_exactly_the_core_and_selected_feature_files(
    project: Path, answers: dict[str, str]
) -> None:
    assert project_files(project) == expected_files(answers)


def test_no_empty_directories(project: Path) -> None:
    empty = [d for d in project.rglob("*") if d.is_dir() and not any(d.iterdir())]
    assert empty == []


def test_env_file_has_a_fresh_secret(project: Path) -> None:
    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    secret = env["ORDERS_SERVICE_SECRET_KEY"]
    assert len(secret) >= 48
    assert secret not in (project / ".env.example").read_text()
    assert (project / ".env").stat().st_mode & 0o077 == 0


def test_python_compiles(project: Path) -> None:
    for path in project.rglob("*.py"):
        py_compile.compile(str(path), doraise=True, cfile=str(path) + ".check")
        Path(str(path) + ".check").unlink()


def test_ruff_check_and_format_are_clean(project: Path) -> None:
    for args in (
        ["check", "--no-cache", "."],
        ["format", "--no-cache", "--check", "."],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_structured_files_parse(project: Path) -> None:
    parsed = 0
    for path in text_files(project):
        if path.suffix in (".yml", ".yaml"):
            list(yaml.safe_load_all(path.read_text()))
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
        elif path.suffix == ".json":
            json.loads(path.read_text())
        else:
            continue
        parsed += 1
    assert parsed >= 2  # pyproject.toml and .pre-commit-config.yaml at least


def test_every_manifest_path_exists_in_the_template() -> None:
    missing = [
        path
        for rule in MANIFEST_RULES
        for path in rule["paths"]
        if not (PROJECT_TEMPLATE / path).exists()
    ]
    assert missing == []


def test_every_option_value_in_the_manifest_is_a_real_choice() -> None:
    from tests.template import CHOICES

    unknown = [
        (option, value)
        for rule in MANIFEST_RULES
        for option, values in rule["when"].items()
        for value in values
        if value not in CHOICES.get(option, [])
    ]
    assert unknown == []
