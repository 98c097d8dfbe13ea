"""gunicorn builds the app once, in its master (preload_app), and each worker, recycled ones
too, is a fork of it. A worker must not use the master's connections: the master here reads
the database and Redis while it builds the app, as a start-up read does, and leaves each
connection in its pool; with two workers recycled every few requests, on PostgreSQL and
Redis, every worker answers over connections of its own, and runs its own error-mail thread.
Before the first fork the master compiles the templates and configures the models' mappers,
which every worker then shares, and what it built is frozen out of each worker's garbage
collections, which would copy the memory they share."""

import json
import uuid

import pytest

from .support.launch import launch_of
from .support.processes import clean_env, serving
from .support.rendering import answers_of, deployed_copy, render
from .support.services import DATABASES, REDIS, free_port, require

REQUESTS = 40
# The app as gunicorn serves it, with a page that says which connections answered it.
PROBE = """
import gc
import os
import threading

from sqlalchemy import text

from {package} import create_app
from {package}.extensions import db, limiter, talisman
from {package}.forks import after_fork

app = create_app()
FORKED = {{}}  # as each worker finds the models when forked, before its first request
after_fork(app, lambda: FORKED.update(mapped=all(m.configured for m in db.Model.registry.mappers)))


def connections():
    database = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    db.session.remove()  # back to the pool
    mailer = any("_monitor" in thread.name for thread in threading.enumerate())
    redis = limiter.storage.storage.client_id()
    frozen, templates = gc.get_freeze_count(), len(app.jinja_env.cache or ())
    return {{"pid": os.getpid(), "database": database, "redis": redis, "mailer": mailer,
             "frozen": frozen, "templates": templates}}


with app.app_context():
    MASTER = {{**connections(), "built_in": os.getpid()}}


@app.get("/probe")
@talisman(force_https=False)
def probe():
    return {{**connections(), "master": MASTER, "forked": FORKED}}
"""


@pytest.fixture
def project(tmp_path):
    """The default variant (PostgreSQL, Redis, e-mail), with the probe beside its package."""
    pushed = deployed_copy(render(tmp_path / "project"), tmp_path / "pushed")
    package = answers_of(pushed)["package_name"]
    (pushed / "probe.py").write_text(PROBE.format(package=package))
    return pushed, package


def test_each_forked_worker_uses_connections_and_threads_of_its_own(project, venv):
    require("Redis", REDIS)
    pushed, package = project
    launch = launch_of(pushed, venv)
    port = free_port()
    with DATABASES["postgresql"]() as database:
        secrets = {
            "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "DATABASE_URL": database.url + "?sslmode=disable",
            "REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "MAIL_SERVER": "127.0.0.1",  # never reached: nothing here logs an error
            "ADMINS": "admin@example.com",
        }
        env = clean_env(venv, **launch.environment(**secrets))
        start = launch.start.replace(f'"{package}:create_app()"', "probe:app")
        assert start != launch.start
        recycled = f"{start} --max-requests 8 --max-requests-jitter 0"
        with serving(recycled, pushed, env, port) as server:
            host = env["SITE_URL"].removeprefix("https://")
            answers = [json.loads(server.get("/probe", Host=host).body) for _ in range(REQUESTS)]
            log = server.output()

    master = answers[0]["master"]
    assert master["built_in"] == master["pid"] == server.process.pid, "built in the master"
    workers = {answer["pid"] for answer in answers}
    assert len(workers) > 2, f"recycled workers answer too: {workers}\n{log}"
    for kind in ("database", "redis"):
        used_by = {}
        for answer in answers:
            used_by.setdefault(answer[kind], set()).add(answer["pid"])
        assert master[kind] not in used_by, f"a worker used the master's {kind} connection"
        assert all(len(pids) == 1 for pids in used_by.values()), f"{kind}: {used_by}"
    assert all(answer["mailer"] for answer in answers), "a worker without its mail thread"
    assert master["frozen"] == master["templates"] == 0  # while the master builds the app
    assert all(answer["frozen"] > 10_000 for answer in answers), "the app not frozen"
    assert all(answer["templates"] > 10 for answer in answers), "templates not compiled ahead"
    assert all(answer["forked"]["mapped"] for answer in answers), "mappers not configured ahead"
    assert "Traceback" not in log
