"""Background jobs with the real Redis (a database of their own) and real worker
processes, each started with the Procfile's own `worker` command, on the default project
(heroku, PostgreSQL, SMTP, accounts) with production settings: a registration's e-mail,
enqueued by the request, reaches a real SMTP server through the worker; a worker stopped
mid-job (SIGTERM) finishes the job first; one killed at the end of its grace (SIGTERM, then
SIGKILL) leaves the job started, which RQ then marks abandoned and `flask jobs requeue` runs
again; two workers never run one job twice."""

import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support.mailbox import mailbox
from .support.processes import clean_env, procfile, run, serving
from .support.rendering import deployed_copy
from .support.services import REDIS, free_port, postgres_database, private_redis_db, require

SECRET_KEY = "j" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"

# A job for the tests, put in the pushed copy beside the app: it notes that it started, waits
# until its gate file exists, then notes that it finished, one line a run. Run as a script,
# it enqueues them, and tells a job's state.
SAMPLE_JOBS = """
import json
import os
import sys
import time
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry


def traced(name):
    folder = Path(os.environ["JOB_TRACE_DIR"])
    (folder / f"{name}.started").write_text(str(os.getpid()))
    for _ in range(1200):  # at most two minutes
        if (folder / f"{name}.go").exists():
            break
        time.sleep(0.1)
    with open(folder / f"{name}.done", "a") as done:
        done.write(f"{os.getpid()}\\n")


def queue():
    return Queue(connection=Redis.from_url(os.environ["REDIS_URL"]))


if __name__ == "__main__":
    command, argument = [*sys.argv[1:], ""][:2]
    if command == "enqueue":  # by its module's name, which the worker imports
        from sample_jobs import traced

        for name in argument.split(","):
            print(queue().enqueue(traced, name).id)
    elif command == "status":
        print(queue().fetch_job(argument).get_status().value)
    elif command == "expire":  # as when the heartbeat of the job's worker runs out
        StartedJobRegistry(queue=queue()).cleanup(time.time() + 3600)
"""


@dataclass
class Project:
    path: Path
    env: dict[str, str]
    traces: Path

    def run(self, command: str) -> str:
        result = run(command, self.path, self.env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def enqueue(self, name: str) -> str:
        return self.run(f"python sample_jobs.py enqueue {name}").strip()

    def status(self, job_id: str) -> str:
        return self.run(f"python sample_jobs.py status {job_id}").strip()

    def open_gate(self, name: str) -> None:
        (self.traces / f"{name}.go").touch()

    def runs(self, name: str) -> list[str]:
        done = self.traces / f"{name}.done"
        return done.read_text().split() if done.exists() else []

    def started(self, name: str) -> bool:
        return (self.traces / f"{name}.started").exists()


@pytest.fixture(scope="module")
def slug(default_project, tmp_path_factory) -> Path:
    pushed = deployed_copy(default_project, tmp_path_factory.mktemp("jobs") / "slug")
    (pushed / "sample_jobs.py").write_text(SAMPLE_JOBS)
    return pushed


@pytest.fixture
def project(slug, venv, tmp_path) -> Iterator[Project]:
    require("Redis", REDIS)
    traces = tmp_path / "traces"
    traces.mkdir()
    with private_redis_db() as redis_db, postgres_database() as database:
        env = clean_env(
            venv,
            FLASK_CONFIG="heroku",
            SECRET_KEY=SECRET_KEY,
            SITE_URL="https://localhost",
            DATABASE_URL=database.url + "?sslmode=disable",
            REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/{redis_db}",
            RATELIMIT_STORAGE_URI="memory://",
            WEB_CONCURRENCY="1",
            JOB_TRACE_DIR=str(traces),
        )
        project = Project(slug, env, traces)
        project.run(procfile(slug)["release"])
        yield project


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process, self.log = process, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, number: int) -> None:
        os.killpg(self.process.pid, number)


@contextmanager
def worker(project: Project, **env: str) -> Iterator[Worker]:
    """The Procfile's worker process, in a session of its own; killed at the end if alive."""
    log = project.traces / f"worker-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {procfile(project.path)['worker']}"],
            cwd=project.path,
            env={**project.env, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Worker(process, log)
    try:
        yield running
    finally:
        if process.poll() is None:
            running.signal(signal.SIGKILL)
            process.wait()


def wait_until(condition: Callable[[], bool], what: str, *workers: Worker, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(w.output() for w in workers)
            raise AssertionError(f"{what}: not within {timeout} s\n{logs}")
        time.sleep(0.2)


def registration(server, address: str) -> int:
    """Register an account as a browser behind Heroku's router would: the form, then its post."""
    router = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    page = server.get("/auth/register", **{k.replace("-", "_"): v for k, v in router.items()})
    token = re.search(rb'name="csrf-token" content="([^"]+)"', page.body).group(1).decode()
    headers = {
        **router,
        "Cookie": page.headers["Set-Cookie"].split(";", 1)[0],
        "Host": f"127.0.0.1:{server.port}",
        "Referer": f"https://127.0.0.1:{server.port}/auth/register",
    }
    password = f"correct horse {uuid.uuid4().hex}"
    form = {
        "csrf_token": token,
        "username": f"u{uuid.uuid4().hex[:10]}",
        "email": address,
        "password": password,
        "password2": password,
    }
    return server.post_form("/auth/register", form, headers).status


def queue_state(server) -> dict:
    return json.loads(server.get("/health/ready").body)["jobs"]


def test_a_request_enqueues_an_email_that_the_worker_delivers(project):
    port = free_port()
    with mailbox() as box, ExitStack() as running:
        env = {**project.env, **box.app_settings(), "PORT": str(port)}
        server = running.enter_context(
            serving(procfile(project.path)["web"], project.path, env, port)
        )
        address = f"new-{uuid.uuid4().hex[:8]}@example.com"
        assert registration(server, address) == 302
        assert box.messages == []  # not sent by the web process: waiting in the queue
        assert queue_state(server) == {
            "status": "no worker",
            "workers": 0,
            "queued": 1,
            "failed": 0,
        }

        job_worker = running.enter_context(worker(project, **box.app_settings()))
        message = box.wait_for(to=address, subject_contains="Confirm", timeout=90)
        link = re.search(
            r"https://\S+/auth/confirm/\S+",
            message.get_body(preferencelist=("plain",)).get_content(),
        )
        assert link and link.group() not in job_worker.output()  # the worker logs no body
        wait_until(lambda: queue_state(server)["queued"] == 0, "the queue emptied", job_worker)
        assert queue_state(server) == {"status": "ok", "workers": 1, "queued": 0, "failed": 0}


def test_a_worker_stopped_mid_job_finishes_it_first(project):
    job_id = project.enqueue("graceful")
    with worker(project) as job_worker:
        wait_until(lambda: project.started("graceful"), "the job started", job_worker)
        job_worker.signal(signal.SIGTERM)  # as the platform stops a process
        project.open_gate("graceful")
        assert job_worker.process.wait(timeout=60) == 0, job_worker.output()
    assert len(project.runs("graceful")) == 1
    assert project.status(job_id) == "finished"


def test_a_job_whose_worker_is_killed_is_kept_and_runs_again_when_requeued(project):
    job_id = project.enqueue("killed")
    with worker(project) as job_worker:
        wait_until(lambda: project.started("killed"), "the job started", job_worker)
        job_worker.signal(signal.SIGTERM)
        # The grace period is over: the platform kills what is left, the job's process too.
        job_worker.signal(signal.SIGKILL)
        horse = int((project.traces / "killed.started").read_text())
        os.kill(horse, signal.SIGKILL)
        job_worker.process.wait()
    assert project.runs("killed") == []
    assert project.status(job_id) == "started"  # not lost: RQ still holds it

    project.run("python sample_jobs.py expire")
    assert project.status(job_id) == "failed"
    failed = project.run("flask --app my_flask_app jobs failed")
    assert job_id in failed and "AbandonedJobError" in failed
    project.run(f"flask --app my_flask_app jobs requeue {job_id}")
    project.open_gate("killed")
    with worker(project) as job_worker:
        wait_until(lambda: project.runs("killed"), "the requeued job ran", job_worker)
    assert len(project.runs("killed")) == 1


def test_two_workers_never_run_one_job_twice(project):
    names = [f"once{n}" for n in range(20)]
    for name in names:
        project.open_gate(name)
    with worker(project) as first, worker(project) as second:
        project.enqueue(",".join(names))
        wait_until(
            lambda: all(project.runs(name) for name in names), "every job ran", first, second
        )
    assert {name: len(project.runs(name)) for name in names} == dict.fromkeys(names, 1)
