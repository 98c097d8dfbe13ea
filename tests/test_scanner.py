"""The boot tier under attack: a web vulnerability scanner (wapiti) crawls and attacks a
served app, first as a stranger, then signed in to an account the test creates and confirms
by e-mail; then sqlmap tries SQL injection in the sign-in, registration and reset forms. The
app runs as its platform runs it (the static files' build, the release command on a fresh
database, the start command under gunicorn, production settings, behind a TLS front): the
default variant (Heroku, PostgreSQL), and a server of one's own with two-factor sign-in on
MariaDB. Any answer of 500 or above that a scanner provokes fails the test, as does anything
wapiti classes as a vulnerability or sqlmap finds injectable. Each scan is bounded in time."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from .support.launch import launch_of
from .support.mailbox import Mailbox, links_in, mailbox
from .support.processes import Server, clean_env, run, serving
from .support.rendering import answers_of, deployed_copy, render
from .support.scanners import Front, scanner_venv, scanning_front, sqlmap, wapiti
from .support.services import DATABASES, REDIS, free_port, require
from .support.site_client import SiteClient

VARIANTS = {
    "default": {},  # heroku, postgresql, smtp, accounts, redis
}
# What no scan may follow: signing out would end the signed-in scan's session.
NOT_CRAWLED = ("/auth/logout",)
SQLMAP_DBMS = {"postgresql": "PostgreSQL", "mysql": "MySQL"}


@dataclass
class Site:
    front: Front
    server: Server  # gunicorn, for its access log and tracebacks
    mailbox: Mailbox
    dbms: str  # the database's name for sqlmap


@pytest.fixture(scope="module", params=list(VARIANTS))
def site(request, venv, tmp_path_factory) -> Iterator[Site]:
    require("Redis", REDIS)
    scanner_venv()  # built (or skipped for) before the app is set up
    root = tmp_path_factory.mktemp(request.param)
    project = render(root / "project", **VARIANTS[request.param])
    answers = answers_of(project)
    assert answers["auth"] is True
    pushed = deployed_copy(project, root / "pushed")
    launch = launch_of(pushed, venv)
    port = free_port()
    kind = answers["database"]
    with mailbox() as box, DATABASES[kind]() as database:
        env = clean_env(
            venv,
            **launch.environment(
                SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
                # The local PostgreSQL has no TLS (the platforms' default is to require it).
                DATABASE_URL=database.url + ("?sslmode=disable" if kind == "postgresql" else ""),
                REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
                PORT=str(port),
                GUNICORN_BIND=f"127.0.0.1:{port}",
                **box.app_settings(),
                # The web process sends its mail itself: tests/test_jobs.py runs the worker.
                JOBS_RUN_AT_ONCE="true",
            ),
        )
        built = run(launch.build, pushed, env)  # the static files, as WhiteNoise serves them
        assert built.returncode == 0, built.stdout + built.stderr
        released = run(launch.release, pushed, env)
        assert released.returncode == 0, released.stdout + released.stderr
        with (
            serving(launch.start, pushed, env, port) as server,
            scanning_front(port, root / "front") as front,
        ):
            yield Site(front, server, box, SQLMAP_DBMS[kind])


def confirmed_account(site: Site) -> SiteClient:
    """A new account, registered and confirmed as its owner would, signed in."""
    client = SiteClient(site.front.base_url, site.front.authority)
    username, password = f"u{uuid.uuid4().hex[:10]}", f"correct horse {uuid.uuid4().hex}"
    address = f"{username}@example.com"
    registered = client.submit(
        "/auth/register",
        {"username": username, "email": address, "password": password, "password2": password},
    )
    assert registered.status == 200 and "Open the link we sent you" in registered.body
    message = site.mailbox.wait_for(to=address, subject_contains="Confirm your e-mail address")
    [link] = [link for link in links_in(message) if "/auth/confirm/" in link]
    confirmed = client.submit(urlsplit(link).path, {"password": password})
    assert "Your address is confirmed" in confirmed.body, confirmed.body
    signed_in = client.submit("/auth/login", {"login": username, "password": password})
    assert username in signed_in.body, signed_in.body
    return client


class Window:
    """What the site answers and logs from now on (its server serves the whole module)."""

    def __init__(self, site: Site):
        self.site = site
        self.answers_from = len(site.front.answers())
        self.output_from = len(site.server.output())

    def answers(self) -> list[tuple[int, str]]:
        return self.site.front.answers()[self.answers_from :]

    def assert_no_server_error(self) -> None:
        errors = [(status, request) for status, request in self.answers() if status >= 500]
        logged = self.site.server.output()[self.output_from :]
        traceback = logged[logged.find("Traceback") :][:6000] if "Traceback" in logged else ""
        assert not errors, f"{len(errors)} answers of 5xx, e.g. {errors[:5]}:\n{traceback}"
        assert not traceback, traceback


def test_wapiti_finds_nothing_as_a_stranger(site, tmp_path):
    window = Window(site)
    report = wapiti(site.front, tmp_path / "wapiti", excluded=NOT_CRAWLED)
    window.assert_no_server_error()
    assert report.findings() == {}, report.described()
    assert report.crawled > 5, "the crawl found almost nothing: is the front answering?"


def test_wapiti_finds_nothing_signed_in(site, tmp_path):
    client = confirmed_account(site)
    window = Window(site)
    report = wapiti(
        site.front, tmp_path / "wapiti", cookie=client.cookie_header(), excluded=NOT_CRAWLED
    )
    window.assert_no_server_error()
    assert report.findings() == {}, report.described()
    # The scan really was signed in: it reached the account page, which sends strangers away.
    scanned = window.answers()
    assert any(status == 200 and " /auth/account " in request for status, request in scanned)
    assert client.get("/auth/account").status == 200, "the session did not survive the scan"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/auth/login", {"login": "someone", "password": "a password"}),
        (
            "/auth/register",
            {"username": "someone", "email": "a@example.com", "password": "p", "password2": "p"},
        ),
        ("/auth/reset", {"email": "someone@example.com"}),
    ],
)
def test_sqlmap_finds_no_injection(site, tmp_path, path, fields):
    window = Window(site)
    result = sqlmap(site.front, path, fields, site.dbms, tmp_path / "sqlmap")
    window.assert_no_server_error()
    assert result.injections == ""
    assert result.finished, result.output[-4000:]
