"""Every "at most N" and "only once" under requests that arrive at the same moment.

As production serves them: gunicorn with two workers of four threads each, on PostgreSQL,
MariaDB and a SQLite file, a burst of wrong passwords for one account, more than the
threshold and all sent at once, gets LOCKOUT_THRESHOLD password checks and no more (the
audit log tells checks from refusals), one lock, and the right password refused after it.
And the rendered app's own race tests (`pytest -m race`: one TOTP code, recovery code,
reset link and confirmation link used by many at once) pass on PostgreSQL and MariaDB."""

import re
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .support.accounts import WRONG_PASSWORD, sign_in_form
from .support.launch import launch_of
from .support.platforms import client_address, sqlite_database
from .support.processes import clean_env, run, serving
from .support.rendering import answers_of, deployed_copy, render
from .support.services import DATABASES, free_port

KINDS = ["postgresql", "mysql", "sqlite"]
THRESHOLD = 5  # LOCKOUT_THRESHOLD's default
BURST = 16  # twice the server's threads: some wait in the queue, as under a real attack
PASSWORD = "an unusual passphrase for alice"
RACES = ["-m", "race", "-rA"]  # the rendered app's race tests, and a line for each result
FAILED = b"Wrong username, e-mail address or password."
ALICE_FAILURES = (
    "SELECT a.detail FROM audit_events a JOIN users u ON u.id = a.user_id "
    "WHERE u.username = 'alice' AND a.event = '{event}'"
)


def fresh_database(kind: str, folder):
    if kind == "sqlite":
        return sqlite_database(folder, f"app_{uuid.uuid4().hex[:8]}")
    return DATABASES[kind]()


def url_of(database, kind: str) -> str:
    return database.url + ("?sslmode=disable" if kind == "postgresql" else "")


def posted_at_once(server, forms) -> list:
    """Post each (form, headers) from a thread of its own, all released at the same moment."""
    barrier = threading.Barrier(len(forms), timeout=30)

    def post(form_and_headers):
        barrier.wait()
        return server.post_form("/auth/login", *form_and_headers)

    with ThreadPoolExecutor(len(forms)) as pool:
        return list(pool.map(post, forms))


@pytest.mark.parametrize("kind", KINDS)
def test_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_threshold(kind, venv, tmp_path):
    answers = {"platform": "vps", "database": kind, "totp": True, "redis": False, "email": "none"}
    app = deployed_copy(render(tmp_path / "project", **answers), tmp_path / "srv")
    package = answers_of(app)["package_name"]
    launch = launch_of(app, venv)
    port = free_port()
    with fresh_database(kind, tmp_path / "data") as database:
        env = clean_env(
            venv,
            **launch.environment(
                SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
                DATABASE_URL=url_of(database, kind),
                GUNICORN_BIND=f"127.0.0.1:{port}",
                WEB_CONCURRENCY="2",
                GUNICORN_THREADS="4",
            ),
        )
        for command in (
            launch.release,
            f"flask --app {package} create-admin --username alice --email alice@example.com",
        ):
            result = run(command, app, {**env, "ADMIN_PASSWORD": PASSWORD})
            assert result.returncode == 0, result.stdout + result.stderr
        with serving(launch.start, app, env, port) as server:
            # Each from an address of its own: the per-address rate limit is not under test.
            forms = [sign_in_form(server, client_address(), "alice") for _ in range(BURST)]
            burst = posted_at_once(server, forms)
            right = server.post_form(
                "/auth/login", *sign_in_form(server, client_address(), "alice", PASSWORD)
            )
            log = server.output()
        failures = [row[0] for row in database.rows(ALICE_FAILURES.format(event="sign_in_failed"))]
        locks = database.rows(ALICE_FAILURES.format(event="account_locked"))

    assert [response.status for response in burst] == [200] * BURST
    assert all(FAILED in response.body for response in burst)
    assert (right.status, FAILED in right.body) == (200, True), "signed in while locked"
    checked = [detail for detail in failures if detail == ""]
    assert len(checked) == THRESHOLD, failures
    assert sorted(failures) == [""] * THRESHOLD + ["account locked"] * (BURST + 1 - THRESHOLD)
    assert len(locks) == 1
    assert "Traceback" not in log
    assert WRONG_PASSWORD not in log


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_the_rendered_race_tests_pass_on_a_database_server(kind, venv, tmp_path):
    project = render(tmp_path / "app", database=kind, totp=True)
    with DATABASES[kind]() as database:
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *RACES],
            cwd=project,
            env=clean_env(venv, TEST_DATABASE_URL=database.url),
            capture_output=True,
            text=True,
            timeout=300,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    passed = re.findall(r"^PASSED tests/(\S+)", result.stdout, re.M)
    assert {name.split("::")[0] for name in passed} == {
        "test_lockout.py",
        "test_two_factor.py",
        "test_account_emails.py",
    }, output[-6000:]
    assert "skipped" not in result.stdout
