"""Production rules: each has an ID, a level, the problem, a one-line fix, and a test.

Two doors use one list (docs/DEPLOYMENT.md names each rule's ID on its checklist):
- create_app() refuses to start a production app that breaks a rule of level REFUSE;
- `flask check-deploy` reports every rule at once, probing the built app for the headers
  it really sends, and fails on any REFUSE or ERROR; `flask deploy` runs it first.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import click
from flask import Flask, request
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import TestResponse

from .extensions import limiter

# 256 random bits written in base64 (what Render and `secrets.token_urlsafe(32)` make) take
# 43 characters: more entropy than Django's 50-character minimum asks for, so 43 is the bar.
MIN_SECRET_KEY_LENGTH = 43
MIN_SECRET_KEY_CHARACTERS = 5  # distinct characters, as Django counts them
PLACEHOLDER_WORDS = ("change-me", "changeme", "replace-me", "replaceme", "placeholder", "example")
GENERATE_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
ONE_YEAR = 365 * 24 * 60 * 60
SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
ISOLATING_OPENER_POLICIES = {"same-origin", "same-origin-allow-popups", "noopener-allow-popups"}
TLS_SSLMODES = {"require", "verify-ca", "verify-full"}
LOCAL_DATABASE_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}
# Marks the probe's own requests in the WSGI environ, where no HTTP client can put a key.
PROBE_MARK = "check_deploy.probe"

REFUSE, ERROR, WARNING = "refuse", "error", "warning"


class Deployment:
    """What the rules look at: the settings, the environment and, for check-deploy, the built
    app, whose responses are probed as a browser would get them through the proxy."""

    def __init__(
        self, config: Mapping[str, Any], environ: Mapping[str, str], app: Flask | None = None
    ):
        self.config, self.environ, self.app = config, environ, app

    def _probe(self, scheme: str, path: str) -> TestResponse | None:
        if self.app is None:
            return None
        host = (self.config.get("SITE_HOSTS") or ["localhost"])[0].lstrip(".")
        with self.app.test_client() as client:
            return client.get(path, base_url=f"{scheme}://{host}", environ_base={PROBE_MARK: True})

    @cached_property
    def page(self) -> TestResponse | None:
        """The home page asked for over HTTPS: the headers a browser gets with a page."""
        return self._probe("https", "/")

    @cached_property
    def page_over_http(self) -> TestResponse | None:
        """A page asked for over plain HTTP, which must be sent to HTTPS."""
        return self._probe("http", "/")

    def header(self, name: str) -> str:
        return self.page.headers.get(name, "") if self.page is not None else ""

    def has_proxy_fix(self) -> bool:
        wrapped = self.app.wsgi_app if self.app is not None else None
        while wrapped is not None:
            if isinstance(wrapped, ProxyFix):
                return True
            wrapped = getattr(wrapped, "app", None)
        return False


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    problem: str
    fix: str
    broken: Callable[[Deployment], bool]
    needs_app: bool = False  # probes the built app: only check-deploy can tell

    @property
    def blocks_deploy(self) -> bool:
        """An error (or a refusal) stops a release; a warning is only printed."""
        return self.level in {REFUSE, ERROR}

    def describe(self) -> str:
        return f"{self.id} {self.level}: {self.problem}\n       fix: {self.fix}"

    def one_line(self) -> str:
        return f"{self.id}: {self.problem} Fix: {self.fix}"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _key(d: Deployment) -> str:
    return d.config.get("SECRET_KEY") or ""


def _placeholder(key: str) -> bool:
    return any(word in key.lower() for word in PLACEHOLDER_WORDS)


def _max_age(hsts: str) -> int:
    for directive in hsts.split(";"):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return int(value)
    return 0


@limiter.request_filter
def is_deploy_probe() -> bool:
    """The release step probes a live site: visitors who used up the limit of the address the
    probe comes from must not stop a deploy."""
    return request.environ.get(PROBE_MARK, False)


def _redirects_to_https(response: TestResponse | None) -> bool:
    return (
        response is not None
        and response.status_code in {301, 302, 307, 308}
        and response.headers.get("Location", "").startswith("https://")
    )


def _frames_refused(d: Deployment) -> bool:
    csp = d.header("Content-Security-Policy")
    ancestors = [part.strip() for part in csp.split(";") if "frame-ancestors" in part]
    return d.header("X-Frame-Options").upper() in {"DENY", "SAMEORIGIN"} or any(
        part in {"frame-ancestors 'none'", "frame-ancestors 'self'"} for part in ancestors
    )


def _referrer_policy_safe(d: Deployment) -> bool:
    policies = [p.strip().lower() for p in d.header("Referrer-Policy").split(",") if p.strip()]
    return bool(policies) and policies[-1] in SAFE_REFERRER_POLICIES


def _database_without_tls(d: Deployment) -> bool:
    """A PostgreSQL URL without TLS, where the platform's databases require it. A database on
    this machine (loopback or a Unix socket) is reached without crossing a network."""
    uri = d.config.get("SQLALCHEMY_DATABASE_URI")
    if not d.config.get("DATABASE_REQUIRES_TLS") or not uri:
        return False
    url = make_url(uri)
    if url.get_backend_name() != "postgresql" or url.host in LOCAL_DATABASE_HOSTS:
        return False
    return url.query.get("sslmode") not in TLS_SSLMODES


def _cookie_unsafe(d: Deployment, prefix: str) -> bool:
    if f"{prefix}_SECURE" not in d.config:
        return False
    return not (d.config[f"{prefix}_SECURE"] and d.config[f"{prefix}_HTTPONLY"])


def _mail_unconfigured(d: Deployment) -> bool:
    if "MAIL_SERVER" not in d.config:
        return False  # this app sends no e-mail
    return not d.config["MAIL_SERVER"] or not d.config.get("MAIL_PASSWORD")


RULES = (
    Rule(
        "SEC001",
        REFUSE,
        "SECRET_KEY is not set.",
        f"Set SECRET_KEY to a long random string, e.g. the output of {GENERATE_KEY}",
        lambda d: not _key(d),
    ),
    Rule(
        "SEC002",
        REFUSE,
        f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters.",
        f"Replace SECRET_KEY with a longer random string, e.g. the output of {GENERATE_KEY}",
        lambda d: 0 < len(_key(d)) < MIN_SECRET_KEY_LENGTH,
    ),
    Rule(
        "SEC003",
        REFUSE,
        "DATABASE_URL is not set.",
        "Set DATABASE_URL to the production database's URL, or attach the platform's database.",
        lambda d: not d.config.get("SQLALCHEMY_DATABASE_URI"),
    ),
    Rule(
        "SEC004",
        REFUSE,
        "Debug mode is on (FLASK_DEBUG): it lets anyone who sees an error page run code.",
        "Unset FLASK_DEBUG in production.",
        lambda d: bool(d.config.get("DEBUG")) or _truthy(d.environ.get("FLASK_DEBUG")),
    ),
    Rule(
        "SEC005",
        REFUSE,
        f"SECRET_KEY has fewer than {MIN_SECRET_KEY_CHARACTERS} different characters.",
        f"Replace SECRET_KEY with a random string, e.g. the output of {GENERATE_KEY}",
        lambda d: 0 < len(set(_key(d))) < MIN_SECRET_KEY_CHARACTERS,
    ),
    Rule(
        "SEC006",
        REFUSE,
        "SECRET_KEY is a placeholder from an example file, not a secret.",
        f"Replace SECRET_KEY with a random string, e.g. the output of {GENERATE_KEY}",
        lambda d: _placeholder(_key(d)),
    ),
    Rule(
        "SEC007",
        ERROR,
        "The session cookie is not Secure and HttpOnly.",
        "Keep SESSION_COOKIE_SECURE and SESSION_COOKIE_HTTPONLY True in production.",
        lambda d: _cookie_unsafe(d, "SESSION_COOKIE"),
    ),
    Rule(
        "SEC008",
        ERROR,
        "The remember-me cookie is not Secure and HttpOnly.",
        "Keep REMEMBER_COOKIE_SECURE and REMEMBER_COOKIE_HTTPONLY True in production.",
        lambda d: _cookie_unsafe(d, "REMEMBER_COOKIE"),
    ),
    Rule(
        "SEC009",
        ERROR,
        "Strict-Transport-Security is missing or shorter than a year.",
        "Keep HSTS_MAX_AGE at 31536000 or more and Talisman's strict_transport_security on.",
        lambda d: _max_age(d.header("Strict-Transport-Security")) < ONE_YEAR,
        needs_app=True,
    ),
    Rule(
        "SEC010",
        ERROR,
        "A page asked for over plain HTTP is not redirected to HTTPS.",
        "Keep FORCE_HTTPS True, and trust the proxy that terminates TLS (TRUSTED_PROXY_COUNT).",
        lambda d: not _redirects_to_https(d.page_over_http),
        needs_app=True,
    ),
    Rule(
        "SEC011",
        ERROR,
        "Pages may be framed by other sites (no X-Frame-Options or CSP frame-ancestors).",
        "Keep frame_options='DENY' and frame-ancestors 'none' in security.py.",
        lambda d: not _frames_refused(d),
        needs_app=True,
    ),
    Rule(
        "SEC012",
        ERROR,
        "X-Content-Type-Options: nosniff is missing.",
        "Keep Talisman's content-type options on (security.py).",
        lambda d: d.header("X-Content-Type-Options").lower() != "nosniff",
        needs_app=True,
    ),
    Rule(
        "SEC013",
        ERROR,
        "Referrer-Policy is missing or sends full URLs to other sites.",
        "Keep referrer_policy='strict-origin-when-cross-origin' (or stricter) in security.py.",
        lambda d: not _referrer_policy_safe(d),
        needs_app=True,
    ),
    Rule(
        "SEC014",
        ERROR,
        "Cross-Origin-Opener-Policy is missing or does not isolate the window.",
        "Keep Cross-Origin-Opener-Policy: same-origin in security.py.",
        lambda d: d.header("Cross-Origin-Opener-Policy").lower() not in ISOLATING_OPENER_POLICIES,
        needs_app=True,
    ),
    Rule(
        "SEC015",
        REFUSE,
        "SITE_URL is not the site's https:// address: links in e-mail need it, and only its "
        "host is answered.",
        "Set SITE_URL to the site's address, e.g. https://example.com (docs/DEPLOYMENT.md).",
        lambda d: not (d.config.get("SITE_URL") or "").startswith("https://"),
    ),
    Rule(
        "SEC016",
        WARNING,
        "Rate limits are kept in memory by each of several workers: each counts on its own.",
        "Set REDIS_URL (or RATELIMIT_STORAGE_URI) to a shared storage, or WEB_CONCURRENCY=1.",
        lambda d: (
            d.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory:")
            and d.config.get("WEB_CONCURRENCY", 1) > 1
        ),
    ),
    Rule(
        "SEC017",
        ERROR,
        "The platform's proxy is not trusted (no ProxyFix): client addresses and HTTPS are wrong.",
        "Keep TRUSTED_PROXY_COUNT at the number of proxies in front (1 on this platform).",
        lambda d: d.config.get("BEHIND_PROXY", False) and not d.has_proxy_fix(),
        needs_app=True,
    ),
    Rule(
        "SEC018",
        ERROR,
        "The database is reached without TLS, where this platform requires it.",
        "Remove sslmode=disable/allow/prefer from DATABASE_URL (the default is require).",
        _database_without_tls,
    ),
    Rule(
        "SEC019",
        ERROR,
        "MAX_CONTENT_LENGTH is unset: a request body of any size is read.",
        "Unset MAX_CONTENT_LENGTH to keep the default of 1 MiB, or set a limit in bytes.",
        lambda d: not d.config.get("MAX_CONTENT_LENGTH"),
    ),
    Rule(
        "SEC020",
        WARNING,
        "E-mail is not configured (MAIL_SERVER, MAIL_PASSWORD): no e-mail is sent.",
        "Set the MAIL_ variables as docs/DEPLOYMENT.md says for your mail provider.",
        _mail_unconfigured,
    ),
    Rule(
        "SEC021",
        REFUSE,
        "REDIS_URL is not set: each process would count the rate limits on its own.",
        "Set REDIS_URL to the Redis that holds the rate-limit counters (docs/DEPLOYMENT.md).",
        lambda d: "REDIS_URL" in d.config and not d.config["REDIS_URL"],
    ),
)


class UnsafeConfigurationError(click.ClickException):
    """Raised by create_app() when production settings break a rule of level REFUSE (or a
    variable cannot be read). A ClickException, so that the `flask` command prints its message
    alone and exits 1; gunicorn.conf.py does the same for gunicorn."""


def broken_rules(deployment: Deployment, rules: Iterable[Rule] = RULES) -> list[Rule]:
    return [rule for rule in rules if rule.broken(deployment)]


def refuse_unsafe_configuration(config: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    refusing = [rule for rule in RULES if rule.level == REFUSE]
    broken = broken_rules(Deployment(config, environ), refusing)
    if broken:
        lines = (f"Refusing to start: {rule.one_line()}" for rule in broken)
        raise UnsafeConfigurationError("\n".join(lines))


def add_rule(app: Flask, rule: Rule) -> None:
    """A feature's own rule, which only `flask check-deploy` reports (its level may not be
    REFUSE: create_app() reads RULES alone)."""
    app.extensions.setdefault("deploy_rules", []).append(rule)


def deployment_findings(app: Flask, environ: Mapping[str, str]) -> list[Rule]:
    """Every rule the built app breaks, in ID order (what `flask check-deploy` prints)."""
    rules = sorted([*RULES, *app.extensions.get("deploy_rules", [])], key=lambda rule: rule.id)
    return broken_rules(Deployment(app.config, environ, app), rules)


def blocks_deploy(findings: Iterable[Rule]) -> bool:
    return any(rule.blocks_deploy for rule in findings)
