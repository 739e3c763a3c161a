"""Tier 1: every combination renders into a clean, lint-free, well-formed project."""

from __future__ import annotations

import json
import py_compile
import re
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_cookies.plugin import Cookies

from tests import validators
from tests.template import (
    MANIFEST_RULES,
    PROJECT_TEMPLATE,
    TEMPLATE_DIR,
    all_combinations,
    combination_id,
    expected_files,
    filled_destinations,
    project_files,
    template_files,
    tier1_combinations,
    variant_sources,
)

pytestmark = pytest.mark.tier1

COMBINATIONS = tier1_combinations()
RESIDUE = re.compile(r"\{\{|\{%|cookiecutter", re.IGNORECASE)
# GitHub Actions expressions are legitimate in workflow files, and only there.
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


@pytest.fixture(scope="session")
def validated() -> validators.Validated:
    return validators.Validated()


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


def is_github_workflow(project: Path, path: Path) -> bool:
    relative = path.relative_to(project)
    return relative.parent.as_posix() == ".github/workflows" and relative.suffix == ".yml"


# cruft's record of the rendering: the answers under a "cookiecutter" key, by its format.
RENDERING_RECORD = ".cruft.json"


def residue_in(project: Path, path: Path) -> list[str]:
    if path.relative_to(project).as_posix() == RENDERING_RECORD:
        return []
    lines = path.read_text().splitlines()
    if is_github_workflow(project, path):
        lines = [GITHUB_EXPRESSION.sub("", line) for line in lines]
    relative = path.relative_to(project)
    return [f"{relative}: {line.strip()}" for line in lines if RESIDUE.search(line)]


def test_residue_check_allows_github_expressions_only_in_workflows(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.write_text("group: ${{ github.ref }}\n")
    elsewhere = tmp_path / "ci.yml"
    elsewhere.write_text("group: ${{ github.ref }}\n")
    leaked = tmp_path / ".github" / "workflows" / "leak.yml"
    leaked.write_text("name: ${{ github.ref }} {{ cookiecutter.service_slug }}\n")

    assert residue_in(tmp_path, workflow) == []
    assert residue_in(tmp_path, elsewhere) != []
    assert residue_in(tmp_path, leaked) != []


def test_no_template_residue_in_paths_or_text(project: Path) -> None:
    leftovers = [line for path in text_files(project) for line in residue_in(project, path)]
    leftovers += [p for p in project_files(project) if RESIDUE.search(p)]
    assert leftovers == []


def test_keeps_exactly_the_core_and_selected_feature_files(
    project: Path, answers: dict[str, str]
) -> None:
    assert project_files(project) == expected_files(answers)


def test_no_empty_directories(project: Path) -> None:
    empty = [d for d in project.rglob("*") if d.is_dir() and not any(d.iterdir())]
    assert empty == []


def test_env_file_has_a_fresh_signing_key_only_with_jwt(
    project: Path, answers: dict[str, str]
) -> None:
    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    assert (project / ".env").stat().st_mode & 0o077 == 0
    if answers["auth"] != "jwt":
        # Nothing signs anything: no key to generate, demand in production or leak.
        assert "ORDERS_SERVICE_SECRET_KEY" not in env
        return
    secret = env["ORDERS_SERVICE_SECRET_KEY"]
    assert len(secret) >= 48
    assert secret not in (project / ".env.example").read_text()


# The password compose's database server takes from .env, per database.
COMPOSE_PASSWORDS = {"postgres": "POSTGRES_PASSWORD", "mongo": "MONGO_PASSWORD"}


def test_env_file_has_a_fresh_password_for_the_database_compose_runs(
    project: Path, answers: dict[str, str]
) -> None:
    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    chosen = COMPOSE_PASSWORDS.get(answers["database"])
    for name in COMPOSE_PASSWORDS.values():
        if name == chosen:
            assert len(env[name]) >= 48
            assert f"\n{name}=\n" in (project / ".env.example").read_text()
        else:
            assert name not in env


# The password compose's broker server takes from .env (Kafka runs without one).
BROKER_PASSWORDS = {
    "rabbitmq": "RABBITMQ_PASSWORD",
    "redis": "REDIS_PASSWORD",
    "nats": "NATS_PASSWORD",
}


def test_env_file_has_a_fresh_password_for_the_broker_compose_runs(
    project: Path, answers: dict[str, str]
) -> None:
    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    chosen = BROKER_PASSWORDS.get(answers["broker"])
    for name in BROKER_PASSWORDS.values():
        if name == chosen:
            assert len(env[name]) >= 48
            assert f"\n{name}=\n" in (project / ".env.example").read_text()
        else:
            assert name not in env


def test_env_file_has_a_fresh_cache_password_that_compose_gives_the_cache_and_the_app(
    project: Path, answers: dict[str, str]
) -> None:
    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    services = load_yaml(project / "docker-compose.yml")["services"]
    if answers["cache"] == "none":
        assert "CACHE_PASSWORD" not in env
        assert "cache" not in services
        return
    assert len(env["CACHE_PASSWORD"]) >= 48
    assert "${CACHE_PASSWORD:?" in " ".join(services["cache"]["command"])
    app_url = services["app"]["environment"]["ORDERS_SERVICE_CACHE_URL"]
    assert app_url.startswith("redis://:${CACHE_PASSWORD:?") and app_url.endswith("@cache:6379/0")


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


# A variant source sits beside its destination, named `<stem>+<label><suffix>`:
# listing a folder shows every variant of a file next to where it lands.
VARIANT_SOURCE = re.compile(r"(?P<stem>[^/+]+)\+(?P<label>[a-z0-9-]+)(?P<suffix>\.[a-z]+)")


def test_every_variant_source_exists_beside_its_destination_and_is_listed_once() -> None:
    listed = [
        (destination, source)
        for rule in MANIFEST_RULES
        for destination, source in rule.get("variants", {}).items()
    ]
    problems = []
    for destination, source in listed:
        name = VARIANT_SOURCE.fullmatch(Path(source).name)
        if not (PROJECT_TEMPLATE / source).is_file():
            problems.append(f"{source}: missing")
        if name is None or Path(source).parent != Path(destination).parent:
            problems.append(f"{source}: not named <stem>+<label><suffix> beside {destination}")
        elif name["stem"] + name["suffix"] != Path(destination).name:
            problems.append(f"{source}: does not fill a file named like {destination}")
        if (PROJECT_TEMPLATE / destination).exists():
            problems.append(f"{destination}: a template file and a variant destination")
    sources = [source for _, source in listed]
    problems += [f"{source}: listed twice" for source in set(sources) if sources.count(source) > 1]
    assert problems == []


def test_every_file_named_like_a_variant_source_is_one() -> None:
    unlisted = [
        path
        for path in template_files()
        if VARIANT_SOURCE.fullmatch(Path(path).name) and path not in variant_sources()
    ]
    assert unlisted == []


def test_every_combination_fills_each_variant_destination_at_most_once() -> None:
    repeated = {
        combination_id(answers): sorted({d for d in filled if filled.count(d) > 1})
        for answers in all_combinations()
        if len(filled := filled_destinations(answers)) != len(set(filled))
    }
    assert repeated == {}


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


def load_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def test_dockerfile_passes_hadolint(project: Path, validated: validators.Validated) -> None:
    validated.once(validators.hadolint, project / "Dockerfile")


def test_dockerfile_runs_uvicorn_as_pid_1_as_a_fixed_non_root_user(
    project: Path, answers: dict[str, str]
) -> None:
    dockerfile = (project / "Dockerfile").read_text()
    assert dockerfile.count(f"FROM python:{answers['python_version']}-slim AS ") == 2
    assert "USER 10001:10001" in dockerfile
    assert 'CMD ["uvicorn", "--factory", "app.main:create_app"' in dockerfile
    assert "--timeout-graceful-shutdown" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "urllib.request" in dockerfile
    assert ("alembic" in dockerfile) == (answers["database"] == "postgres")


def test_compose_file_matches_the_compose_spec(
    project: Path, validated: validators.Validated
) -> None:
    validated.once(validators.compose_spec, project / "docker-compose.yml")


# Compose services and Kubernetes egress ports each database brings.
BACKING_SERVICES = {
    "postgres": {"migrate", "postgres"},
    "mongo": {"migrate", "mongo"},
    "none": set(),
}
DATABASE_PORTS = {"postgres": {5432}, "mongo": {27017}, "none": set()}
K8S_SETTINGS = {  # (Secret, ConfigMap) entries per database
    "postgres": ({"ORDERS_SERVICE_DATABASE_URL"}, set()),
    "mongo": ({"ORDERS_SERVICE_MONGODB_URL"}, {"ORDERS_SERVICE_MONGODB_DATABASE"}),
    "none": (set(), set()),
}
BROKER_PORTS = {
    "none": set(),
    "rabbitmq": {5672},
    "kafka": {9092},
    "redis": {6379},
    "nats": {4222},
}
# The OpenTelemetry Collector's OTLP ports (gRPC, HTTP), in the ConfigMap's namespace.
TRACING_PORTS = {"none": set(), "opentelemetry": {4317, 4318}}
# A broker URL with credentials is a Secret; Kafka's bootstrap servers carry none.
K8S_BROKER_SETTINGS = {
    "none": (set(), set()),
    "kafka": (set(), {"ORDERS_SERVICE_BROKER_URL"}),
    **{broker: ({"ORDERS_SERVICE_BROKER_URL"}, set()) for broker in ("rabbitmq", "redis", "nats")},
}
MIGRATE_COMMANDS = {
    "postgres": ["alembic", "upgrade", "head"],
    "mongo": ["python", "-m", "app.mongo_migrations"],
}


def test_compose_runs_exactly_the_chosen_backing_services(
    project: Path, answers: dict[str, str]
) -> None:
    services = load_yaml(project / "docker-compose.yml")["services"]
    brokers = {answers["broker"]} - {"none"}
    # The app does not wait for the cache: without it reads go to the database.
    cache = {"cache"} if answers["cache"] == "redis" else set()
    assert set(services) == {"app"} | BACKING_SERVICES[answers["database"]] | brokers | cache
    for name, service in services.items():
        assert all(port.startswith("127.0.0.1:") for port in service.get("ports", [])), name
        assert name == "migrate" or "healthcheck" in service, name
        for dependency in service.get("depends_on", {}).values():
            assert dependency["condition"] in {"service_healthy", "service_completed_successfully"}
    if "migrate" in services:
        assert services["migrate"]["command"] == MIGRATE_COMMANDS[answers["database"]]
        assert services["app"]["depends_on"] == {
            answers["database"]: {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        } | {broker: {"condition": "service_healthy"} for broker in brokers}
    elif brokers:
        assert services["app"]["depends_on"] == {
            broker: {"condition": "service_healthy"} for broker in brokers
        }
    else:
        assert "depends_on" not in services["app"]
    # Every server keeps its data in a named volume, but the cache, which holds only copies.
    volumes = load_yaml(project / "docker-compose.yml").get("volumes") or {}
    servers = set(services) - {"app", "migrate", "cache"}
    assert set(volumes) == {f"{name}-data" for name in servers}


# What the app container's BROKER_URL must be in compose, per broker.
COMPOSE_BROKER_URLS = {
    "rabbitmq": "amqp://app:${RABBITMQ_PASSWORD:?set RABBITMQ_PASSWORD in .env}@rabbitmq:5672/",
    "kafka": "kafka:9092",
    "redis": "redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD in .env}@redis:6379/0",
    "nats": "nats://app:${NATS_PASSWORD:?set NATS_PASSWORD in .env}@nats:4222",
}


def test_compose_points_the_app_at_its_broker_with_the_password_from_env(
    project: Path, answers: dict[str, str]
) -> None:
    compose = load_yaml(project / "docker-compose.yml")
    app = compose["services"]["app"]["environment"]
    broker = answers["broker"]
    if broker == "none":
        assert "ORDERS_SERVICE_BROKER_URL" not in app
        return
    assert app["ORDERS_SERVICE_BROKER_URL"] == COMPOSE_BROKER_URLS[broker]
    server = compose["services"][broker]
    text = yaml.safe_dump(server)
    for other, password in BROKER_PASSWORDS.items():
        assert (password in text) == (other == broker), other


def test_compose_takes_the_database_password_from_env_only(
    project: Path, answers: dict[str, str]
) -> None:
    text = (project / "docker-compose.yml").read_text()
    database = answers["database"]
    for other in {"postgres", "mongo"} - {database}:
        assert other.upper() not in text
    if database == "none":
        return
    services = load_yaml(project / "docker-compose.yml")["services"]
    server = services[database]["environment"]
    app = services["app"]["environment"]
    if database == "postgres":
        assert server["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
        assert "${POSTGRES_PASSWORD:?" in app["ORDERS_SERVICE_DATABASE_URL"]
    else:
        assert services["mongo"]["image"] == "mongo:8"
        assert server["MONGO_INITDB_ROOT_PASSWORD"].startswith("${MONGO_PASSWORD:?")
        url = app["ORDERS_SERVICE_MONGODB_URL"]
        assert url.startswith("mongodb://app:${MONGO_PASSWORD:?")
        assert url.endswith("@mongo:27017/?authSource=admin")


def test_kubernetes_manifests_render_and_validate(
    project: Path, answers: dict[str, str], validated: validators.Validated
) -> None:
    if answers["kubernetes"] == "no":
        assert not (project / "k8s").exists()
        return
    k8s = project / "k8s"
    validated.once(validators.kubernetes_manifests, k8s, ignoring=validators.NOT_KUSTOMIZED)
    validated.once(validators.kubernetes_hardening, k8s, ignoring=validators.NOT_KUSTOMIZED)
    validated.once(validators.kubernetes_secret_example, k8s / "base" / "secret.example.yaml")
    base = project / "k8s" / "base"
    job = base / "migrate-job.yaml"
    assert job.exists() == (answers["database"] in MIGRATE_COMMANDS)
    if job.exists():
        container = load_yaml(job)["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == MIGRATE_COMMANDS[answers["database"]]
    policy = load_yaml(base / "networkpolicy.yaml")["spec"]
    ports = {port["port"] for rule in policy["egress"] for port in rule["ports"]} - {53}
    cache_port = {6379} if answers["cache"] == "redis" else set()
    assert ports == (
        DATABASE_PORTS[answers["database"]]
        | BROKER_PORTS[answers["broker"]]
        | TRACING_PORTS[answers["tracing"]]
        | cache_port
    )
    # Connection URLs (with credentials) in the Secret, everything else in the ConfigMap.
    secret = set(load_yaml(base / "secret.example.yaml")["stringData"] or {})
    config = set(load_yaml(base / "configmap.yaml")["data"])
    url, extra = K8S_SETTINGS[answers["database"]]
    # Without a database, API keys (as digests) are settings, kept with the secrets.
    keys = (
        {"ORDERS_SERVICE_API_KEYS"}
        if (answers["auth"], answers["database"]) == ("api-key", "none")
        else set()
    )
    broker_secret, broker_config = K8S_BROKER_SETTINGS[answers["broker"]]
    signing_key = {"ORDERS_SERVICE_SECRET_KEY"} if answers["auth"] == "jwt" else set()
    cache_url = {"ORDERS_SERVICE_CACHE_URL"} if answers["cache"] == "redis" else set()
    assert secret == signing_key | url | keys | broker_secret | cache_url
    assert "ORDERS_SERVICE_BROKER_URL" not in config - broker_config
    others = {name for urls, names in K8S_SETTINGS.values() for name in urls | names}
    assert not (others - url - extra) & config
    assert extra <= config
    # The collector's endpoint carries no credentials (its headers, if any, would).
    assert ("ORDERS_SERVICE_OTLP_ENDPOINT" in config) == (answers["tracing"] == "opentelemetry")


def test_ci_configuration_matches_its_schema(
    project: Path, answers: dict[str, str], validated: validators.Validated
) -> None:
    workflow = project / ".github" / "workflows" / "ci.yml"
    pipeline = project / ".gitlab-ci.yml"
    assert workflow.exists() == (answers["ci"] == "github")
    assert pipeline.exists() == (answers["ci"] == "gitlab")
    if workflow.exists():
        validated.once(validators.github_workflow_schema, workflow)
    if pipeline.exists():
        validated.once(validators.gitlab_ci_schema, pipeline)


def test_local_mongodb_is_a_replica_set_exactly_when_the_outbox_needs_transactions(
    project: Path, answers: dict[str, str]
) -> None:
    """README quick start and the message of an unreachable MongoDB: mongo with a broker."""
    needs_replica_set = answers["database"] == "mongo" and answers["broker"] != "none"
    readme = (project / "README.md").read_text()
    quick_start = readme.partition("## Quick start\n")[2].partition("\n## ")[0]
    assert ("mongo:8 --replSet rs0" in quick_start) == needs_replica_set
    migrations = project / "app" / "mongo_migrations.py"
    assert migrations.exists() == (answers["database"] == "mongo")
    if migrations.exists():
        source = migrations.read_text()
        assert ("mongo:8 --replSet rs0" in source) == needs_replica_set
        assert ("host: 'localhost:27017'" in source) == needs_replica_set


# The Renovate manager that reads each CI configuration, by the `ci` answer.
RENOVATE_CI_MANAGERS = {"github": "github-actions", "gitlab": "gitlabci"}


def test_renovate_config_matches_its_schema_and_covers_what_the_service_has(
    project: Path, answers: dict[str, str], validated: validators.Validated
) -> None:
    config_file = project / "renovate.json"
    validated.once(validators.renovate_config, config_file)
    config = json.loads(config_file.read_text())
    ci_manager = RENOVATE_CI_MANAGERS.get(answers["ci"])
    expected = {"pep621", "dockerfile", "docker-compose", "custom.regex"} | (
        {ci_manager} if ci_manager else set()
    )
    assert set(config["enabledManagers"]) == expected
    assert ("helpers:pinGitHubActionDigests" in config["extends"]) == (answers["ci"] == "github")
    assert config["lockFileMaintenance"]["enabled"] is True
    grouped = {rule["groupName"]: rule for rule in config["packageRules"] if "groupName" in rule}
    assert set(grouped["images and CI"]["matchManagers"]) == expected - {"pep621"}
    assert config["ignoreDeps"] == [project.name]  # its own image, built here
    assert_custom_managers_find_a_version(project, config["customManagers"])


def assert_custom_managers_find_a_version(project: Path, managers: list[dict[str, Any]]) -> None:
    """Each regex manager's every pattern finds a version in a file it reads."""
    for manager in managers:
        patterns = [re.compile(p.strip("/")) for p in manager["managerFilePatterns"]]
        # The files uv's version is pinned in sit at the top of the project.
        files = [f for f in project.iterdir() if any(p.search(f.name) for p in patterns)]
        assert files, manager["managerFilePatterns"]
        for match_string in manager["matchStrings"]:
            # JavaScript's named groups, in Python's spelling.
            pattern = re.compile(match_string.replace("(?<", "(?P<"))
            found = [m["currentValue"] for f in files for m in pattern.finditer(f.read_text())]
            assert found, f"{match_string} finds no version in {[f.name for f in files]}"


# The test job's service container and the variable the rendered tests read, per database.
CI_TEST_SERVICES = {
    "postgres": ("postgres:17-bookworm", "TEST_DATABASE_URL"),
    "mongo": ("mongo:8", "TEST_MONGODB_URL"),
}


def test_ci_test_job_gets_the_database_broker_and_cache_servers(
    project: Path, answers: dict[str, str]
) -> None:
    if answers["ci"] == "none":
        return
    expected = CI_TEST_SERVICES.get(answers["database"])
    if answers["ci"] == "github":
        job = load_yaml(project / ".github" / "workflows" / "ci.yml")["jobs"]["test"]
        images = [service["image"] for service in job.get("services", {}).values()]
        env = job.get("env", {})
    else:
        job = load_yaml(project / ".gitlab-ci.yml")["test"]
        images = [service["name"] for service in job.get("services", [])]
        env = job.get("variables", {})
    broker_image = CI_BROKER_IMAGES[answers["ci"]].get(answers["broker"])
    database_image = expected and expected[0]
    # With a broker, the outbox's MongoDB transactions need a replica set; GitHub service
    # containers take no command line, so a step starts that one.
    replica_set = answers["database"] == "mongo" and answers["broker"] != "none"
    if answers["ci"] == "github" and replica_set:
        database_image = None
        steps = " ".join(step.get("run", "") for step in job["steps"])
        assert "mongo:8 --replSet rs0" in steps and "rs.initiate" in steps
    if answers["ci"] == "gitlab" and replica_set:
        assert job["services"][0]["command"] == ["--replSet", "rs0", "--bind_ip_all"]
        assert "replSetInitiate" in " ".join(job["script"])
    cache_image = "redis:8-alpine" if answers["cache"] == "redis" else None
    expected_images = [image for image in (database_image, broker_image, cache_image) if image]
    assert images == expected_images
    expected_variables = {expected[1]} if expected else set()
    if answers["broker"] != "none":
        expected_variables.add("TEST_BROKER_URL")
    if answers["cache"] == "redis":
        expected_variables.add("TEST_REDIS_URL")
    variables = {"TEST_DATABASE_URL", "TEST_MONGODB_URL", "TEST_BROKER_URL", "TEST_REDIS_URL"}
    assert variables & set(env) == expected_variables
    if answers["ci"] == "github" and answers["broker"] == "nats":
        steps = " ".join(step.get("run", "") for step in job["steps"])
        assert "nats:2-alpine -js" in steps


# The broker's image in the CI test job. GitHub service containers take no command
# line, so NATS (which needs -js) is started by a step there instead.
CI_BROKER_IMAGES = {
    "github": {
        "rabbitmq": "rabbitmq:4-alpine",
        "kafka": "apache/kafka:4.1.0",
        "redis": "redis:8-alpine",
    },
    "gitlab": {
        "rabbitmq": "rabbitmq:4-alpine",
        "kafka": "apache/kafka:4.1.0",
        "redis": "redis:8-alpine",
        "nats": "nats:2-alpine",
    },
}


LICENSE_MARKERS = {
    "MIT": ("MIT License", "Copyright (c) {year} Platform Team"),
    "Apache-2.0": ("Apache License", "Copyright {year} Platform Team"),
    "Proprietary": ("Copyright (c) {year} Platform Team. All rights reserved.",),
}
SPDX = {"MIT": "MIT", "Apache-2.0": "Apache-2.0", "Proprietary": "LicenseRef-Proprietary"}


def test_license_file_and_metadata_match_the_choice(project: Path, answers: dict[str, str]) -> None:
    text = (project / "LICENSE").read_text()
    year = datetime.now(UTC).year
    for marker in LICENSE_MARKERS[answers["license"]]:
        assert marker.format(year=year) in text
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert meta["license"] == SPDX[answers["license"]]
    assert meta["license-files"] == ["LICENSE"]


def test_validated_runs_each_check_once_per_content_and_replays_failures(tmp_path: Path) -> None:
    calls: list[str] = []

    def must_say_ok(path: Path) -> None:
        calls.append(path.name)
        assert path.read_text() == "ok", "not ok"

    first, same, bad = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    first.write_text("ok")
    same.write_text("ok")
    bad.write_text("bad")
    validated = validators.Validated()

    validated.once(must_say_ok, first)
    validated.once(must_say_ok, same)
    for _ in range(2):
        with pytest.raises(AssertionError, match="not ok"):
            validated.once(must_say_ok, bad)
    assert calls == ["a", "c"]


def test_validated_keys_a_folder_without_the_files_its_check_ignores(tmp_path: Path) -> None:
    calls: list[str] = []
    first, second, third = (tmp_path / name for name in ("a", "b", "c"))
    for folder, example, manifest in ((first, "1", "x"), (second, "2", "x"), (third, "1", "y")):
        (folder / "base").mkdir(parents=True)
        (folder / "base" / "secret.example.yaml").write_text(example)
        (folder / "base" / "deployment.yaml").write_text(manifest)
    validated = validators.Validated()

    for folder in (first, second, third):
        validated.once(lambda path: calls.append(path.name), folder, validators.NOT_KUSTOMIZED)

    assert calls == ["a", "c"]
