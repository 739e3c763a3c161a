"""The pre-gen hook rejects each bad answer with one clear line and leaves nothing behind."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.template import TEMPLATE_DIR

pytestmark = pytest.mark.hooks


def run_cookiecutter(output_dir: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "-o",
            str(output_dir),
            str(TEMPLATE_DIR),
            *answers,
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("service_slug=Orders", "invalid service_slug 'Orders': must be a DNS-1123 label"),
        (
            "service_slug=orders_service",
            "invalid service_slug 'orders_service': must be a DNS-1123 label",
        ),
        ("service_slug=9orders", "invalid service_slug '9orders': must be a DNS-1123 label"),
        ("service_slug=orders-", "invalid service_slug 'orders-': must be a DNS-1123 label"),
        ("service_slug=" + "a" * 64, "must be at most 63 characters"),
        ("service_slug=" + "a" * 56, "must be at most 55 characters with kubernetes=yes"),
        ("service_slug=import", "invalid service_slug 'import': 'import' is a Python keyword"),
        ("project_name=   ", "invalid project_name '   ': must not be empty"),
        (
            "author_email=not-an-email",
            "invalid author_email 'not-an-email': must be an email address",
        ),
        ("author_email=a@b", "invalid author_email 'a@b': must be an email address"),
        ("project_name=" + "N" * 61, "invalid project_name 'NNN"),
        ("description=" + "d" * 73, "must be at most 72 characters"),
        ("author_name=", "invalid author_name '': must not be empty"),
        ("version=1.0-beta", "invalid version '1.0-beta': must be a PEP 440 version"),
        ("version=v1", "invalid version 'v1': must be a PEP 440 version"),
    ],
)
def test_bad_answer_stops_with_one_line_and_no_directory(
    tmp_path: Path, answer: str, message: str
) -> None:
    result = run_cookiecutter(tmp_path, answer)

    assert result.returncode == 1
    our_lines = [line for line in result.stderr.splitlines() if line.startswith("ERROR: invalid")]
    assert len(our_lines) == 1, result.stderr
    assert message in our_lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "answer",
    ["database=mysql", "python_version=3.9", "kubernetes=maybe", "ci=jenkins", "license=GPL-3.0"],
)
def test_unknown_choice_is_refused_before_rendering(tmp_path: Path, answer: str) -> None:
    result = run_cookiecutter(tmp_path, answer)

    name, value = answer.split("=")
    assert result.returncode == 1
    assert f"{value} provided for choice variable {name}" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "answers",
    [
        ("service_slug=a",),
        ("service_slug=" + "a" * 55,),
        ("service_slug=" + "a" * 63, "kubernetes=no"),
        (
            "service_slug=billing-v2",
            "version=2.0.0rc1",
            "author_email=first.last+team@corp.example.io",
        ),
    ],
)
def test_good_edge_answers_render(tmp_path: Path, answers: tuple[str, ...]) -> None:
    result = run_cookiecutter(tmp_path, *answers)

    assert result.returncode == 0, result.stderr
    slug = answers[0].split("=")[1]
    assert (tmp_path / slug / "app" / "main.py").is_file()
    assert f'name = "{slug}"' in (tmp_path / slug / "pyproject.toml").read_text()


def test_slug_is_derived_from_the_project_name(tmp_path: Path) -> None:
    result = run_cookiecutter(tmp_path, "project_name=Billing Engine")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "billing-engine").is_dir()
    assert "BILLING_ENGINE_LOG_LEVEL" in (tmp_path / "billing-engine" / ".env").read_text()


def test_quotes_and_unicode_in_free_text_render_valid_code(tmp_path: Path) -> None:
    result = run_cookiecutter(
        tmp_path,
        'project_name=Zoë\'s "Quoted" Service',
        "service_slug=quoted",
        "description=Says \"hi\" \\ and 'bye' — politely",
        "author_name=Zoë O'Brien",
    )

    assert result.returncode == 0, result.stderr
    project = tmp_path / "quoted"
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    namespace: dict[str, object] = {}
    main_source = (project / "app" / "main.py").read_text()
    title_line = next(line for line in main_source.splitlines() if "title=" in line)
    exec("title = " + title_line.strip().removeprefix("title=").rstrip(","), namespace)
    assert namespace["title"] == 'Zoë\'s "Quoted" Service'
    import tomllib

    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert meta["description"] == "Says \"hi\" \\ and 'bye' — politely"
    assert meta["authors"][0]["name"] == "Zoë O'Brien"
    dockerfile = (project / "Dockerfile").read_text()
    assert 'description="Says \\"hi\\" \\\\ and \'bye\' — politely"' in dockerfile
    assert 'authors="Zoë O\'Brien <platform@example.com>"' in dockerfile
    hadolint = subprocess.run(
        [str(Path(sys.executable).parent / "hadolint"), "Dockerfile"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert hadolint.returncode == 0, hadolint.stdout + hadolint.stderr


def test_pre_gen_hook_accepts_exactly_the_choices_of_cookiecutter_json() -> None:
    import ast

    from tests.template import CHOICES

    source = (TEMPLATE_DIR / "hooks" / "pre_gen_project.py").read_text()
    assignment = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "CHOICES"
    )
    hook_choices = ast.literal_eval(assignment.value)
    assert {name: sorted(values) for name, values in hook_choices.items()} == {
        name: sorted(values) for name, values in CHOICES.items()
    }


def test_api_key_without_a_database_gets_a_local_key_the_app_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cookiecutter(tmp_path, "auth=api-key", "database=none")

    assert result.returncode == 0, result.stderr
    printed = re.search(r"^  (orders_service_\S+)$", result.stdout, re.MULTILINE)
    assert printed is not None, result.stdout
    key = printed[1]
    project = tmp_path / "orders-service"
    env = (project / ".env").read_text()
    assert key not in env
    assert "ORDERS_SERVICE_API_KEYS=[]" in (project / ".env.example").read_text()
    value = next(line for line in env.splitlines() if line.startswith("ORDERS_SERVICE_API_KEYS="))
    [entry] = json.loads(value.partition("=")[2].strip("'"))
    # The rendered module that checks keys (standard library only) agrees with the hook.
    spec = importlib.util.spec_from_file_location("api_keys", project / "app/auth/api_keys.py")
    assert spec is not None
    assert spec.loader is not None
    api_keys = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "api_keys", api_keys)  # dataclasses look it up there
    spec.loader.exec_module(api_keys)
    assert api_keys.lookup_id_of(key) == entry["lookup_id"]
    assert api_keys.key_matches(key, entry["key_hash"])
    assert entry["scopes"] == ["items:read", "items:write"]


def test_api_key_with_a_database_says_how_to_create_the_first_key(tmp_path: Path) -> None:
    result = run_cookiecutter(tmp_path, "auth=api-key", "database=postgres")

    assert result.returncode == 0, result.stderr
    assert "python -m app.cli create-api-key --name admin --scopes admin" in result.stdout
    assert "API_KEYS" not in (tmp_path / "orders-service" / ".env").read_text()
