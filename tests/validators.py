"""The expensive validators of tier 1, each run once per distinct rendered content.

Most options do not change a given file: 162 combinations render only a handful
of distinct Dockerfiles, compose files, manifests and workflows. `Validated`
remembers each (check, content hash) it has seen during the session and replays
the outcome, so every combination is still checked but each content only once.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from kubernetes_validate.utils import all_versions

BIN = Path(sys.executable).parent


def content_hash(path: Path, ignoring: frozenset[str] = frozenset()) -> str:
    """Hash of a file, or of every file under a folder with its relative path.

    `ignoring` names files under the folder (relative paths) the check never reads.
    """
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir() and file.relative_to(path).as_posix() in ignoring:
            continue
        digest.update(file.relative_to(path).as_posix().encode() if path.is_dir() else b"")
        digest.update(b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


class Validated:
    """Session memory of validator outcomes, keyed by check name and content hash."""

    def __init__(self) -> None:
        self._outcomes: dict[tuple[str, str], str | None] = {}
        self.runs: dict[str, int] = {}

    def once(
        self, check: Callable[[Path], None], path: Path, ignoring: frozenset[str] = frozenset()
    ) -> None:
        key = (check.__name__, content_hash(path, ignoring))
        if key not in self._outcomes:
            self.runs[check.__name__] = self.runs.get(check.__name__, 0) + 1
            try:
                check(path)
                self._outcomes[key] = None
            except AssertionError as error:
                self._outcomes[key] = str(error)
        failure = self._outcomes[key]
        assert failure is None, failure


def run_tool(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout}{result.stderr}"
    return result.stdout


def hadolint(dockerfile: Path) -> None:
    run_tool(BIN / "hadolint", "--failure-threshold", "info", dockerfile)


def compose_spec(compose_file: Path) -> None:
    run_tool(BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", compose_file)


def github_workflow_schema(workflow: Path) -> None:
    run_tool(BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", workflow)


def gitlab_ci_schema(pipeline: Path) -> None:
    run_tool(BIN / "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", pipeline)


def renovate_config(config: Path) -> None:
    run_tool(BIN / "check-jsonschema", "--builtin-schema", "vendor.renovate", config)


def kustomize(overlay: Path) -> str:
    return run_tool(BIN / "kubectl", "kustomize", overlay)


# The example Secret is not in the kustomization: checks of what kustomize renders
# are keyed without it, so its per-answer lines do not multiply their runs.
NOT_KUSTOMIZED = frozenset({"base/secret.example.yaml"})


def kubernetes_manifests(k8s_dir: Path) -> None:
    """Both overlays render with kustomize and pass strict schemas of the oldest and newest
    Kubernetes versions kubernetes-validate bundles."""
    with tempfile.TemporaryDirectory(prefix="kustomized-") as workdir:
        rendered = []
        for overlay in sorted((k8s_dir / "overlays").iterdir()):
            output = Path(workdir, f"{overlay.name}.yaml")
            output.write_text(kustomize(overlay))
            rendered.append(output)
        _validate_strictly(*rendered)


def kubernetes_secret_example(secret: Path) -> None:
    """The example Secret passes the same strict schemas."""
    _validate_strictly(secret)


def _validate_strictly(*manifests: Path) -> None:
    for version in kubernetes_versions():
        run_tool(
            BIN / "kubernetes-validate",
            "--strict",
            "--quiet",
            "--kubernetes-version",
            version,
            *manifests,
        )


def kubernetes_versions() -> tuple[str, str]:
    versions = sorted(all_versions(), key=lambda v: tuple(int(part) for part in v.split(".")))
    return versions[0], versions[-1]


def kubernetes_hardening(k8s_dir: Path) -> None:
    """Each overlay keeps the production guarantees the README promises."""
    for overlay in sorted((k8s_dir / "overlays").iterdir()):
        objects = {
            (doc["kind"], doc["metadata"]["name"]): doc
            for doc in yaml.safe_load_all(kustomize(overlay))
            if doc
        }
        kinds = {kind for kind, _ in objects}
        assert {"Deployment", "Service", "ConfigMap", "ServiceAccount"} <= kinds, kinds
        assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"} <= kinds
        assert "Ingress" in kinds and "Secret" not in kinds, kinds
        for (kind, name), workload in objects.items():
            if kind in {"Deployment", "Job"}:
                _assert_hardened_pod(f"{overlay.name} {kind} {name}", workload)
        deployment = next(doc for (kind, _), doc in objects.items() if kind == "Deployment")
        _assert_rolls_out_gracefully(overlay.name, deployment)
        _assert_allowed_hosts_are_the_ingress_hosts(overlay.name, objects)


def _assert_hardened_pod(where: str, workload: dict[str, Any]) -> None:
    pod = workload["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False, where
    assert pod["securityContext"]["runAsNonRoot"] is True, where
    assert pod["securityContext"]["runAsUser"] == 10001, where
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["readOnlyRootFilesystem"] is True, where
        assert security["capabilities"]["drop"] == ["ALL"], where
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
        assert "memory" in container["resources"]["limits"], where
        assert container["image"].startswith("registry.example.com/"), where


def _assert_allowed_hosts_are_the_ingress_hosts(
    where: str, objects: dict[tuple[str, str], dict[str, Any]]
) -> None:
    # Deployed settings refuse '*': a host the Ingress routes but the pods refuse is a 400.
    by_kind = {kind: doc for (kind, _), doc in objects.items()}
    data = by_kind["ConfigMap"]["data"]
    allowed = next(
        json.loads(value) for name, value in data.items() if name.endswith("_ALLOWED_HOSTS")
    )
    hosts = [rule["host"] for rule in by_kind["Ingress"]["spec"]["rules"]]
    assert allowed == hosts, where


def _assert_rolls_out_gracefully(where: str, deployment: dict[str, Any]) -> None:
    spec = deployment["spec"]
    assert "replicas" not in spec, f"{where}: the HPA owns replicas"
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, where
    container = spec["template"]["spec"]["containers"][0]
    assert container["startupProbe"]["httpGet"]["path"] == "/health", where
    assert container["livenessProbe"]["httpGet"]["path"] == "/health", where
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready", where
    assert "preStop" in container["lifecycle"], where
    assert spec["template"]["spec"]["terminationGracePeriodSeconds"] > 25, where
