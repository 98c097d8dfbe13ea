"""Throughput: the rendered app and the bare one under gunicorn with the same settings (the
rendered gunicorn.conf.py), loaded by wrk on 127.0.0.1 for a fixed time, in turns. Each
request carries X-Forwarded-Proto: https and a client address, as from the platform's TLS
front, so every protection works on the measured path."""

import re
import shutil
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from statistics import median

from tests.support.processes import serving
from tests.support.services import free_port

from .app import REDIS_URL, Subjects, give_bare_app_the_home_page
from .measure import Row, Target

FROM_THE_FRONT = ("X-Forwarded-Proto: https", "X-Forwarded-For: 198.51.100.23")
CONNECTIONS = 8
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


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


def wrk(port: int, path: str, duration: float) -> Load:
    headers = [argument for header in FROM_THE_FRONT for argument in ("-H", header)]
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration:g}s", "--latency", *headers]
    result = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    )
    return parse_wrk(result.stdout)


def start(stack: ExitStack, subjects: Subjects, app_spec: str, storage: str):
    port = free_port()
    command = subjects.launch.start.replace(f'"{subjects.package}:create_app()"', f"'{app_spec}'")
    assert app_spec in command, f"the start command names no app: {subjects.launch.start}"
    env = subjects.environment(storage, GUNICORN_BIND=f"127.0.0.1:{port}")
    return stack.enter_context(serving(command, subjects.project, env, port))


def throughput_rows(subjects: Subjects, runs: int, duration: float) -> list[Row]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    with ExitStack() as stack:
        ours = {
            "Redis": start(stack, subjects, f"{subjects.package}:create_app()", REDIS_URL),
            "memory": start(stack, subjects, f"{subjects.package}:create_app()", "memory://"),
        }
        home = ours["Redis"].get("/", X_Forwarded_Proto="https")
        assert home.status == 200, home.status
        give_bare_app_the_home_page(subjects, home.body)
        bare = start(stack, subjects, "bare_app:create_app()", "memory://")
        servers = {"bare": bare, "ours, Redis": ours["Redis"], "ours, memory": ours["memory"]}
        cases = [("/health", ["ours, Redis"]), ("/", ["ours, Redis", "ours, memory"])]
        for server in servers.values():  # warm: workers started, templates compiled
            wrk(server.port, "/", 1)
        loads: dict[tuple[str, str], list[Load]] = {}
        for _ in range(runs):
            for path, names in cases:
                for name in ["bare", *names]:
                    loads.setdefault((path, name), []).append(
                        wrk(servers[name].port, path, duration)
                    )
    return _rows(loads, cases)


# Per path: (figure, field of Load, unit, target) for each row of the table.
FIGURES = {
    "/health": [
        ("requests/s", "requests_per_second", "req/s", Target(0.85, at_least=True)),
        ("p50", "p50_ms", "ms", None),
        ("p99", "p99_ms", "ms", None),
    ],
    "/": [
        ("requests/s", "requests_per_second", "req/s", Target(0.7, at_least=True)),
        ("p50", "p50_ms", "ms", None),
        ("p99", "p99_ms", "ms", Target(1.5)),
    ],
}
PAGES = {"/health": "/health", "/": "home page"}


def _rows(loads, cases) -> list[Row]:
    def med(path, name, field):
        return median(getattr(load, field) for load in loads[(path, name)])

    rows = []
    for path, names in cases:
        for name in names:
            label = f"{PAGES[path]}, limits in {name.split(', ')[1]}"
            for figure, field, unit, target in FIGURES[path]:
                ours, bare = med(path, name, field), med(path, "bare", field)
                rows.append(Row(f"{label}: {figure}", ours, bare, unit, target))
    return rows
