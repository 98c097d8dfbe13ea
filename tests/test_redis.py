"""Rate limits shared through a real Redis: two gunicorn servers (two workers each), on two
ports, as two dynos behind Heroku's router, let exactly 5 of 40 sign-in attempts from one
client through a limit of 5 per minute."""

import json
from contextlib import ExitStack

import pytest

from .support.accounts import sign_in_attempt
from .support.platforms import client_address
from .support.processes import clean_env, procfile, run, serving
from .support.rate_limits import clear_of_a_window_edge
from .support.rendering import deployed_copy
from .support.services import REDIS, free_port, postgres_database, require

SECRET_KEY = "r" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
ATTEMPTS = 40


@pytest.fixture(scope="module")
def slug(default_project, tmp_path_factory):
    return deployed_copy(default_project, tmp_path_factory.mktemp("redis") / "slug")


def test_two_servers_sharing_redis_let_exactly_the_limit_through(slug, venv):
    require("Redis", REDIS)
    with postgres_database() as database, ExitStack() as servers:
        env = clean_env(
            venv,
            FLASK_CONFIG="heroku",
            SECRET_KEY=SECRET_KEY,
            SITE_URL="https://localhost",
            DATABASE_URL=database.url + "?sslmode=disable",
            REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
            WEB_CONCURRENCY="2",
        )
        assert run(procfile(slug)["release"], slug, env).returncode == 0
        ports = [free_port(), free_port()]
        both = [
            servers.enter_context(serving(procfile(slug)["web"], slug, {**env, "PORT": str(p)}, p))
            for p in ports
        ]
        client = client_address()  # fresh counters in the shared Redis
        clear_of_a_window_edge()

        ready = json.loads(both[0].get("/health/ready").body)
        statuses = [sign_in_attempt(both[n % 2], client).status for n in range(ATTEMPTS)]
        log = "".join(server.output() for server in both)

    assert ready.pop("jobs")["status"] in {"ok", "no worker"}  # the queue, reached
    assert ready == {"status": "ok", "database": "ok", "rate_limit_storage": "ok"}
    assert statuses.count(200) == 5, statuses
    assert statuses.count(429) == ATTEMPTS - 5, statuses
    assert "worker processes" not in log  # no in-memory warning: the storage is shared
