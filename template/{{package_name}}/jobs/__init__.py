"""Background jobs: RQ queues in Redis, through Flask-RQ. A request enqueues a job and
answers at once; the worker process (`flask rq worker --with-scheduler`, each platform's
`worker` process) runs it in the app's context, retries it as it was told to, and keeps it in
the failed-job registry when it still fails (`flask jobs failed`, `flask jobs requeue`).

The worker stops gracefully on SIGTERM: it finishes the job in progress, then exits. A job
whose worker was killed before it finished is marked abandoned when its heartbeat expires,
and is retried or moved to the failed jobs: none is lost silently.

Without a Redis (REDIS_URL) in development, and in the tests, JOBS_RUN_AT_ONCE is on: each
job runs at once in the process that enqueues it, so `flask run` alone works with no worker.

Your own jobs go in a module of yours (e.g. tasks.py), decorated with `@rq.job` from here;
docs/DEPLOYMENT.md says how.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from flask import Flask, current_app
from flask_rq import RQ
from flask_rq._job_wrapper import JobWrapper
from rq import Retry
from rq.job import Job

from ..config import env_bool, env_list
from .commands import jobs_commands
from .state import add_worker_rule, queue_state

rq = RQ()

# Seconds between the attempts of a job that fails (e-mail, for one): three retries, each
# later than the one before, then the failed-job registry.
DEFAULT_RETRY_INTERVALS = ["10", "60", "300"]


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """Flask-RQ's connection from REDIS_URL (TEST_REDIS_URL in the tests); without one, jobs
    run at once. Jobs wait in Redis for the worker unless JOBS_RUN_AT_ONCE says otherwise."""
    url = environ.get("TEST_REDIS_URL", "") if config["TESTING"] else config["REDIS_URL"]
    config.setdefault("RQ_CONNECTION", url or {})  # {}: a client that connects only when used
    config.setdefault("RQ_ASYNC", True)  # the tests too, against TEST_REDIS_URL
    at_once = config["TESTING"] or not url  # a test asks for the queue when it means to
    config.setdefault("JOBS_RUN_AT_ONCE", env_bool(environ, "JOBS_RUN_AT_ONCE", at_once))
    intervals = env_list(environ, "JOBS_RETRY_INTERVALS") or DEFAULT_RETRY_INTERVALS
    config.setdefault("JOBS_RETRY_INTERVALS", [retry_interval(value) for value in intervals])


def retry_interval(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"JOBS_RETRY_INTERVALS must be whole seconds, e.g. 10,60,300: {value!r}")
    return int(value)


def init_app(app: Flask) -> None:
    rq.init_app(app)
    app.cli.add_command(jobs_commands)
    app.extensions.setdefault("readiness_checks", {})["jobs"] = queue_state
    add_worker_rule(app)


def with_retries() -> Retry:
    """RQ's retries with the back-off of JOBS_RETRY_INTERVALS."""
    intervals = current_app.config["JOBS_RETRY_INTERVALS"]
    return Retry(max=len(intervals), interval=intervals)


def enqueue(job: JobWrapper, *args: Any, **options: Any) -> Job | None:
    """Put job(*args) on its queue for the worker (options go to RQ's Queue.enqueue, e.g.
    retry=with_retries()); with JOBS_RUN_AT_ONCE, run it here and now instead."""
    if current_app.config["JOBS_RUN_AT_ONCE"]:
        job(*args)
        return None
    return job.enqueue(*args, **options)
