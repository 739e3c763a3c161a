"""The hooks: the pre-gen hook rejects each bad answer with one clear line and leaves
nothing behind; the post-gen hook shapes the project to the answers.

Most tests run cookiecutter itself. The hook functions are also called directly
on the unrendered hook modules (`load_hook`), with explicit arguments."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.template import CHOICES, CONTEXT, TEMPLATE_DIR, default_answers, load_hook

pytestmark = pytest.mark.hooks


def run_cookiecutter(
    output_dir: Path | str,
    *answers: str,
    template: str = str(TEMPLATE_DIR),
    started_in: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """cookiecutter --no-input; `started_in` is the user's shell directory (cwd and PWD)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "-o",
            str(output_dir),
            template,
            *answers,
        ],
        cwd=started_in,
        env={**os.environ, "PWD": str(started_in)} if started_in else None,
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
        # Padded, so that the slug derived from it is not too long as well.
        ("project_name=" + " " * 10 + "N" * 51, "invalid project_name '          NNN"),
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


def test_every_bad_answer_is_reported_in_one_run_and_nothing_is_rendered(tmp_path: Path) -> None:
    result = run_cookiecutter(
        tmp_path,
        "project_name=" + "N" * 61,
        "service_slug=Orders",
        "author_email=nobody",
        "version=v2",
    )

    assert result.returncode == 1
    our_lines = [line for line in result.stderr.splitlines() if line.startswith("ERROR: invalid")]
    assert [line.split(":")[1].split()[1] for line in our_lines] == [
        "project_name",
        "service_slug",
        "author_email",
        "version",
    ], result.stderr
    assert "invalid service_slug 'Orders': must be a DNS-1123 label" in our_lines[1]
    assert "invalid version 'v2': must be a PEP 440 version" in our_lines[3]
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


LOCAL_KEY_LINE = re.compile(r"^# X-API-Key: (orders_service_\S+)$", re.MULTILINE)


def test_api_key_without_a_database_keeps_a_local_key_in_env_and_prints_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cookiecutter(tmp_path, "auth=api-key", "database=none")

    assert result.returncode == 0, result.stderr
    project = tmp_path / "orders-service"
    env = (project / ".env").read_text()
    written = LOCAL_KEY_LINE.search(env)
    assert written is not None, env
    key = written[1]
    assert key not in result.stdout + result.stderr
    assert "orders_service_" not in result.stdout
    assert "in .env, on the `# X-API-Key:` line" in result.stdout
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


PRE_GEN = load_hook("pre_gen_project")
POST_GEN = load_hook("post_gen_project")
# The free-text answers as cookiecutter.json gives them, with the default choices.
DEFAULTS = {
    "project_name": "Orders Service",
    "service_slug": "orders-service",
    "description": "A FastAPI microservice.",
    "author_name": "Platform Team",
    "author_email": "platform@example.com",
    "version": "0.1.0",
} | default_answers()


def test_pre_gen_hook_accepts_exactly_the_choices_of_cookiecutter_json() -> None:
    hook_choices = {name: sorted(values) for name, values in PRE_GEN.CHOICES.items()}
    assert hook_choices == {name: sorted(values) for name, values in CHOICES.items()}


def test_pre_gen_hook_accepts_the_defaults_and_names_every_bad_answer_once() -> None:
    assert PRE_GEN.validate(DEFAULTS) == []
    errors = PRE_GEN.validate(
        DEFAULTS | {"service_slug": "a_b", "version": "v1", "license": "GPL", "author_name": ""}
    )
    # Prompt order; a slug that is no DNS label is not also judged against Kubernetes' limit.
    assert [str(error) for error in errors] == [
        "invalid author_name '': must not be empty",
        "invalid service_slug 'a_b': must be a DNS-1123 label: lowercase letters, digits and "
        "hyphens, starting with a letter and ending with a letter or digit",
        "invalid version 'v1': must be a PEP 440 version like 0.1.0",
        "invalid license 'GPL': must be one of MIT, Apache-2.0, Proprietary",
    ]


def test_variant_moves_fill_from_the_matching_rule_and_drop_the_rest() -> None:
    rules = [
        {"when": {"auth": ["jwt"]}, "paths": [], "variants": {"app/cli.py": "app/cli+users.py"}},
        {
            "when": {"auth": ["api-key"]},
            "paths": [],
            "variants": {"app/cli.py": "app/cli+api-keys.py", "app/keys.py": "app/keys+db.py"},
        },
    ]

    moves, unused = POST_GEN.variant_moves(rules, {"auth": "api-key"})

    assert moves == {"app/cli.py": "app/cli+api-keys.py", "app/keys.py": "app/keys+db.py"}
    assert unused == ["app/cli+users.py"]
    assert POST_GEN.variant_moves(rules, {"auth": "none"}) == (
        {},
        ["app/cli+users.py", "app/cli+api-keys.py", "app/keys+db.py"],
    )


def test_two_matching_rules_for_one_destination_are_a_manifest_error() -> None:
    rules = [
        {"when": {"auth": ["jwt"]}, "paths": [], "variants": {"app/cli.py": "app/cli+users.py"}},
        {
            "when": {"database": ["postgres"]},
            "paths": [],
            "variants": {"app/cli.py": "app/cli+db.py"},
        },
    ]

    # Either rule alone is fine; both matching at once is a template bug.
    assert POST_GEN.variant_moves(rules, {"auth": "jwt", "database": "none"})[0] == {
        "app/cli.py": "app/cli+users.py"
    }
    with pytest.raises(POST_GEN.ManifestError, match=r"app/cli\.py is filled twice"):
        POST_GEN.variant_moves(rules, {"auth": "jwt", "database": "postgres"})


def test_paths_to_remove_are_owned_paths_no_matching_rule_keeps() -> None:
    rules = [
        {"when": {"auth": ["jwt", "api-key"]}, "paths": ["app/auth", "app/cli.py"]},
        {"when": {"database": ["postgres"]}, "paths": ["alembic", "app/cli.py"]},
        {"when": {"kubernetes": ["yes"]}, "paths": ["k8s"]},
    ]

    removed = POST_GEN.paths_to_remove(rules, {"auth": "none", "database": "postgres"})

    # app/cli.py stays: one of the two rules listing it matches.
    assert removed == ["app/auth", "k8s"]
    assert (
        POST_GEN.paths_to_remove(
            rules, {"auth": "jwt", "database": "postgres", "kubernetes": "yes"}
        )
        == []
    )


def test_fill_and_remove_shape_a_project_directory(tmp_path: Path) -> None:
    for relative in ("app/cli+users.py", "app/cli+db.py", "app/auth/jwt.py", "k8s/base/app.yaml"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(relative)
    rules = [
        {
            "when": {"auth": ["jwt"]},
            "paths": ["app/auth"],
            "variants": {"app/cli.py": "app/cli+users.py"},
        },
        {"when": {"auth": ["none"]}, "paths": [], "variants": {"app/cli.py": "app/cli+db.py"}},
        {"when": {"kubernetes": ["yes"]}, "paths": ["k8s"]},
    ]
    answers = {"auth": "jwt", "kubernetes": "no"}

    POST_GEN.fill_variant_destinations(tmp_path, rules, answers)
    POST_GEN.remove_unselected_features(tmp_path, rules, answers)
    POST_GEN.remove_empty_directories(tmp_path)

    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert files == ["app", "app/auth", "app/auth/jwt.py", "app/cli.py"]
    assert (tmp_path / "app/cli.py").read_text() == "app/cli+users.py"


ENV_EXAMPLE = """# Settings for local development
BILLING_SECRET_KEY=
BILLING_DB_PASSWORD=
BILLING_ADMIN_PASSWORD=kept-as-given
BILLING_LOG_LEVEL=INFO
BILLING_API_KEYS=[]
"""


def test_write_env_file_fills_empty_secrets_and_a_local_api_key(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text(ENV_EXAMPLE)

    key = POST_GEN.write_env_file(tmp_path, "billing-v2")

    env = (tmp_path / ".env").read_text()
    values = dict(line.split("=", 1) for line in env.splitlines() if "=" in line)
    assert env.startswith("# Settings for local development\n")
    assert len(values["BILLING_SECRET_KEY"]) >= 64
    assert len(values["BILLING_DB_PASSWORD"]) >= 64
    assert values["BILLING_SECRET_KEY"] != values["BILLING_DB_PASSWORD"]
    assert values["BILLING_ADMIN_PASSWORD"] == "kept-as-given"
    assert values["BILLING_LOG_LEVEL"] == "INFO"
    assert key is not None
    assert re.fullmatch(r"billing_v2_[0-9a-f]{16}_[A-Za-z0-9]{43}", key)
    [entry] = json.loads(values["BILLING_API_KEYS"].strip("'"))
    assert entry["lookup_id"] == key.split("_")[2]
    assert entry["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    # The key itself only on a comment line, which dotenv readers skip.
    assert [line for line in env.splitlines() if key in line] == [f"# X-API-Key: {key}"]
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_write_env_file_without_api_keys_returns_no_key(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("BILLING_SECRET_KEY=\nBILLING_LOG_LEVEL=INFO\n")

    assert POST_GEN.write_env_file(tmp_path, "billing") is None
    assert "BILLING_API_KEYS" not in (tmp_path / ".env").read_text()


# .cruft.json: the post-gen hook records where the template is and which commit it was.


def git(repo: Path, *args: str) -> str:
    """git with no machine configuration, as whoever commits in a test."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ("-c", "user.name=Template Test", "-c", "user.email=test@example.com")
    result = subprocess.run(
        ["git", *identity, *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def committed_repo(root: Path) -> str:
    """A git repository at root with one commit; returns the commit."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    (root / "cookiecutter.json").write_text("{}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A")
    return git(root, "rev-parse", "HEAD")


@pytest.mark.parametrize(
    ("typed", "location"),
    [
        ("gh:acme/service-template", "https://github.com/acme/service-template.git"),
        ("gl:acme/service-template", "https://gitlab.com/acme/service-template.git"),
        ("https://git.example.com/acme/t.git", "https://git.example.com/acme/t.git"),
        ("git+ssh://git@example.com/acme/t", "git+ssh://git@example.com/acme/t"),
        ("git@github.com:acme/service-template.git", "git@github.com:acme/service-template.git"),
        (".", None),
        ("../templates/service", None),
        ("/srv/templates/service", None),
        ("file:///srv/templates/service", None),
    ],
)
def test_remote_location_expands_abbreviations_keeps_urls_and_leaves_paths(
    typed: str, location: str | None
) -> None:
    assert POST_GEN.remote_location(typed) == location


def test_head_commit_reads_loose_packed_and_detached_heads_as_files(tmp_path: Path) -> None:
    commit = committed_repo(tmp_path)
    assert POST_GEN.head_commit(tmp_path) == commit

    git(tmp_path, "pack-refs", "--all")
    assert not (tmp_path / ".git" / "refs" / "heads" / "main").exists()
    assert POST_GEN.head_commit(tmp_path) == commit

    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "B")
    git(tmp_path, "checkout", "-q", "--detach", commit)
    assert POST_GEN.head_commit(tmp_path) == commit


def test_head_commit_follows_a_linked_worktree_to_its_own_head(tmp_path: Path) -> None:
    first = committed_repo(tmp_path / "main")
    git(tmp_path / "main", "commit", "-q", "--allow-empty", "-m", "B")
    git(tmp_path / "main", "worktree", "add", "-q", "-b", "old", str(tmp_path / "wt"), first)

    assert (tmp_path / "wt" / ".git").is_file()
    assert POST_GEN.head_commit(tmp_path / "wt") == first
    assert POST_GEN.head_commit(tmp_path / "main") != first


def test_head_commit_of_a_repository_without_commits_is_none(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")

    assert POST_GEN.head_commit(tmp_path) is None


def test_template_source_of_a_local_template_is_its_git_root_commit_and_directory(
    tmp_path: Path,
) -> None:
    commit = committed_repo(tmp_path / "repo")
    (tmp_path / "repo" / "templates" / "service").mkdir(parents=True)
    context = {"_template": "templates/service"}

    source = POST_GEN.template_source(context, tmp_path / "repo" / "templates" / "service")

    assert source == (str(tmp_path / "repo"), commit, "templates/service")
    assert POST_GEN.template_source(context, tmp_path / "repo") == (
        str(tmp_path / "repo"),
        commit,
        None,
    )


def test_template_source_outside_git_is_the_folder_without_a_commit(tmp_path: Path) -> None:
    source = POST_GEN.template_source({"_template": "."}, tmp_path)

    assert source == (str(tmp_path), None, None)


def test_template_source_of_a_cloned_url_is_the_url_and_the_clone_commit(tmp_path: Path) -> None:
    commit = committed_repo(tmp_path / "service-template")
    context = {"_template": "gh:acme/service-template"}

    source = POST_GEN.template_source(context, tmp_path / "service-template")

    assert source == ("https://github.com/acme/service-template.git", commit, None)


def test_template_source_under_cruft_create_is_what_cruft_put_in_the_context() -> None:
    context = {"_template": "/srv/templates/service", "_commit": "a" * 40}

    source = POST_GEN.template_source(context, Path("/tmp/cruft-clone"))

    assert source == ("/srv/templates/service", "a" * 40, None)


def test_cruft_state_has_cruft_fields_the_answers_and_no_machine_paths(tmp_path: Path) -> None:
    commit = committed_repo(tmp_path / "template")
    context = {
        "service_slug": "billing",
        "_template_version": "1.0.0",
        "_template": ".",
        "_output_dir": "/home/me/services",
        "_repo_dir": ".",
        "_checkout": "v1.0.0",
    }

    state = POST_GEN.cruft_state(context, tmp_path / "template")

    assert list(state) == ["template", "commit", "checkout", "context", "directory"]
    assert state["template"] == str(tmp_path / "template")
    assert (state["commit"], state["checkout"], state["directory"]) == (commit, "v1.0.0", None)
    assert state["context"] == {
        "cookiecutter": {
            "service_slug": "billing",
            "_template_version": "1.0.0",
            "_template": str(tmp_path / "template"),
            "_commit": commit,
        }
    }


def test_cookiecutter_from_a_relative_path_records_the_absolute_template_and_its_commit(
    tmp_path: Path,
) -> None:
    """`cookiecutter .` from the template checkout: the path is made absolute, whatever PWD says."""
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), "."],
        cwd=TEMPLATE_DIR,
        # A PWD that is not the template: the hook must not rely on it for the location.
        env={**os.environ, "PWD": str(tmp_path)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr

    state = json.loads((tmp_path / "orders-service" / ".cruft.json").read_text())
    assert state["template"] == str(TEMPLATE_DIR)
    assert state["commit"] == git(TEMPLATE_DIR, "rev-parse", "HEAD")
    assert state["context"]["cookiecutter"]["_template_version"] == CONTEXT["_template_version"]
    assert "_output_dir" not in state["context"]["cookiecutter"]


def next_steps_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    return result.stdout.partition("Next steps:\n")[2].splitlines()


@pytest.mark.parametrize(
    ("answers", "compose", "dev"),
    [
        (("database=none", "broker=none"), "# the service in containers", "# serve on"),
        (
            ("database=postgres", "broker=rabbitmq"),
            "# the service, PostgreSQL and RabbitMQ in containers",
            "# migrate a local SQLite database and serve on",
        ),
        (
            ("database=mongo", "broker=kafka"),
            "# the service, MongoDB and Kafka in containers",
            "needs a MongoDB replica set (README.md)",
        ),
    ],
)
def test_next_steps_name_the_backing_services_of_each_combination(
    tmp_path: Path, answers: tuple[str, ...], compose: str, dev: str
) -> None:
    result = run_cookiecutter(tmp_path, *answers)

    assert result.returncode == 0, result.stderr
    steps = next_steps_of(result)
    [compose_line] = [line for line in steps if "docker compose up --build" in line]
    assert compose_line.endswith(compose), compose_line
    [dev_line] = [line for line in steps if line.lstrip().startswith("make dev")]
    assert dev in dev_line
    assert any("make install" in line and "commit uv.lock" in line for line in steps)
    if answers == ("database=none", "broker=none"):
        services = ("PostgreSQL", "MongoDB", "RabbitMQ", "Kafka", "Redis", "NATS", "database")
        assert not any(name in result.stdout for name in services), result.stdout


def test_next_steps_cd_relative_to_where_cookiecutter_was_started(tmp_path: Path) -> None:
    """cookiecutter -o services from tmp_path: the user types `cd services/orders-service`."""
    result = run_cookiecutter("services", started_in=tmp_path)

    assert result.returncode == 0, result.stderr
    assert next_steps_of(result)[0] == "  cd services/orders-service"


def test_cd_path_is_absolute_when_the_start_is_unknown_or_elsewhere(tmp_path: Path) -> None:
    project = tmp_path / "out" / "billing"
    project.mkdir(parents=True)

    assert POST_GEN.cd_path(project, tmp_path) == "out/billing"
    assert POST_GEN.cd_path(project, None) == str(project.resolve())
    assert POST_GEN.cd_path(project, tmp_path / "elsewhere") == str(project.resolve())
