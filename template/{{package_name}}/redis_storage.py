"""Redis holds the rate-limit counters, shared by every process and instance (without it,
each process counts on its own). Production refuses to start without REDIS_URL (SEC021).

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

from .config import with_default_query

# A Redis that hangs must not hang requests: give up quickly, then count in memory meanwhile.
STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """REDIS_URL, and the rate limits counted there unless RATELIMIT_STORAGE_URI names another
    storage. The tests count in memory, or in the Redis that TEST_REDIS_URL names."""
    config.setdefault("REDIS_URL", redis_url(environ.get("REDIS_URL", ""), config))
    if config["TESTING"]:
        storage = environ.get("TEST_REDIS_URL") or "memory://"
    else:
        storage = environ.get("RATELIMIT_STORAGE_URI") or config["REDIS_URL"] or "memory://"
    config["RATELIMIT_STORAGE_URI"] = storage
    if storage.startswith(("redis:", "rediss:")):
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(STORAGE_OPTIONS))


def redis_url(raw: str, config: Mapping[str, Any]) -> str:
    """raw, accepting a self-signed certificate over TLS where the platform's Redis has one
    (SELF_SIGNED_REDIS); ssl_cert_reqs in the URL wins."""
    if not (raw.startswith("rediss:") and config.get("SELF_SIGNED_REDIS")):
        return raw
    url = with_default_query(make_url(raw), ssl_cert_reqs="none")
    return url.render_as_string(hide_password=False)


def init_app(app: Flask) -> None:
    """Nothing to bind: Flask-Limiter reads RATELIMIT_STORAGE_URI itself."""
