"""`flask jobs`: the failed-job registry, read and requeued, and a job sent through the queue
to see a worker run it. The worker itself is Flask-RQ's `flask rq worker`; `flask rq cron`
enqueues the scheduled jobs.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import time

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from rq.job import Job, JobStatus

jobs_commands = AppGroup("jobs", help="The background jobs: failed ones, requeued; a ping.")


def pong() -> str:
    return "pong"


@jobs_commands.command("ping")
@click.option("--timeout", default=60, show_default=True, help="Seconds to wait for a worker.")
def ping(timeout: int) -> None:
    """Send a job through the queue and wait for a worker to run it: the jobs work end to end
    (exits 1 when no worker runs it in time)."""
    if current_app.config["JOBS_RUN_AT_ONCE"]:
        click.echo(f"Jobs run at once here (JOBS_RUN_AT_ONCE), with no worker: {pong()}")
        return
    try:
        job = current_app.extensions["rq"].queue.enqueue(pong, ttl=timeout, result_ttl=600)
    except RedisError as error:
        raise click.ClickException(f"Redis is unreachable ({error}): check REDIS_URL.") from None
    deadline = time.monotonic() + timeout
    while (status := job.get_status()) not in {JobStatus.FINISHED, JobStatus.FAILED}:
        if time.monotonic() > deadline:
            job.cancel()
            raise click.ClickException(f"No worker ran the job within {timeout} s: is one running?")
        time.sleep(0.5)
    if status == JobStatus.FAILED:
        raise click.ClickException(f"The job failed (flask jobs failed lists {job.id}).")
    job.refresh()
    click.echo(f"Worker {job.worker_name} ran job {job.id}: {job.return_value()}")


@jobs_commands.command("failed")
def list_failed() -> None:
    """List the jobs that failed for good (after their retries), newest last, with the last
    line of their error."""
    if current_app.config["JOBS_RUN_AT_ONCE"]:
        click.echo("Jobs run at once here (JOBS_RUN_AT_ONCE): none waits or fails in a queue.")
        return
    registry = current_app.extensions["rq"].queue.failed_job_registry
    ids = registry.get_job_ids()
    if not ids:
        click.echo("No failed jobs.")
        return
    for job in Job.fetch_many(ids, connection=registry.connection):
        if job is None:  # expired meanwhile
            continue
        result = job.latest_result()
        error = ((result and result.exc_string) or "").strip().splitlines() or ["(no error)"]
        click.echo(f"{job.id}  {job.func_name}  ended {job.ended_at or '?'}  {error[-1]}")


@jobs_commands.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Requeue every failed job.")
def requeue(job_ids: tuple[str, ...], every: bool) -> None:
    """Put failed jobs back on their queue, for the worker to run again."""
    registry = current_app.extensions["rq"].queue.failed_job_registry
    chosen = registry.get_job_ids() if every else list(job_ids)
    if not chosen:
        raise click.UsageError("Name the jobs to requeue (flask jobs failed lists them), or --all.")
    for job_id in chosen:
        if job_id not in registry:
            raise click.ClickException(f"{job_id} is not a failed job (flask jobs failed).")
        registry.requeue(job_id)
        click.echo(f"Requeued {job_id}.")
