"""Faults, against the real servers: the default project under gunicorn with production
settings reaches PostgreSQL and Redis through relays that a test cuts and restores.

- Database away: /health/ready says 503, a page that needs the database answers with a 503
  page to retry (no stack trace), and when the database is back the app recovers with no
  restart.
- Redis away: the limits fail over to memory (fail-open to per-process counting, not to no
  limits at all): the sign-in limit still holds, /health/ready stays 200 and says
  "degraded", the log says so, and when Redis is back the shared storage is used again."""

import json
import time

import pytest

from .support.accounts import sign_in_attempt
from .support.faults import Relay
from .support.platforms import client_address
from .support.processes import clean_env, procfile, run, serving
from .support.rate_limits import clear_of_a_window_edge
from .support.rendering import deployed_copy
from .support.services import POSTGRES, REDIS, free_port, postgres_database, require

SECRET_KEY = "f" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


@pytest.fixture
def running(default_project, venv, tmp_path):
    """(server, database relay, Redis relay), one worker, so that in-memory counts are one."""
    require("Redis", REDIS)
    slug = deployed_copy(default_project, tmp_path / "slug")
    with postgres_database() as database, Relay(POSTGRES) as db_relay, Relay(REDIS) as redis_relay:
        name = database.url.rsplit("/", 1)[1]
        port = free_port()
        env = clean_env(
            venv,
            FLASK_CONFIG="heroku",
            SECRET_KEY=SECRET_KEY,
            SITE_URL="https://localhost",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{db_relay.port}/{name}?sslmode=disable",
            REDIS_URL=f"redis://127.0.0.1:{redis_relay.port}/0",
            WEB_CONCURRENCY="1",
            PORT=str(port),
        )
        assert run(procfile(slug)["release"], slug, env).returncode == 0
        with serving(procfile(slug)["web"], slug, env, port) as server:
            yield server, db_relay, redis_relay


def readiness(server) -> tuple[int, dict]:
    response = server.get("/health/ready")
    return response.status, json.loads(response.body)


def eventually(check, timeout: float = 15.0):
    """check() once it is truthy, retried while a reconnect is under way."""
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return result


def test_database_outage_is_a_503_and_the_app_recovers_without_a_restart(running):
    server, database, _ = running
    client = client_address()
    assert readiness(server)[0] == 200

    database.cut()
    status, state = readiness(server)
    assert (status, state["status"], state["database"]) == (503, "unavailable", "unreachable")
    attempt = sign_in_attempt(server, client)
    assert attempt.status == 503
    assert int(attempt.headers["Retry-After"]) > 0
    assert b"briefly unavailable" in attempt.body
    assert b"Traceback" not in attempt.body and b"psycopg" not in attempt.body
    assert server.get("/health").status == 200  # the process itself is fine

    database.restore()
    assert eventually(lambda: readiness(server)[0] == 200)
    assert sign_in_attempt(server, client).status == 200  # a wrong password, answered


def test_with_redis_away_limits_fail_over_to_memory_and_come_back(running):
    server, _, redis = running
    assert readiness(server)[1]["rate_limit_storage"] == "ok"

    redis.cut()
    client = client_address()
    clear_of_a_window_edge()
    statuses = [sign_in_attempt(server, client).status for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2  # 5 per minute, counted in memory meanwhile
    assert readiness(server) == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "rate_limit_storage": "degraded",
            "jobs": {"status": "unreachable"},  # the site serves on
        },
    )
    assert "falling back to in-memory storage" in server.output()

    redis.restore()
    assert eventually(lambda: readiness(server)[1]["rate_limit_storage"] == "ok")
