"""The default variant's accounts in a real browser: Debian's Chromium, headless, at
https://localhost/ behind the nginx TLS front, trusting the test certificate for real. The app
runs as Heroku runs it (release command on a fresh PostgreSQL database, then the web command
under gunicorn with the platform's production settings) and sends its mail to a real SMTP
server that keeps it. One project per module; each test opens pages of its own and adds the
steps it needs."""

import re
import shlex
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .support.browser import (
    Chromium,
    Tab,
    chromium,
    presented_certificate,
    settle,
    spki_sha256,
    wait_for_csp_violation,
)
from .support.launch import launch_of
from .support.mailbox import Mailbox, links_in, mailbox
from .support.processes import Server, clean_env, run, serving
from .support.programs import require_program
from .support.rendering import answers_of, deployed_copy, render
from .support.services import Database, free_port, postgres_database
from .support.tls import AUTHORITY_NAME, make_test_certificates, tls_server
from .support.tls_front import HTTPS_PORT, tls_front

HOST = "localhost"


@dataclass
class Site:
    """The served app and what a test drives it with."""

    base_url: str  # https://localhost, no trailing slash
    mailbox: Mailbox  # every message the app sends
    browser: Chromium
    server: Server  # gunicorn, for its log
    database: Database
    project: Path  # the deployed copy, where the server runs
    package: str  # its Python package
    env: dict[str, str]  # the server's environment, for commands run beside it

    def url(self, path: str) -> str:
        return self.base_url + path

    def new_page(self) -> Tab:
        """A page in a browser context of its own: `page, problems = site.new_page()`."""
        return self.browser.new_page()


@pytest.fixture(scope="module")
def site(venv, tmp_path_factory) -> Iterator[Site]:
    require_program("chromium", "chromium")  # before the setting up, not after it
    root = tmp_path_factory.mktemp("browser")
    project = render(root / "project")  # the defaults: heroku, postgresql, smtp, accounts
    answers = answers_of(project)
    expected = {"platform": "heroku", "database": "postgresql", "email": "smtp", "auth": True}
    assert {question: answers[question] for question in expected} == expected
    pushed = deployed_copy(project, root / "pushed")
    launch = launch_of(pushed, venv)
    port = free_port()
    with mailbox() as box, postgres_database() as database:
        env = clean_env(
            venv,
            **launch.environment(
                SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
                # The local PostgreSQL has no TLS (Heroku's default is to require it).
                DATABASE_URL=database.url + "?sslmode=disable",
                PORT=str(port),
                GUNICORN_BIND=f"127.0.0.1:{port}",
                TRUSTED_HOSTS=HOST,
                MAIL_SERVER=box.host,
                MAIL_PORT=str(box.port),
                MAIL_USE_TLS="false",
                MAIL_USERNAME="",
                MAIL_PASSWORD="",
            ),
        )
        released = run(launch.release, pushed, env)
        assert released.returncode == 0, released.stdout + released.stderr
        with (
            serving(launch.start, pushed, env, port) as server,
            tls_front(port, root / "front") as authority,
        ):
            key = spki_sha256(presented_certificate(HOST, HTTPS_PORT, authority))
            with chromium([key]) as browser:
                yield Site(
                    f"https://{HOST}",
                    box,
                    browser,
                    server,
                    database,
                    pushed,
                    answers["package_name"],
                    env,
                )


@pytest.fixture
def new_page(site) -> Iterator:
    """site.new_page, with every context it opened closed after the test."""
    yield site.new_page
    site.browser.close_pages()


def fill_in(page, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)


def test_a_person_creates_an_account_signs_in_and_out(site, new_page):
    page, problems = new_page()
    home = page.goto(site.url("/"))
    assert home.status == 200
    assert page.evaluate("window.isSecureContext")
    details = home.security_details()  # the context waves no certificate error through
    assert (details["subjectName"], details["issuer"]) == (HOST, AUTHORITY_NAME)

    headers = home.all_headers()
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["content-security-policy"].split(";")
        if directive.strip()
    )
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_\-+/=]+)'", policy["script-src"])
    assert nonce, policy["script-src"]
    assert policy["default-src"] == "'none'"
    script = page.locator("script[src$='csrf.js']")
    assert script.evaluate("element => element.nonce") == nonce.group(1)
    assert headers["strict-transport-security"].startswith("max-age=31536000")

    username, password = f"u{uuid.uuid4().hex[:10]}", f"correct horse {uuid.uuid4().hex}"
    address = f"{username}@example.com"
    page.get_by_role("link", name="Create account").click()
    fill_in(
        page,
        {"Username": username, "E-mail": address, "Password": password},
    )
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_have_text("Your account is ready. You can sign in now.")
    assert page.url == site.url("/auth/login")
    assert site.database.rows(f"SELECT email FROM users WHERE username = '{username}'") == [
        (address,)
    ]

    fill_in(page, {"Username or e-mail": address, "Password": password})
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who")).to_have_text(username)
    assert page.url == site.url("/")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert set(cookies) == {"__Host-session"}
    session = cookies["__Host-session"]
    assert (session["secure"], session["httpOnly"], session["sameSite"]) == (True, True, "Lax")
    assert (session["domain"], session["path"]) == (HOST, "/")
    assert "__Host-session" not in page.evaluate("document.cookie")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.locator(".who")).to_have_count(0)

    settle(page)
    problems.assert_none()


def test_chromium_trusts_the_sites_key_alone(new_page, tmp_path):
    """A certificate for localhost from another test authority is refused: the browser
    trusts the site's key, not every certificate."""
    page, problems = new_page()
    with tls_server(make_test_certificates(tmp_path / "other"), free_port()) as port:
        address = f"https://{HOST}:{port}/"
        with pytest.raises(PlaywrightError, match="ERR_CERT_AUTHORITY_INVALID"):
            page.goto(address)
    assert problems.failed_requests == [f"GET {address}: net::ERR_CERT_AUTHORITY_INVALID"]


def test_the_recorder_catches_what_the_policy_blocks(site, new_page):
    tab = new_page()
    page, problems = tab
    page.goto(site.url("/auth/login"))
    settle(page)
    problems.assert_none()

    # An inline script with no nonce, and an image from another origin (on this machine).
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.head.appendChild(script);
          const image = document.createElement("img");
          image.src = "https://127.0.0.1:9/pixel.png";
          document.body.appendChild(image);
        }"""
    )
    wait_for_csp_violation(tab)
    settle(page)
    assert page.evaluate("window.injected") is None
    blocked = {(v["directive"], v["blocked"]) for v in problems.csp_violations}
    assert blocked == {("script-src-elem", "inline"), ("img-src", "https://127.0.0.1:9/pixel.png")}
    assert any("Content Security Policy" in error for error in problems.console_errors)
    with pytest.raises(AssertionError, match="CSP violations"):
        problems.assert_none()


def test_the_apps_mail_reaches_the_mailbox(site):
    """The app's own send_email, with the server's settings, delivers to the mailbox: the
    mail flows to come read their links from it."""
    address = f"m{uuid.uuid4().hex[:10]}@example.com"
    link = site.url(f"/auth/check/{uuid.uuid4().hex}")
    code = (
        f"from {site.package} import create_app\n"
        f"from {site.package}.email import send_email\n"
        "with create_app().app_context():\n"
        f"    send_email([{address!r}], 'Check the mail', 'Open {link} to go on.')\n"
    )
    sent = run(f"python -c {shlex.quote(code)}", site.project, site.env)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    message = site.mailbox.wait_for(to=address, subject_contains="Check")
    assert links_in(message) == [link]
