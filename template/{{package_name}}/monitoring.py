"""Error tracking with Sentry, on when SENTRY_DSN is set.

No cookies, credentials (Authorization, passwords, tokens) or client addresses are sent
(tests/test_monitoring.py checks it). The SDK leaves those out of the request it reports,
but the WSGI environ also sits among the local variables of Flask's frames, so the scrubber
below goes through nested values too and knows the environ's key names. Form fields, query
strings and other local variables are sent: do not put personal data in them carelessly.
"""

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

ENVIRON_SECRETS = ["http_cookie", "http_authorization"]
ENVIRON_ADDRESSES = ["http_x_forwarded_for", "http_x_real_ip", "http_forwarded"]


def init_sentry(app: Flask) -> None:
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
