"""bench/: the benchmark runs end to end and prints every measure beside its baseline, and
its parts read what they measure correctly. The numbers themselves are not asserted: they
belong to docs/performance.md, measured on a quiet machine with `python -m bench`."""

import os
import re
import subprocess
import sys

import pytest

from bench.app import usual_page
from bench.floor import FILES, QUESTIONS, floor_template
from bench.measure import Row, Target, interleaved, table
from bench.throughput import parse_wrk, recycles

from .support.programs import require_program
from .support.rendering import TEMPLATE, render
from .support.services import POSTGRES, REDIS, require

WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:8000/health
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.48ms    1.02ms  15.21ms   80.00%
  Latency Distribution
     50%  812.00us
     75%    4.90ms
     90%    5.50ms
     99%    1.20s{padding}
  1500 requests in 1.00s, 400.00KB read
Requests/sec:   1498.76
Transfer/sec:    399.90KB
""".format(padding=" ")  # wrk pads the last figure of its latency table

MEASURES = [
    "render, in-process (copier.run_copy)",
    "render, in-process, per rendered file",
    "render, CLI (copier copy)",
    "copier update (CLI)",
    "start-up: create_app() in a new process",
    *(
        f"{page}: {figure}"
        for page in ("/health", "home page", "sign-in page")
        for figure in ("requests/s", "p50", "p99")
    ),
    "resident memory a worker, after load",
]
FIGURE = r"[\d,.]+ (ms|req/s|MiB)"


def test_wrk_output_is_read_in_milliseconds():
    load = parse_wrk(WRK_OUTPUT)
    assert (load.requests_per_second, load.p50_ms, load.p99_ms) == (1498.76, 0.812, 1200.0)


def test_a_load_that_was_refused_is_not_measured():
    refused = WRK_OUTPUT.replace("Requests/sec", "  Non-2xx or 3xx responses: 12\nRequests/sec")
    with pytest.raises(AssertionError, match="12 responses were not 2xx"):
        parse_wrk(refused)


def test_targets_are_ratios_with_a_direction():
    assert Target(2).met(1.9) and not Target(2).met(2.1)
    assert Target(0.85, at_least=True).met(0.9) and not Target(0.85, at_least=True).met(0.8)
    rows = [Row("fast", 3.0, 1.5, "s", Target(2)), Row("slow", 450.0, 900.0, "req/s")]
    assert [row.verdict for row in rows] == ["met", ""]
    lines = table(rows).splitlines()
    assert lines[0].startswith("| measure") and set(lines[1]) <= {"|", "-", " "}
    assert re.search(
        r"\| fast +\| 3000 ms +\| 1500 ms +\| +\| 2\.00\u00d7 +\| \u2264 2\u00d7 +\| +\| +\| met",
        lines[2],
    )


def test_a_row_against_the_usual_stack_is_met_only_when_both_targets_are():
    ahead = Target(1.2, at_least=True)
    behind = Row("home", 600.0, 1000.0, "req/s", Target(0.5, at_least=True), 550.0, ahead)
    ahead_of_both = Row("home", 700.0, 1000.0, "req/s", Target(0.5, at_least=True), 550.0, ahead)
    assert (behind.verdict, ahead_of_both.verdict) == ("missed", "met")
    cells = [cell.strip() for cell in table([behind]).splitlines()[2].split("|")[1:-1]]
    assert cells == [
        "home",
        "600 req/s",
        "1,000 req/s",
        "550 req/s",
        "0.60\u00d7",
        "\u2265 0.5\u00d7",
        "1.09\u00d7",
        "\u2265 1.2\u00d7",
        "missed",
    ]


def test_the_usual_stack_serves_a_rendered_page_with_its_own_form():
    page = '<h1>Sign in</h1>\n<form method="post">\n<input name="login">\n</form>\n<p>New here?</p>'
    usual = usual_page(page)
    assert usual.startswith("<h1>Sign in</h1>") and usual.endswith("<p>New here?</p>")
    assert "{{ form.hidden_tag() }}" in usual and 'name="login"' not in usual


def test_recycled_workers_are_counted_from_gunicorn_log():
    booted = "[INFO] Booting worker with pid: {}\n"
    log = "[INFO] Listening at: http://127.0.0.1:8000\n" + "".join(map(booted.format, range(5)))
    assert recycles(log, workers=2) == 3


def test_measures_are_taken_in_turns_and_give_medians():
    order = []
    timings = interleaved(3, a=lambda: order.append("a"), b=lambda: order.append("b"))
    assert order == ["a", "b"] * 3
    assert set(timings) == {"a", "b"} and all(value >= 0 for value in timings.values())


def test_the_floor_template_renders_its_files_from_its_answers(tmp_path):
    project = render(tmp_path / "out", template=floor_template(tmp_path / "floor"))
    files = sorted(project.glob("file_*.md"))
    assert len(files) == FILES
    assert all(value in files[7].read_text() for value in QUESTIONS.values())


@pytest.fixture(scope="module")
def services():
    require_program("wrk", "wrk")
    require("PostgreSQL", POSTGRES)
    require("Redis", REDIS)


def run_bench(*arguments: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *arguments],
        cwd=TEMPLATE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_benchmark_prints_every_measure_beside_its_baseline(services):
    # No recycling: it would cost the test the imports of new workers, and measure nothing.
    output = run_bench("bench", "--runs", "1", "--duration", "1", "--max-requests", "0")
    rows = [line for line in output.splitlines() if line.startswith("| ") and "---" not in line]
    measures = [row.split("|")[1].strip() for row in rows[1:]]
    assert measures == MEASURES, output
    for row in rows[1:]:
        cells = [cell.strip() for cell in row.split("|")[2:-1]]
        ours, baseline, usual, ratio, target, usual_ratio, usual_target, verdict = cells
        assert re.fullmatch(FIGURE, ours) and re.fullmatch(FIGURE, baseline), row
        assert float(ratio.rstrip("\u00d7")) > 0, row
        against_the_app = not row.startswith(("| render", "| copier"))
        assert bool(re.fullmatch(FIGURE, usual)) == bool(usual_ratio) == against_the_app, row
        assert verdict in (("met", "missed") if target or usual_target else ("",)), row
    assert "Workers recycled during the run: ours 0, bare 0, usual 0" in output, output


def test_the_cost_profile_names_where_a_request_spends_its_time(services):
    output = run_bench("bench.costs", "/health", "/auth/login", BENCH_COST_REQUESTS="200")
    assert "/health: µs a request under cProfile" in output, output
    assert "/auth/login: µs a request under cProfile" in output, output  # both apps answer 200
    packages = re.findall(r"^\| (\S[^|]*?) \| \d+ \| \d+ \|$", output, re.MULTILINE)
    assert {"flask", "werkzeug", "flask_talisman"} <= set(packages), output
