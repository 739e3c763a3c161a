"""Validate the answers before anything is rendered.

Bad answers stop rendering with exit status 1 and one line for each, naming the
answer, the value and the rule, all at once (a user fixes them in one go, not one
per run); cookiecutter then removes the project folder.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from collections.abc import Callable
from functools import partial

DNS_1123_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
# PEP 440 public versions cover what pip, uv and image tags accept.
VERSION = re.compile(
    r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?",
)
CHOICES = {
    "python_version": ("3.11", "3.12", "3.13"),
    "database": ("postgres", "mongo", "none"),
    "auth": ("jwt", "api-key", "none"),
    "broker": ("none", "rabbitmq", "kafka", "redis", "nats"),
    "tracing": ("none", "opentelemetry"),
    "cache": ("none", "redis"),
    "kubernetes": ("yes", "no"),
    "ci": ("github", "gitlab", "none"),
    "license": ("MIT", "Apache-2.0", "Proprietary"),
}


class InvalidAnswer(Exception):
    def __init__(self, name: str, value: str, rule: str) -> None:
        super().__init__(f"invalid {name} {value!r}: {rule}")
        self.name = name


# Free text lands in Python string literals; these bounds keep those lines within
# the rendered project's 100-column lint limit.
TEXT_LIMITS = {"project_name": 60, "description": 72, "author_name": 60}


def check_free_text(name: str, value: str) -> None:
    if name != "description" and not value.strip():
        raise InvalidAnswer(name, value, "must not be empty")
    if len(value) > TEXT_LIMITS[name]:
        raise InvalidAnswer(name, value, f"must be at most {TEXT_LIMITS[name]} characters")
    if any(not char.isprintable() for char in value):
        raise InvalidAnswer(name, value, "must be one line of printable text")


def check_service_slug(value: str) -> None:
    if len(value) > 63:
        raise InvalidAnswer("service_slug", value, "must be at most 63 characters (DNS-1123 label)")
    if not DNS_1123_LABEL.fullmatch(value):
        raise InvalidAnswer(
            "service_slug",
            value,
            "must be a DNS-1123 label: lowercase letters, digits and hyphens, "
            "starting with a letter and ending with a letter or digit",
        )
    as_name = value.replace("-", "_")
    if keyword.iskeyword(as_name) or keyword.issoftkeyword(as_name):
        raise InvalidAnswer(
            "service_slug", value, f"{as_name!r} is a Python keyword and cannot name the package"
        )


# Kubernetes object names derived from the slug ("<slug>-migrate") must stay DNS-1123 labels.
KUBERNETES_SLUG_LIMIT = 63 - len("-migrate")


def check_slug_fits_kubernetes(slug: str, kubernetes: str) -> None:
    if kubernetes == "yes" and len(slug) > KUBERNETES_SLUG_LIMIT:
        raise InvalidAnswer(
            "service_slug",
            slug,
            f"must be at most {KUBERNETES_SLUG_LIMIT} characters with kubernetes=yes "
            "(it names objects such as <slug>-migrate)",
        )


def check_author_email(value: str) -> None:
    if not EMAIL.fullmatch(value):
        raise InvalidAnswer("author_email", value, "must be an email address like team@example.com")


def check_version(value: str) -> None:
    if not VERSION.fullmatch(value):
        raise InvalidAnswer("version", value, "must be a PEP 440 version like 0.1.0")


def check_choice(name: str, value: str) -> None:
    allowed = CHOICES[name]
    if value not in allowed:
        raise InvalidAnswer(name, value, f"must be one of {', '.join(allowed)}")


def checks(answers: dict[str, str]) -> list[tuple[str, Callable[[], None]]]:
    """Each rule as (the answer it judges, its check), in prompt order."""
    slug = answers["service_slug"]
    return [
        *((name, partial(check_free_text, name, answers[name])) for name in TEXT_LIMITS),
        ("service_slug", partial(check_service_slug, slug)),
        ("author_email", partial(check_author_email, answers["author_email"])),
        ("version", partial(check_version, answers["version"])),
        *((name, partial(check_choice, name, answers[name])) for name in CHOICES),
        ("service_slug", partial(check_slug_fits_kubernetes, slug, answers["kubernetes"])),
    ]


def validate(answers: dict[str, str]) -> list[InvalidAnswer]:
    """Every answer that breaks a rule, each once (its first broken rule)."""
    errors: list[InvalidAnswer] = []
    for name, check in checks(answers):
        if any(error.name == name for error in errors):
            continue
        try:
            check()
        except InvalidAnswer as error:
            errors.append(error)
    return errors


def rendered_answers() -> dict[str, str]:
    """The answers cookiecutter rendered into this file (only meaningful once rendered)."""
    # Raw triple quotes keep this file valid Python before rendering, so tests can
    # import it, and tojson's escaping keeps any answer from ending the string early.
    answers: dict[str, str] = json.loads(r"""{{ cookiecutter | tojson }}""")
    return answers


def main() -> int:
    errors = validate(rendered_answers())
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
