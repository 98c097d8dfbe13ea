"""The Heroku variants, run as Heroku runs them: the Procfile's release command against a
fresh database on a real server (PostgreSQL, or MariaDB for MySQL), then its web command
(gunicorn with the production settings) answering as Heroku's router would reach it."""

import re

import pytest

from .support.platforms import release_twice
from .support.processes import clean_env, exits_without_serving, procfile, serving
from .support.rendering import deployed_copy, render
from .support.services import DATABASES, free_port

SECRET_KEY = "s" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
FROM_ROUTER = {"X_Forwarded_Proto": "https", "X_Forwarded_For": "203.0.113.9"}


@pytest.fixture(scope="module", params=list(DATABASES))
def slug(request, tmp_path_factory):
    """The project, for one database, as Heroku receives it from `git push`."""
    root = tmp_path_factory.mktemp(request.param)
    project = render(root / "project", database=request.param)
    return request.param, deployed_copy(project, root / "slug")


@pytest.fixture
def heroku(slug, venv):
    """(slug, config vars as Heroku sets them, the database). The local PostgreSQL has no
    TLS, so its URL says sslmode=disable (Heroku's default is require)."""
    kind, path = slug
    with DATABASES[kind]() as database:
        url = database.url + ("?sslmode=disable" if kind == "postgresql" else "")
        env = clean_env(
            venv,
            FLASK_CONFIG="heroku",
            SECRET_KEY=SECRET_KEY,
            DATABASE_URL=url,
            PORT=str(free_port()),
            WEB_CONCURRENCY="2",
        )
        yield path, env, database


def test_release_then_web_serves_with_the_security_headers(heroku):
    slug, env, database = heroku
    commands = procfile(slug)

    release_twice(commands["release"], slug, env, database, auth=True)

    with serving(commands["web"], slug, env, int(env["PORT"])) as server:
        health = server.get("/health", **FROM_ROUTER)
        assert health.status == 200
        assert health.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "default-src 'none'" in health.headers["Content-Security-Policy"]
        assert health.headers["X-Content-Type-Options"] == "nosniff"
        assert health.headers["X-Frame-Options"] == "DENY"

        ready = server.get("/health/ready", **FROM_ROUTER)
        assert (ready.status, ready.body) == (200, b'{"database":"ok","status":"ok"}\n')

        home = server.get("/", **FROM_ROUTER)
        assert home.status == 200
        cookie = home.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=")
        assert all(flag in cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax"))

        plain = server.get("/auth/login", X_Forwarded_Proto="http")
        assert plain.status == 301
        assert re.match(r"https://[^/]+/auth/login$", plain.headers["Location"])

        assert server.get("/no/such/page", **FROM_ROUTER).status == 404
        log = server.output()
        assert "Traceback" not in log
        assert "request_id=" in log


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("SECRET_KEY", None, "SEC001"),
        ("SECRET_KEY", "short", "SEC002"),
        ("DATABASE_URL", None, "SEC003"),
        ("FLASK_DEBUG", "1", "SEC004"),
    ],
)
def test_web_refuses_to_start_with_unsafe_settings(heroku, variable, value, rule):
    slug, env, _ = heroku
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    code, output = exits_without_serving(procfile(slug)["web"], slug, env)
    assert code != 0
    assert rule in output
    assert variable in output
