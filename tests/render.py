"""Rendering the template in-process, the way a user's cookiecutter run does."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cookiecutter.main import cookiecutter

from tests.template import TEMPLATE_DIR


def render(output_dir: Path, answers: Mapping[str, str]) -> Path:
    return Path(
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            extra_context=dict(answers),
            output_dir=str(output_dir),
        )
    )
