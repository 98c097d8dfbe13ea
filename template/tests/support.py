"""Helpers for the tests: requests as a browser on HTTPS sends them, exact counts of
rate-limited ones, and the project run in a process of its own."""

import os
import re
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path
from types import ModuleType

HTTPS = "https://localhost"
# The tests' module of each feature this project has (tests/features/, one module a feature).
FEATURES = Path(__file__).parent / "features"
FEATURE_TESTS = sorted(f"tests.features.{path.stem}" for path in FEATURES.glob("[!_]*.py"))


def finding_ids(app) -> set[str]:
    """The IDs of the rules `flask check-deploy` finds broken in app, in this environment."""
    checks = import_module(f"{app.import_name}.checks")
    return {rule.id for rule in checks.deployment_findings(app, os.environ)}


def get(client, path, **kwargs):
    return client.get(path, base_url=HTTPS, **kwargs)


def post(client, path, **kwargs):
    return client.post(path, base_url=HTTPS, **kwargs)


def csrf_token_from(page: bytes) -> str:
    """The CSRF token of a page with a form: in its <meta name="csrf-token"> or its form."""
    meta = re.search(rb'name="csrf-token" content="([^"]+)"', page)
    field = re.search(rb'name="csrf_token"[^>]* value="([^"]+)"', page)
    assert meta or field, "the page has no CSRF token"
    return (meta or field).group(1).decode()


def csrf_token_of(client) -> str:
    """The session's CSRF token as static/js/csrf.js asks for it on a page without a form."""
    return get(client, "/csrf-token").get_json()["csrf_token"]


def set_cookie_header(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.getlist('Set-Cookie')}")


def clear_of_a_window_edge(window: int = 60, margin: float = 2.0) -> None:
    """Wait, if need be, until the current rate-limit window has margin seconds left.

    The sliding-window limits weigh the previous window's hits by the share of it still in
    view, rounding down: a count that straddles a window's edge lets one request more through.
    """
    left = window - time.time() % window
    if left < margin:
        time.sleep(left + 0.1)


def with_failing_route(app):
    """app with a page that fails with an error only operators may see."""

    @app.get("/boom")
    def boom():
        raise RuntimeError("the detail only operators see")

    return app


def feature_tests() -> list[ModuleType]:
    return [import_module(name) for name in FEATURE_TESTS]


def run_in_development(project: Path, database: Path, *args: str) -> subprocess.CompletedProcess:
    """This interpreter run with args in project, a process of its own, with development's
    settings on the SQLite file database; it must succeed."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE"))}
    environ.update(
        FLASK_CONFIG="development",
        DATABASE_URL=f"sqlite:///{database}",
        RATELIMIT_STORAGE_URI="memory://",
        PYTHONPATH=str(project),
    )
    command = [sys.executable, *args]
    result = subprocess.run(command, cwd=project, env=environ, capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result
