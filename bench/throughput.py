"""Throughput and memory: the rendered app, the bare one and the usual stack under gunicorn with
the same settings (the rendered gunicorn.conf.py), loaded by wrk on 127.0.0.1 for a fixed time,
in turns. Each request carries X-Forwarded-Proto: https and a client address, as from the
platform's TLS front, so every protection works on the measured path. Every worker of every
app is recycled after max_requests requests, so that a run includes recycling."""

import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from statistics import median

from tests.support.processes import Response, Server, fetch, started
from tests.support.services import free_port

from .app import Subjects, give_baselines_the_pages
from .measure import Row, Target
from .memory import worker_rss_mib, workers

FROM_THE_FRONT = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.23"}
CONNECTIONS = 8
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
BASELINES = {"bare": "bare_app:create_app()", "usual": "usual_app:create_app()"}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    template: str | None  # the baselines' copy of the rendered page
    rate: Target  # ours against the bare app, in requests a second


PAGES = [
    Page("/health", "/health", None, Target(0.85, at_least=True)),
    Page("home page", "/", "index.html", Target(0.5, at_least=True)),
    Page("sign-in page", "/auth/login", "login.html", Target(0.4, at_least=True)),
]
AHEAD_OF_THE_USUAL_STACK = Target(1.2, at_least=True)
TAIL = Target(2)  # p99 against the bare app's


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> Load:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)\s*$", output, re.MULTILINE)
    if not (rate and p50 and p99):
        raise ValueError(f"wrk printed no rate or latency distribution:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise AssertionError(f"{non_2xx.group(1)} responses were not 2xx: the load was refused")
    return Load(float(rate.group(1)), _milliseconds(p50.group(1)), _milliseconds(p99.group(1)))


def wrk(port: int, path: str, duration: float, *options: str) -> Load:
    headers = [a for header in FROM_THE_FRONT.items() for a in ("-H", ": ".join(header))]
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration:g}s", "--latency", *headers]
    result = subprocess.run(
        [*command, *options, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return parse_wrk(result.stdout)


# A wrk script that asks for each measured page in turn.
EVERY_PAGE = """
local paths, n = {%s}, 0
request = function()
  n = n + 1
  return wrk.format(nil, paths[n %% #paths + 1])
end
"""


def warm(servers: list[Server]) -> None:
    """A second of load over every page on every server at once (nothing is measured yet):
    workers started, templates compiled, and each page answered with a 2xx."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(EVERY_PAGE % ", ".join(f'"{page.path}"' for page in PAGES))
        script.flush()
        with ThreadPoolExecutor(len(servers)) as pool:
            loads = [pool.submit(wrk, s.port, "/", 1, "-s", script.name) for s in servers]
            for load in loads:
                load.result()


class BehindTheFront(Server):
    """A server whose every request comes as from the TLS front: the usual stack's Talisman
    redirects any other to HTTPS, its health check included."""

    def get(self, path: str, **headers: str) -> Response:
        return fetch(self.port, path, {**FROM_THE_FRONT, **headers})


def start(stack: ExitStack, subjects: Subjects, app_spec: str, max_requests: int):
    """app_spec served by the rendered app's start command and gunicorn.conf.py, but for
    recycling: after max_requests requests and a tenth of that as jitter (0: never), set
    through GUNICORN_CMD_ARGS, which gunicorn reads after its configuration file."""
    port = free_port()
    command = subjects.launch.start.replace(f'"{subjects.package}:create_app()"', f"'{app_spec}'")
    assert app_spec in command, f"the start command names no app: {subjects.launch.start}"
    recycling = f"--max-requests {max_requests} --max-requests-jitter {max_requests // 10}"
    env = subjects.environment(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_CMD_ARGS=recycling)
    server = started(command, subjects.project, env, lambda *run: BehindTheFront(*run, port))
    return stack.enter_context(server)


def copy_the_pages(subjects: Subjects, ours) -> None:
    pages = {}
    for page in PAGES:
        if page.template:
            response = ours.get(page.path)
            assert response.status == 200, (page.path, response.status)
            pages[page.template] = response.body
    give_baselines_the_pages(subjects, pages)


def recycles(log: str, workers: int) -> int:
    """How many workers gunicorn booted beyond the workers it runs now, from its log."""
    return log.count("Booting worker with pid") - workers


def throughput_rows(
    subjects: Subjects, runs: int, duration: float, max_requests: int
) -> tuple[list[Row], dict[str, int]]:
    """The rows, and how many workers each app recycled during the run."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    with ExitStack() as stack:
        ours = start(stack, subjects, f"{subjects.package}:create_app()", max_requests)
        copy_the_pages(subjects, ours)
        servers = {
            name: start(stack, subjects, spec, max_requests) for name, spec in BASELINES.items()
        }
        servers["ours"] = ours
        warm(list(servers.values()))
        loads, memory = _measured(servers, runs, duration)
        recycled = {
            name: recycles(servers[name].output(), len(workers(servers[name].process.pid)))
            for name in ("ours", "bare", "usual")
        }
    return [*_load_rows(loads), _memory_row(memory)], recycled


def _measured(servers: dict[str, Server], runs: int, duration: float):
    """Each page loaded on each server in turn, runs times, and after each run the memory of
    each server's workers."""
    loads: dict[tuple[str, str], list[Load]] = {}
    memory: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(runs):
        for page in PAGES:
            for name, server in servers.items():
                load = wrk(server.port, page.path, duration)
                loads.setdefault((page.path, name), []).append(load)
        for name, server in servers.items():
            memory[name].append(worker_rss_mib(server.process.pid))
    return loads, memory


FIGURES = [
    ("requests/s", "requests_per_second", "req/s"),
    ("p50", "p50_ms", "ms"),
    ("p99", "p99_ms", "ms"),
]


def _targets(page: Page, figure: str) -> tuple[Target | None, Target | None]:
    """The targets of ours against the bare app and against the usual stack."""
    if figure == "requests/s":
        return page.rate, AHEAD_OF_THE_USUAL_STACK
    return (TAIL, None) if figure == "p99" else (None, None)


def _load_rows(loads: dict[tuple[str, str], list[Load]]) -> list[Row]:
    rows = []
    for page in PAGES:
        for figure, field, unit in FIGURES:
            ours, bare, usual = (
                median(getattr(load, field) for load in loads[(page.path, name)])
                for name in ("ours", "bare", "usual")
            )
            target, usual_target = _targets(page, figure)
            rows.append(
                Row(f"{page.name}: {figure}", ours, bare, unit, target, usual, usual_target)
            )
    return rows


def _memory_row(memory: dict[str, list[float]]) -> Row:
    ours, bare, usual = (median(memory[name]) for name in ("ours", "bare", "usual"))
    return Row("resident memory a worker, after load", ours, bare, "MiB", Target(2), usual)
