"""Production rules: each has an ID, a test of the configuration, and a one-line fix.

create_app() refuses to start a production app that breaks any of them, printing every
broken rule at once, so that a deploy fails loudly instead of running unsafely.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# 256 random bits written in base64 (what Render generates) take 43 characters.
MIN_SECRET_KEY_LENGTH = 43
GENERATE_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


@dataclass(frozen=True)
class Rule:
    id: str
    problem: str
    fix: str
    broken: Callable[[Mapping[str, Any], Mapping[str, str]], bool]

    def describe(self) -> str:
        return f"{self.id} {self.problem}\n       fix: {self.fix}"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


RULES = (
    Rule(
        "SEC001",
        "SECRET_KEY is not set.",
        f"Set SECRET_KEY to a long random string, e.g. the output of {GENERATE_KEY}",
        lambda config, environ: not config.get("SECRET_KEY"),
    ),
    Rule(
        "SEC002",
        f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters.",
        f"Replace SECRET_KEY with a longer random string, e.g. the output of {GENERATE_KEY}",
        lambda config, environ: 0 < len(config.get("SECRET_KEY") or "") < MIN_SECRET_KEY_LENGTH,
    ),
    Rule(
        "SEC003",
        "DATABASE_URL is not set.",
        "Set DATABASE_URL to the production database's URL, or attach the platform's database.",
        lambda config, environ: not config.get("SQLALCHEMY_DATABASE_URI"),
    ),
    Rule(
        "SEC004",
        "Debug mode is on (FLASK_DEBUG): it lets anyone who sees an error page run code.",
        "Unset FLASK_DEBUG in production.",
        lambda config, environ: bool(config.get("DEBUG")) or _truthy(environ.get("FLASK_DEBUG")),
    ),
)


class UnsafeConfigurationError(RuntimeError):
    """Raised by create_app() when production settings break a rule."""


def broken_rules(config: Mapping[str, Any], environ: Mapping[str, str]) -> list[Rule]:
    return [rule for rule in RULES if rule.broken(config, environ)]


def refuse_unsafe_configuration(config: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    broken = broken_rules(config, environ)
    if broken:
        details = "\n".join(rule.describe() for rule in broken)
        raise UnsafeConfigurationError(f"Refusing to start with unsafe settings:\n{details}")
