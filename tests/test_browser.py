"""The default variant's accounts in a real browser: Debian's Chromium, headless, at
https://localhost/ behind the nginx TLS front, trusting the test certificate for real. The app
runs as Heroku runs it (the buildpack's static files' build, the release command on a fresh
PostgreSQL database, then the web command
under gunicorn with the platform's production settings) and sends its mail to a real SMTP
server that keeps it. One project per module; each test opens pages of its own and adds the
steps it needs."""

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
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
from .support.services import REDIS, Database, free_port, postgres_database, require
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
    # The defaults (heroku, postgresql, smtp, accounts), with two-factor sign-in on.
    project = render(root / "project", totp=True)
    answers = answers_of(project)
    expected = {
        "platform": "heroku",
        "database": "postgresql",
        "email": "smtp",
        "auth": True,
        "totp": True,
    }
    assert {question: answers[question] for question in expected} == expected
    pushed = deployed_copy(project, root / "pushed")
    launch = launch_of(pushed, venv)
    port = free_port()
    require("Redis", REDIS)  # the variant uses Redis: production refuses to start without it
    with mailbox() as box, postgres_database() as database:
        env = clean_env(
            venv,
            **launch.environment(
                SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
                # The local PostgreSQL has no TLS (Heroku's default is to require it).
                DATABASE_URL=database.url + "?sslmode=disable",
                PORT=str(port),
                GUNICORN_BIND=f"127.0.0.1:{port}",
                SITE_URL=f"https://{HOST}",  # where the links in its e-mail lead
                REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
                # Counted afresh on every run: the registrations of earlier runs stay
                # within the hour's limit of a shared storage.
                RATELIMIT_STORAGE_URI="memory://",
                # Planned maintenance, announced on every page.
                MAINTENANCE_START_DATE="2999-03-03T15:00+01:00",
                MAINTENANCE_END_DATE="2999-03-03T15:00Z",
                **box.app_settings(),
                # The web process sends its mail itself: tests/test_jobs.py runs the worker.
                JOBS_RUN_AT_ONCE="true",
            ),
        )
        built = run(launch.build, pushed, env)
        assert built.returncode == 0, built.stdout + built.stderr
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


def assert_served_securely(page, response) -> None:
    """The page came over trusted TLS with the real headers: a CSP whose script nonce the
    page's own script carries, and HSTS for a year."""
    assert page.evaluate("window.isSecureContext")
    details = response.security_details()  # the context waves no certificate error through
    assert (details["subjectName"], details["issuer"]) == (HOST, AUTHORITY_NAME)
    headers = response.all_headers()
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["content-security-policy"].split(";")
        if directive.strip()
    )
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_\-+/=]+)'", policy["script-src"])
    assert nonce, policy["script-src"]
    assert policy["default-src"] == "'none'"
    script = page.locator("script[src*='/static/js/csrf.']")  # csrf.<hash>.js
    assert script.evaluate("element => element.nonce") == nonce.group(1)
    assert headers["strict-transport-security"].startswith("max-age=31536000")


def assert_session_cookie_only(page) -> None:
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert set(cookies) == {"__Host-session"}
    session = cookies["__Host-session"]
    assert (session["secure"], session["httpOnly"], session["sameSite"]) == (True, True, "Lax")
    assert (session["domain"], session["path"]) == (HOST, "/")
    assert "__Host-session" not in page.evaluate("document.cookie")


def sign_in(page, login: str, password: str, remember: bool = False) -> None:
    if not page.url.endswith("/auth/login"):
        page.get_by_role("link", name="Sign in").click()
    fill_in(page, {"Username or e-mail": login, "Password": password})
    if remember:
        page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()


def sign_in_when_allowed(site, page, login: str, password: str, remember: bool) -> None:
    """sign_in, after waiting out the sign-in rate limit if an earlier test spent it."""
    page.goto(site.url("/auth/login"))
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        sign_in(page, login, password, remember)
    if answer.value.status == 429:
        time.sleep(int(answer.value.headers["retry-after"]) + 1)
        page.goto(site.url("/auth/login"))
        sign_in(page, login, password, remember)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.locator(".who")).to_have_count(0)


def open_link(site, page, address: str, subject: str, path: str) -> None:
    """Open the link to path in the latest mail to address about subject."""
    message = site.mailbox.wait_for(to=address, subject_contains=subject)
    [link] = [link for link in links_in(message) if link.startswith(site.url(path))]
    page.goto(link)


def test_a_person_signs_up_confirms_turns_on_two_factor_and_resets_the_password(site, new_page):
    page, problems = new_page()
    home = page.goto(site.url("/"))
    assert home.status == 200
    assert_served_securely(page, home)

    username, password = f"u{uuid.uuid4().hex[:10]}", f"correct horse {uuid.uuid4().hex}"
    address = f"{username}@example.com"
    page.get_by_role("link", name="Create account").click()
    fill_in(page, {"Username": username, "E-mail": address, "New password": password})
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Open the link we sent you")

    sign_in(page, address, password)  # before confirming: refused
    expect(page.get_by_role("status")).to_contain_text("Confirm your e-mail address first")
    open_link(site, page, address, "Confirm your e-mail address", "/auth/confirm/")
    fill_in(page, {"Password": password})  # the link proves the address, the password the account
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your address is confirmed. You can sign in now."
    )

    sign_in(page, address, password)
    expect(page.locator(".who")).to_have_text(username)
    assert_session_cookie_only(page)

    page.locator(".who").click()  # the account page
    page.get_by_role("link", name="Turn on two-factor sign-in").click()
    assert page.locator(".qr svg").is_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    site.mailbox.wait_for(to=address, subject_contains="Two-factor sign-in is on")
    sign_out(page)

    sign_in(page, username, password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the code used to turn it on is spent
    page.get_by_label("Code", exact=True).fill(next_code)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".who")).to_have_text(username)
    sign_out(page)

    new_password = f"battery staple {uuid.uuid4().hex}"
    page.goto(site.url("/auth/login"))
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(address)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("a link is on its way")
    open_link(site, page, address, "Reset your password", "/auth/reset/")
    fill_in(page, {"New password": new_password, "Repeat password": new_password})
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_have_text("Your password is set. Sign in with it now.")
    site.mailbox.wait_for(to=address, subject_contains="Your password was reset")
    sign_in(page, username, new_password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()

    events = site.database.rows(
        "SELECT event FROM audit_events JOIN users ON users.id = audit_events.user_id "
        f"WHERE users.username = '{username}' ORDER BY audit_events.id"
    )
    assert [event for (event,) in events] == [
        "account_created",
        "email_confirmed",
        "sign_in",
        "second_factor_enabled",
        "sign_out",
        "sign_in",
        "sign_out",
        "password_reset_requested",
        "password_reset",
    ]
    settle(page)
    problems.assert_none()


def sign_up_and_confirm(site, page) -> tuple[str, str]:
    """A new confirmed account, made through the pages: (its username, its password)."""
    username, password = f"u{uuid.uuid4().hex[:10]}", f"correct horse {uuid.uuid4().hex}"
    address = f"{username}@example.com"
    page.goto(site.url("/auth/register"))
    fill_in(page, {"Username": username, "E-mail": address, "New password": password})
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    open_link(site, page, address, "Confirm your e-mail address", "/auth/confirm/")
    fill_in(page, {"Password": password})
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Your address is confirmed")
    return username, password


def cookie_names(page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def test_keep_me_signed_in_ends_at_sign_out_and_from_another_device(site, new_page):
    """Chromium deletes the __Host- remember cookie at sign-out (the deletion is Secure, as
    the browser requires), and a sign-out ended on the server stays ended: the next page, in
    the browser signed out from another device, is signed out too."""
    laptop, _ = new_page()
    phone, _ = new_page()
    username, password = sign_up_and_confirm(site, laptop)
    sign_in_when_allowed(site, laptop, username, password, remember=True)
    expect(laptop.locator(".who")).to_have_text(username)
    sign_in_when_allowed(site, phone, username, password, remember=True)
    expect(phone.locator(".who")).to_have_text(username)
    assert {"__Host-session", "__Host-remember_token"} <= cookie_names(phone)

    phone.goto(site.url("/auth/account"))
    rows = phone.locator("#sign-ins tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="This device")).to_contain_text("Chrome on Linux")
    phone.get_by_role("button", name="Sign out everywhere else").click()
    expect(phone.get_by_role("status")).to_have_text("You are signed out everywhere else.")
    expect(rows).to_have_count(1)
    laptop.reload()  # its cookies are still there; the sign-in they name has ended
    expect(laptop.locator(".who")).to_have_count(0)
    assert "__Host-remember_token" in cookie_names(laptop)

    sign_out(phone)
    assert "__Host-remember_token" not in cookie_names(phone)
    phone.goto(site.url("/auth/account"))
    expect(phone).to_have_url(re.compile(r"/auth/login\?next="))
    expect(phone.locator(".who")).to_have_count(0)


def test_the_planned_maintenance_banner_is_styled_by_the_stylesheet_alone(site, new_page):
    page, problems = new_page()
    page.goto(site.url("/auth/login"))
    banner = page.get_by_role("note")
    expect(banner).to_have_text(
        "Planned maintenance from 14:00 UTC on 3 March 2999 until 15:00 UTC."
    )
    assert banner.evaluate("element => getComputedStyle(element).backgroundColor") == (
        "rgb(255, 244, 214)"  # app.css's .maintenance-banner, with no inline style
    )
    settle(page)
    problems.assert_none()


def test_the_page_loads_its_hashed_static_files_compressed_with_no_violation(site, new_page):
    page, problems = new_page()
    static = []
    page.on(
        "response", lambda response: static.append(response) if "/static/" in response.url else None
    )
    page.goto(site.url("/"))
    expect(page.locator("header.site-header")).to_be_visible()
    settle(page)
    problems.assert_none()
    kinds = {response.url.rsplit(".", 1)[-1] for response in static}
    assert {"css", "js"} <= kinds, [response.url for response in static]
    for response in static:
        assert re.search(r"/static/.+\.[0-9a-f]{12}\.[a-z]+$", response.url), response.url
        headers = response.all_headers()
        assert response.status == 200, response.url
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        if not response.url.endswith(".svg"):
            assert headers["content-encoding"] == "br", "Chromium takes Brotli over HTTPS"
    applied = page.evaluate("getComputedStyle(document.querySelector('header')).display")
    assert applied == "flex", "the stylesheet styles the header"


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
