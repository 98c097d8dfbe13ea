"""The boot tier: every variant of the run-time set (support/matrix.py), as its platform
runs it. From what git would push: the platform's static files' build, then its release command,
twice, on a fresh database of the variant's kind on a real server (PostgreSQL, MariaDB, or a
SQLite file); then the platform's start command with the platform's production settings on
127.0.0.1, answering /health with the security headers and a page's hashed static files with
a year's caching, stopped by its process id. Behind a real TLS front, the MDN HTTP Observatory
grades it A+ with no test failed. With jobs, the platform's worker command runs a job sent
through Redis (`flask jobs ping`), and stops gracefully on SIGTERM."""

import json
import re
import uuid
from contextlib import ExitStack

import pytest

from .support import matrix
from .support.launch import launch_of
from .support.observatory import scan
from .support.platforms import release_twice, serving_securely, sqlite_database
from .support.processes import clean_env, run, running
from .support.rendering import answers_of, deployed_copy, render
from .support.services import DATABASES, REDIS, free_port, private_redis_db, require
from .support.tls_front import tls_front

HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z]+$")
VARIANTS = {matrix.variant_id(answers): answers for answers in matrix.run_time_variants()}


def fresh_database(kind: str, folder):
    if kind == "sqlite":
        return sqlite_database(folder, f"app_{uuid.uuid4().hex[:8]}")
    return DATABASES[kind]()


def url_for(database, kind: str) -> str:
    """The local PostgreSQL has no TLS: say so, where the platforms' default is to require it."""
    return database.url + ("?sslmode=disable" if kind == "postgresql" else "")


@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
def test_the_variant_releases_and_serves_as_its_platform_runs_it(variant, venv, tmp_path):
    answers = VARIANTS[variant]
    if answers["redis"]:
        require("Redis", REDIS)
    project = render(tmp_path / "project", **answers)
    pushed = deployed_copy(project, tmp_path / "pushed")
    assert not (pushed / ".env").exists()
    launch = launch_of(pushed, venv)
    port = free_port()

    with ExitStack() as held:
        database = held.enter_context(fresh_database(answers["database"], tmp_path / "data"))
        # RQ's keys have no prefix: a worker's queue is kept apart in a database of its own.
        redis_db = held.enter_context(private_redis_db()) if launch.worker else 0
        secrets = {
            "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "DATABASE_URL": url_for(database, answers["database"]),
            "PORT": str(port),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        }
        if answers["redis"]:
            secrets["REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/{redis_db}"
        env = clean_env(venv, **launch.environment(**secrets))
        assert env["FLASK_CONFIG"] == answers["platform"]

        built = run(launch.build, pushed, env)
        assert built.returncode == 0, built.stdout + built.stderr
        release_twice(launch.release, pushed, env, database, answers["auth"])

        health_check = launch.health_check  # it asks for /health on $PORT
        if health_check:
            assert run(health_check, pushed, env).returncode != 0, "healthy with no server?"
        with serving_securely(launch.start, pushed, env, port) as server:
            if health_check:
                result = run(health_check, pushed, env)
                assert result.returncode == 0, result.stdout + result.stderr
            assert "request_id=" in server.output()
            assert_the_page_links_hashed_static_files(server)
            with tls_front(port, tmp_path / "front") as authority:
                observatory = scan("localhost", authority)
            if launch.worker:
                assert_a_job_runs_beside_the_web(launch.worker, pushed, env, server)
    grade = observatory["scan"]
    failed = {name: test for name, test in observatory["tests"].items() if not test["pass"]}
    assert (grade["grade"], failed) == ("A+", {}), grade
    print(f"{variant}: Observatory {grade['grade']}, score {grade['score']}")


def assert_a_job_runs_beside_the_web(worker_command: str, pushed, env, server) -> None:
    """The platform's worker command, started beside the web process: a job sent through
    Redis runs, the web's readiness check sees the worker, and SIGTERM stops it warmly."""
    with running(worker_command, pushed, env) as worker:
        ping = f"flask --app {answers_of(pushed)['package_name']} jobs ping --timeout 60"
        pinged = run(ping, pushed, env, timeout=90)
        assert pinged.returncode == 0, pinged.stdout + pinged.stderr + worker.output()
        assert "pong" in pinged.stdout
        ready = json.loads(server.get("/health/ready").body)
        assert ready["jobs"]["status"] == "ok" and ready["jobs"]["workers"] >= 1, ready
    assert worker.process.returncode == 0, worker.output()  # a warm shutdown


def assert_the_page_links_hashed_static_files(server) -> None:
    """The build's names are in the page, and the app serves them (WhiteNoise, or Flask where
    nginx or Caddy serve them in front) with a year's caching."""
    proxy = {"X_Forwarded_Proto": "https"}
    page = server.get("/", **proxy).body.decode()
    linked = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert linked and all(HASHED.search(path) for path in linked), linked
    for path in linked:
        response = server.get(path, **proxy)
        assert response.status == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
