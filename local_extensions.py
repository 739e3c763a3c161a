"""Jinja extensions the template loads (`_extensions` in cookiecutter.json).

Cookiecutter imports this module from the template folder it put on sys.path,
so the folder is known here even when the template was given as a relative
path: the post-gen hook, which runs inside the rendered project, records it in
.cruft.json so `cruft update` finds the template again.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension

# Resolved at import, while the relative sys.path entry still means what it meant.
TEMPLATE_DIR = Path(__file__).resolve().parent


class TemplateDirExtension(Extension):
    """`{{ template_dir }}`: the absolute path of the template being rendered."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["template_dir"] = str(TEMPLATE_DIR)
