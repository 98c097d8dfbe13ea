"""Hostile input at volume: the rendered app's own fuzz tests (tests/test_fuzz.py, seeded
hypothesis) run on the variant with every form (accounts), 2,500 examples each on SQLite and
500 each on PostgreSQL and MariaDB, which refuse other values than SQLite does. Each example
sends at least one request; hypothesis counts them. Every other variant runs the same tests
with a few examples in its own suite."""

import re
import subprocess

import pytest

from .support.rendering import render
from .support.services import DATABASES

EXAMPLES_PER_TEST = {"sqlite": 2500, "postgresql": 500, "mysql": 500}
FUZZ_TESTS = [
    "test_hostile_form_posts_are_refused_or_answered_never_failed",
    "test_any_path_query_and_method_is_answered_never_failed",
    "test_hostile_headers_cookies_and_queries_are_refused_or_answered_never_failed",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return render(tmp_path_factory.mktemp("fuzz") / "app")  # the defaults: accounts, e-mail


@pytest.fixture(params=sorted(EXAMPLES_PER_TEST))
def database(request):
    """The database the app's tests run on, by name, and its URL (none for SQLite in memory)."""
    if request.param == "sqlite":
        yield "sqlite", ""
        return
    with DATABASES[request.param]() as server:
        yield request.param, server.url


@pytest.mark.parametrize("name", FUZZ_TESTS)
def test_thousands_of_hostile_requests_get_no_5xx(name, project, venv, database):
    backend, url = database
    examples = EXAMPLES_PER_TEST[backend]
    result = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--hypothesis-show-statistics",
            f"tests/test_fuzz.py::{name}",
        ],
        cwd=project,
        env={
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "FUZZ_EXAMPLES": str(examples),
            "TEST_DATABASE_URL": url,
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    passing = sum(map(int, re.findall(r"(\d+) passing", result.stdout)))
    assert passing >= examples, result.stdout[-3000:]


def test_the_fuzz_tests_are_the_rendered_ones(project):
    source = (project / "tests" / "test_fuzz.py").read_text()
    assert set(re.findall(r"^def (test_\w+)", source, re.M)) == set(FUZZ_TESTS)
