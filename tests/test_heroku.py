"""The Heroku variant, run as Heroku runs it: the Procfile's release command against a
fresh real PostgreSQL database, then its web command (gunicorn with the production
settings) answering over HTTP as Heroku's router would reach it."""

import re

import pytest

from .support.processes import clean_env, exits_without_serving, run, serving
from .support.rendering import deployed_copy
from .support.services import POSTGRES, free_port, postgres_database

SECRET_KEY = "s" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
FROM_ROUTER = {"X_Forwarded_Proto": "https", "X_Forwarded_For": "203.0.113.9"}


@pytest.fixture(scope="module")
def slug(default_project, tmp_path_factory):
    """The default project as Heroku receives it from `git push`."""
    return deployed_copy(default_project, tmp_path_factory.mktemp("slug") / "app")


def procfile(project) -> dict[str, str]:
    lines = (project / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


@pytest.fixture
def heroku_env(venv):
    """Config vars as Heroku sets them, with the add-on's postgres:// URL. The local server
    has no TLS, so the URL says sslmode=disable (Heroku's default is require)."""
    with postgres_database() as name:
        host, port = POSTGRES
        yield (
            clean_env(
                venv,
                FLASK_CONFIG="heroku",
                SECRET_KEY=SECRET_KEY,
                DATABASE_URL=f"postgres://postgres@{host}:{port}/{name}?sslmode=disable",
                PORT=str(free_port()),
                WEB_CONCURRENCY="2",
            ),
            name,
        )


def tables_and_roles(database: str):
    import psycopg

    host, port = POSTGRES
    with psycopg.connect(f"postgresql://postgres@{host}:{port}/{database}") as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
        roles = sorted(row[0] for row in connection.execute("SELECT name FROM roles"))
    return tables, roles


def test_release_then_web_serves_with_the_security_headers(slug, heroku_env):
    env, database = heroku_env
    commands = procfile(slug)

    for attempt in ("first release", "second release"):
        result = run(commands["release"], slug, env)
        assert result.returncode == 0, f"{attempt}:\n{result.stdout}{result.stderr}"
        tables, roles = tables_and_roles(database)
        assert {"users", "roles", "alembic_version"} <= tables, attempt
        assert roles == ["admin", "user"], attempt

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
def test_web_refuses_to_start_with_unsafe_settings(slug, heroku_env, variable, value, rule):
    env, _ = heroku_env
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    code, output = exits_without_serving(procfile(slug)["web"], slug, env)
    assert code != 0
    assert rule in output
    assert variable in output
