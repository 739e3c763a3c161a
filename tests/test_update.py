"""`cruft update` on services rendered from a local git copy of the template, offline.

The template's working tree is committed into a throwaway repository (commit A).
One service is rendered from it with `cruft create`, one with plain cookiecutter
(whose post-gen hook writes .cruft.json); each becomes a git repository. The
cruft one gets a local edit. Commit B then edits rendered files (one of them on
the locally edited line), gives an option a new file, refreshes a tested
version, bumps the template version, and both services run `cruft update -y`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.template import CONTEXT, PROJECT_TEMPLATE, TEMPLATE_DIR

pytestmark = pytest.mark.update

# Not template content: the checkout's own tooling state and build output.
NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", "site", ".cache", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"
)
NEXT_VERSION = "99.0.0"
# B's edit of a line the cruft service edits too, and the service's own edit.
GITIGNORE_LINE = ".venv/\n"
TEMPLATE_GITIGNORE_LINE = "/.venv/\n"
LOCAL_GITIGNORE_LINE = ".venv*/\n"
# B's new file, owned by auth=jwt through the manifest.
NEW_OWNED_FILE = "docs/auth.md"
NEW_SETTING = "FEATURE_FLAGS="
# B's refresh of the tested versions (make refresh-versions): a newer FastAPI pin.
REFRESHED_PIN = "fastapi==99.0.0"


@dataclass
class Service:
    path: Path
    env_before: bytes
    state_before: dict
    update: subprocess.CompletedProcess[str]

    def cruft_state(self) -> dict:
        state: dict = json.loads((self.path / ".cruft.json").read_text())
        return state


@dataclass
class Scenario:
    env: dict[str, str]
    commit_a: str
    fresh_diff: subprocess.CompletedProcess[str]  # cruft diff of the cookiecutter rendering at A
    commit_b: str
    created: Service  # cruft create, default answers, .gitignore edited locally
    rendered: Service  # plain cookiecutter, auth=none database=none, no local edit


def git_env(home: Path) -> dict[str, str]:
    """git that ignores the machine's configuration and knows who commits."""
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Template Test\n\temail = test@example.com\n")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }


def run(env: dict[str, str], cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def check_run(env: dict[str, str], cwd: Path, *command: str) -> str:
    result = run(env, cwd, *command)
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result.stdout


def commit_all(env: dict[str, str], repo: Path, message: str) -> str:
    check_run(env, repo, "git", "add", "-A")
    check_run(env, repo, "git", "commit", "-q", "-m", message)
    return check_run(env, repo, "git", "rev-parse", "HEAD").strip()


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def apply_template_change_b(template: Path) -> None:
    """Edits rendered files, gives auth=jwt a new owned file, refreshes a tested version,
    bumps the template version."""
    project = template / PROJECT_TEMPLATE.name
    replace_once(project / ".gitignore", GITIGNORE_LINE, TEMPLATE_GITIGNORE_LINE)
    replace_once(
        project / ".env.example",
        "ENVIRONMENT=development\n",
        "ENVIRONMENT=development\n{{ cookiecutter.__env_prefix }}" + NEW_SETTING + "\n",
    )
    (project / NEW_OWNED_FILE).parent.mkdir(exist_ok=True)
    (project / NEW_OWNED_FILE).write_text(
        "# Authentication\n\nTokens for {{ cookiecutter.project_name }}.\n"
    )
    tested_file = project / "tested-versions.json"
    tested = json.loads(tested_file.read_text())
    tested["versions"]["fastapi"] = {REFRESHED_PIN.partition("==")[2]: ""}
    tested_file.write_text(json.dumps(tested, indent=2) + "\n")
    context = json.loads((template / "cookiecutter.json").read_text())
    context["_template_version"] = NEXT_VERSION
    jwt_rule = next(r for r in context["_manifest"]["rules"] if r["when"] == {"auth": ["jwt"]})
    jwt_rule["paths"].append(NEW_OWNED_FILE)
    (template / "cookiecutter.json").write_text(json.dumps(context, indent=2) + "\n")


def cruft(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(env, cwd, sys.executable, "-m", "cruft", *args)


def make_service_repo(env: dict[str, str], project: Path) -> tuple[bytes, dict]:
    """Commit the rendered service; its .env and .cruft.json as they were rendered."""
    check_run(env, project, "git", "init", "-q", "-b", "main")
    commit_all(env, project, "Rendered from the template")
    return (project / ".env").read_bytes(), json.loads((project / ".cruft.json").read_text())


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    root = tmp_path_factory.mktemp("update")
    env = git_env(root)
    template = root / "template"
    shutil.copytree(TEMPLATE_DIR, template, ignore=NOT_TEMPLATE)
    check_run(env, template, "git", "init", "-q", "-b", "main")
    commit_a = commit_all(env, template, "A: the template as it is")

    check_run(
        env,
        root,
        sys.executable,
        "-m",
        "cruft",
        "create",
        "-y",
        str(template),
        "--output-dir",
        str(root / "created"),
    )
    created = root / "created" / CONTEXT["project_name"].lower().replace(" ", "-")
    created_env, created_state = make_service_repo(env, created)
    replace_once(created / ".gitignore", GITIGNORE_LINE, LOCAL_GITIGNORE_LINE)
    commit_all(env, created, "Local edit: ignore every virtualenv")

    check_run(
        env,
        root,
        sys.executable,
        "-m",
        "cookiecutter",
        "--no-input",
        str(template),
        "-o",
        str(root / "rendered"),
        "database=none",
        "auth=none",
        "kubernetes=no",
    )
    rendered = next((root / "rendered").iterdir())
    rendered_env, rendered_state = make_service_repo(env, rendered)
    current = cruft(env, rendered, "check")
    assert current.returncode == 0, current.stdout + current.stderr
    fresh_diff = cruft(env, rendered, "diff", "--exit-code")

    apply_template_change_b(template)
    commit_b = commit_all(env, template, "B: edits, a new file for auth=jwt, next version")
    assert cruft(env, rendered, "check").returncode == 1, "cruft check misses commit B"

    yield Scenario(
        env=env,
        commit_a=commit_a,
        fresh_diff=fresh_diff,
        commit_b=commit_b,
        created=Service(created, created_env, created_state, cruft(env, created, "update", "-y")),
        rendered=Service(
            rendered, rendered_env, rendered_state, cruft(env, rendered, "update", "-y")
        ),
    )


def services(scenario: Scenario) -> list[Service]:
    return [scenario.created, scenario.rendered]


def git_status(scenario: Scenario, service: Service) -> list[str]:
    return check_run(scenario.env, service.path, "git", "status", "--porcelain").splitlines()


def test_plain_cookiecutter_rendering_records_the_template_commit_it_came_from(
    scenario: Scenario,
) -> None:
    state = scenario.rendered.state_before
    assert state["commit"] == scenario.commit_a
    assert Path(state["template"]).is_absolute()
    assert state["context"]["cookiecutter"]["auth"] == "none"
    assert state["context"]["cookiecutter"]["_template_version"] == CONTEXT["_template_version"]


def test_cruft_diff_finds_no_difference_in_a_fresh_cookiecutter_rendering(
    scenario: Scenario,
) -> None:
    """The hook's .cruft.json describes the rendering exactly; .env's secrets are skipped."""
    assert scenario.fresh_diff.returncode == 0, scenario.fresh_diff.stdout
    assert "upstream-template-" not in scenario.fresh_diff.stdout


def test_cruft_create_records_the_template_commit_and_version(scenario: Scenario) -> None:
    state = scenario.created.state_before
    assert state["commit"] == scenario.commit_a
    assert state["context"]["cookiecutter"]["_template_version"] == CONTEXT["_template_version"]


@pytest.mark.parametrize("which", ["created", "rendered"])
def test_cruft_update_succeeds_on_cruft_and_cookiecutter_renderings(
    scenario: Scenario, which: str
) -> None:
    service: Service = getattr(scenario, which)
    assert service.update.returncode == 0, service.update.stdout + service.update.stderr
    assert "has been updated" in service.update.stdout


def test_update_applies_template_edits_to_the_unedited_cookiecutter_service(
    scenario: Scenario,
) -> None:
    project = scenario.rendered.path
    assert TEMPLATE_GITIGNORE_LINE in (project / ".gitignore").read_text()
    assert f"_{NEW_SETTING}\n" in (project / ".env.example").read_text()
    assert f"version {NEXT_VERSION} of the" in (project / "README.md").read_text()
    # auth=none: the new file belongs to auth=jwt, so the update does not bring it.
    assert not (project / NEW_OWNED_FILE).exists()
    assert all(
        not line.startswith(("U", "AA", "DD")) for line in git_status(scenario, scenario.rendered)
    )


def test_update_adds_the_file_the_manifest_now_gives_auth_jwt(scenario: Scenario) -> None:
    new_file = scenario.created.path / NEW_OWNED_FILE
    assert new_file.read_text() == f"# Authentication\n\nTokens for {CONTEXT['project_name']}.\n"
    assert f"version {NEXT_VERSION} of the" in (scenario.created.path / "README.md").read_text()


def test_update_leaves_no_rej_or_orig_files_in_either_service(scenario: Scenario) -> None:
    leftovers = [
        path
        for service in services(scenario)
        for path in service.path.rglob("*")
        if path.suffix in {".rej", ".orig"} and ".git" not in path.parts
    ]
    assert leftovers == []


def test_update_leaves_env_byte_for_byte_unchanged_in_either_service(scenario: Scenario) -> None:
    for service in services(scenario):
        assert (service.path / ".env").read_bytes() == service.env_before


def test_update_records_commit_b_and_the_new_template_version(scenario: Scenario) -> None:
    for service in services(scenario):
        state = service.cruft_state()
        assert state["commit"] == scenario.commit_b
        assert state["context"]["cookiecutter"]["_template_version"] == NEXT_VERSION
        assert "skip" not in state  # skips live in pyproject.toml (decision 0022)


def test_locally_edited_line_conflicts_with_markers_and_unmerged_status(
    scenario: Scenario,
) -> None:
    gitignore = (scenario.created.path / ".gitignore").read_text()
    assert "<<<<<<< " in gitignore and ">>>>>>> " in gitignore
    assert LOCAL_GITIGNORE_LINE in gitignore and TEMPLATE_GITIGNORE_LINE in gitignore
    assert "UU .gitignore" in git_status(scenario, scenario.created)


def test_cruft_check_reports_up_to_date_after_the_update(scenario: Scenario) -> None:
    for service in services(scenario):
        check = cruft(scenario.env, service.path, "check")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "up to date" in check.stdout


def test_update_brings_refreshed_tested_versions_into_both_services(scenario: Scenario) -> None:
    """A template release with new tested versions reaches pyproject.toml's constraints."""
    for service in services(scenario):
        pyproject = (service.path / "pyproject.toml").read_text()
        assert f'"{REFRESHED_PIN}",' in pyproject
        assert pyproject.count('"fastapi==') == 1
