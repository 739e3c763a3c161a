"""Find a Python interpreter of a given version without downloading one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def find_python(version: str) -> str | None:
    candidates: list[Path] = []
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(Path(pyenv_root, "versions").glob(f"{version}.*/bin/python{version}"))
    candidates += [Path(f"/usr/local/bin/python{version}"), Path(f"/usr/bin/python{version}")]
    which = shutil.which(f"python{version}")
    if which:
        candidates.append(Path(which))
    for candidate in candidates:
        if candidate.exists() and _reports_version(candidate, version):
            return str(candidate)
    return None


def _reports_version(python: Path, version: str) -> bool:
    # pyenv shims exist for every version but fail for those not activated.
    result = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    return result.returncode == 0 and result.stdout.strip() == version
