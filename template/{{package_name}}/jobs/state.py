"""What Redis says of the jobs: the workers seen recently (a worker's record expires when it
stops sending its heartbeat), how many jobs wait, how many failed. /health/ready reports it,
and `flask check-deploy` warns when no worker was seen (SEC025).

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError
from rq import Queue, Worker

from ..checks import WARNING, Rule, add_rule


def default_queue() -> Queue:
    return current_app.extensions["rq"].queue


def workers_seen(queue: Queue) -> int:
    return len(Worker.all(queue=queue))


def queue_state() -> dict[str, Any]:
    """The default queue's workers, waiting jobs and failed jobs; "unreachable" (logged)
    when Redis does not answer. Jobs that run at once have no queue to report."""
    if current_app.config["JOBS_RUN_AT_ONCE"]:
        return {"status": "run at once"}
    queue = default_queue()
    try:
        workers = workers_seen(queue)
        failed = queue.failed_job_registry.count
        state = {"workers": workers, "queued": queue.count, "failed": failed}
    except RedisError:
        current_app.logger.exception("Readiness check: the job queue is unreachable")
        return {"status": "unreachable"}
    return {"status": "ok" if workers else "no worker", **state}


def no_worker_seen(app: Flask) -> bool:
    if app.config["JOBS_RUN_AT_ONCE"]:
        return False
    with app.app_context():
        try:
            return workers_seen(default_queue()) == 0
        except RedisError:
            return True


def add_worker_rule(app: Flask) -> None:
    add_rule(
        app,
        Rule(
            "SEC025",
            WARNING,
            "No job worker was seen in the last minutes: e-mail and other jobs wait in Redis.",
            "Start the worker process (docs/DEPLOYMENT.md says how on this platform).",
            lambda d: d.app is not None and no_worker_seen(d.app),
            needs_app=True,
        ),
    )
