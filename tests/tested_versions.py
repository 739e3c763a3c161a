"""The dependency versions the template's CI tests: refresh them and tell when they are stale.

`python -m tests.tested_versions` (`make refresh-versions`) resolves the union of
every dependency set the template can render -- every requirement line of the
service pyproject, in all its branches, plus its dev group -- with `uv lock
--upgrade` on a synthetic project whose requires-python is the oldest supported
Python, and records the result in the service template's tested-versions.json:
the pinned versions, the dependency graph the post-gen hook walks to pin only
what a rendering can install, and a digest of the inputs. A tier-1 test compares
that digest with the current inputs (decision 0023).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from tests.template import CONTEXT, PROJECT_TEMPLATE

SERVICE_PYPROJECT = PROJECT_TEMPLATE / "pyproject.toml"
TESTED_VERSIONS = PROJECT_TEMPLATE / "tested-versions.json"
REFRESH_COMMAND = "make refresh-versions"
# Arrays of the service pyproject that hold requirements: [project] and its dev group.
_ARRAY_START = re.compile(r"^(dependencies|dev) = \[$")
_REQUIREMENT_LINE = re.compile(r'^\s+"([^"]+)",?$')


def declared_requirements(pyproject_text: str) -> dict[str, list[str]]:
    """Every requirement line of the (unrendered) service pyproject, by array, every branch."""
    arrays: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in pyproject_text.splitlines():
        start = _ARRAY_START.match(line)
        if start:
            current = arrays.setdefault(start[1], [])
        elif line == "]":
            current = None
        elif current is not None and (requirement := _REQUIREMENT_LINE.match(line)):
            current.append(requirement[1])
    return arrays


def supported_pythons() -> list[str]:
    return sorted(CONTEXT["python_version"], key=lambda v: tuple(int(p) for p in v.split(".")))


def inputs_digest(requirements: dict[str, list[str]], pythons: list[str]) -> str:
    canonical = json.dumps(
        {"requirements": {k: sorted(v) for k, v in requirements.items()}, "pythons": pythons},
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_digest() -> str:
    return inputs_digest(declared_requirements(SERVICE_PYPROJECT.read_text()), supported_pythons())


def synthetic_pyproject(requirements: dict[str, list[str]], oldest_python: str) -> str:
    def array(items: list[str]) -> str:
        return "[\n" + "".join(f"    {json.dumps(item)},\n" for item in sorted(items)) + "]"

    return (
        '[project]\nname = "tested-versions"\nversion = "0"\n'
        f'requires-python = ">={oldest_python}"\n'
        f"dependencies = {array(requirements['dependencies'])}\n\n"
        f"[dependency-groups]\ndev = {array(requirements['dev'])}\n\n"
        "[tool.uv]\npackage = false\n"
    )


def _edge(dependency: dict[str, Any]) -> str:
    extras = dependency.get("extra", [])
    return dependency["name"] + (f"[{','.join(sorted(extras))}]" if extras else "")


def _fork_marker(package: dict[str, Any]) -> str:
    """The Python versions one of several locked versions of a package is for ("" if one)."""
    markers = package.get("resolution-markers", [])
    if len(markers) == 1:
        return str(markers[0])
    return " or ".join(f"({marker})" for marker in markers)


def tested_versions(lock: dict[str, Any], root: str) -> dict[str, Any]:
    """Versions (with the fork marker when uv locked several) and the graph, from a uv.lock."""
    versions: dict[str, dict[str, str]] = {}
    graph: dict[str, dict[str, set[str]]] = {}
    for package in lock["package"]:
        name = package["name"]
        if name == root:
            continue
        versions.setdefault(name, {})[package["version"]] = _fork_marker(package)
        edges = graph.setdefault(name, {"": set()})
        edges[""].update(_edge(d) for d in package.get("dependencies", []))
        for extra, dependencies in package.get("optional-dependencies", {}).items():
            edges.setdefault(extra, set()).update(_edge(d) for d in dependencies)
    for pinned in versions.values():
        if len(pinned) == 1:
            pinned[next(iter(pinned))] = ""
    return {
        "versions": dict(sorted(versions.items())),
        "graph": {
            name: {extra: sorted(edges) for extra, edges in sorted(extras.items()) if edges}
            for name, extras in sorted(graph.items())
        },
    }


def resolve(requirements: dict[str, list[str]], oldest_python: str) -> dict[str, Any]:
    uv = shutil.which("uv") or "uv"
    with tempfile.TemporaryDirectory(prefix="tested-versions-") as directory:
        project = Path(directory)
        (project / "pyproject.toml").write_text(synthetic_pyproject(requirements, oldest_python))
        subprocess.run([uv, "lock", "--upgrade", "--quiet"], cwd=project, check=True)
        with (project / "uv.lock").open("rb") as lock_file:
            return tested_versions(tomllib.load(lock_file), "tested-versions")


def refresh() -> Path:
    requirements = declared_requirements(SERVICE_PYPROJECT.read_text())
    pythons = supported_pythons()
    record = {
        "_doc": f"Written by `{REFRESH_COMMAND}` in the template (tests/tested_versions.py); "
        "the post-gen hook pins these versions and deletes this file (decision 0023).",
        "digest": inputs_digest(requirements, pythons),
        "requires_python": f">={pythons[0]}",
        **resolve(requirements, pythons[0]),
    }
    TESTED_VERSIONS.write_text(one_entry_a_line(record))
    return TESTED_VERSIONS


def one_entry_a_line(record: dict[str, Any]) -> str:
    """JSON with one package a line, so a refresh reads as a short diff."""
    lines = []
    for key, value in record.items():
        if isinstance(value, dict):
            entries = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines.append(f"{json.dumps(key)}: {{\n" + ",\n".join(entries) + "\n }")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)}")
    return "{\n " + ",\n ".join(lines) + "\n}\n"


def main() -> int:
    start = time.monotonic()
    path = refresh()
    count = len(json.loads(path.read_text())["versions"])
    print(f"{path.name}: {count} packages in {time.monotonic() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
