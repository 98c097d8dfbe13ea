"""Error tracking with Sentry, on when SENTRY_DSN is set.

No cookies, credentials (Authorization, passwords, tokens) or client addresses are sent
(tests/test_monitoring.py checks it). The SDK leaves those out of the request it reports,
but the WSGI environ also sits among the local variables of Flask's frames, so the scrubber
below goes through nested values too and knows the environ's key names. Form fields, query
strings and other local variables are sent: do not put personal data in them carelessly.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

from .config import DEFAULT_CONFIG, env_number

ENVIRON_SECRETS = ["http_cookie", "http_authorization"]
ENVIRON_ADDRESSES = ["http_x_forwarded_for", "http_x_real_ip", "http_forwarded"]


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """Sentry's settings: the environment defaults to the settings' name, the release to the
    one the platform names (RELEASE_VARIABLE in config.py)."""
    platform_release = environ.get(config["RELEASE_VARIABLE"] or "SENTRY_RELEASE")
    config.setdefault("SENTRY_DSN", environ.get("SENTRY_DSN", ""))
    config.setdefault(
        "SENTRY_ENVIRONMENT",
        environ.get("SENTRY_ENVIRONMENT") or environ.get("FLASK_CONFIG") or DEFAULT_CONFIG,
    )
    config.setdefault("SENTRY_RELEASE", environ.get("SENTRY_RELEASE") or platform_release)
    config.setdefault(
        "SENTRY_TRACES_SAMPLE_RATE", env_number(environ, "SENTRY_TRACES_SAMPLE_RATE", 0.0, float)
    )


def init_app(app: Flask) -> None:
    config = app.config
    if not config["SENTRY_DSN"]:
        return
    sentry_sdk.init(
        dsn=config["SENTRY_DSN"],
        integrations=[FlaskIntegration()],
        event_scrubber=EventScrubber(
            denylist=DEFAULT_DENYLIST + ENVIRON_SECRETS,
            pii_denylist=DEFAULT_PII_DENYLIST + ENVIRON_ADDRESSES,
            recursive=True,
        ),
        environment=config["SENTRY_ENVIRONMENT"],
        release=config["SENTRY_RELEASE"],
        traces_sample_rate=config["SENTRY_TRACES_SAMPLE_RATE"],
    )
