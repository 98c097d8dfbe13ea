"""`flask jobs`: the failed-job registry, read and requeued. The worker itself is Flask-RQ's
`flask rq worker`; `flask rq cron` enqueues the scheduled jobs (schedules.py).

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from rq.job import Job

jobs_commands = AppGroup("jobs", help="The background jobs: failed ones, and requeueing them.")


@jobs_commands.command("failed")
def list_failed() -> None:
    """List the jobs that failed for good (after their retries), newest last, with the last
    line of their error."""
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
