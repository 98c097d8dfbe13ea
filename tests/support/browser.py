"""Debian's Chromium, headless, driven by Playwright (its sync API; Playwright's own browser
builds are never installed). It trusts the test server's certificate for real, by the
SHA-256 of the certificate's public key (--ignore-certificate-errors-spki-list): that server
loads as any HTTPS site does, while any other certificate is refused, and no context is told
to ignore certificate errors. Every page records what went wrong in it: console errors,
uncaught page errors, failed requests and Content-Security-Policy violations. A missing
Chromium skips the test, naming the package; under REQUIRE_SERVICES=1 (as in CI) it fails
instead."""

import base64
import hashlib
import socket
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from .programs import require_program

ARGUMENTS = [
    "--headless",
    "--no-sandbox",  # root, in a container: Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000  # for each action and navigation

# Runs in every document before its own scripts (an init script, which the page's CSP does
# not govern) and hands each violation to Python at once, through a binding.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    document: event.documentURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    disposition: event.disposition,
  });
});
"""


def spki_sha256(certificate_der: bytes) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)): how Chromium names a key it is told to trust."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def presented_certificate(host: str, port: int, authority: Path) -> bytes:
    """The certificate the server at host:port presents, verified against authority alone
    (DER)."""
    context = ssl.create_default_context(cafile=str(authority))
    with (
        socket.create_connection((host, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.getpeercert(binary_form=True)


@dataclass
class Problems:
    """What went wrong in the pages of one browser context, in the order it happened."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    csp_violations: list[dict] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        context.on("requestfailed", self._on_request_failed)
        context.expose_binding(
            "__reportCspViolation", lambda source, report: self.csp_violations.append(report)
        )
        context.add_init_script(REPORT_CSP_VIOLATIONS)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            self.console_errors.append(f"{message.text} ({where['url']}:{where['lineNumber']})")

    def _on_request_failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def found(self) -> dict[str, list]:
        kinds = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "failed requests": self.failed_requests,
            "CSP violations": self.csp_violations,
        }
        return {kind: list(found) for kind, found in kinds.items() if found}

    def assert_none(self) -> None:
        found = self.found()
        assert not found, "the browser saw problems:\n" + "\n".join(
            f"{kind}:\n" + "\n".join(f"  - {item}" for item in items)
            for kind, items in found.items()
        )


class Tab(NamedTuple):
    page: Page
    problems: Problems


@dataclass
class Chromium:
    """A headless Chromium that trusts the keys it was given. new_page() opens a page in a
    context of its own (cookies, storage): `page, problems = chromium.new_page()`."""

    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)

    def new_page(self) -> Tab:
        context = self.browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        problems = Problems()
        problems.watch(context)
        self.contexts.append(context)
        return Tab(context.new_page(), problems)

    def close_pages(self) -> None:
        """Close every context new_page opened (and so its pages and cookies)."""
        while self.contexts:
            self.contexts.pop().close()


def settle(page: Page, seconds: float = 0.2) -> None:
    """Let the page's pending events (a violation is reported in a task of its own) reach
    Python before the problems are read."""
    page.wait_for_timeout(seconds * 1000)


def wait_for_csp_violation(tab: Tab, timeout: float = 5) -> dict:
    """The first CSP violation the tab recorded, waiting for it up to timeout seconds."""
    deadline = time.monotonic() + timeout
    while not tab.problems.csp_violations:
        assert time.monotonic() < deadline, f"no CSP violation within {timeout} s"
        tab.page.wait_for_timeout(50)
    return tab.problems.csp_violations[0]


@contextmanager
def chromium(trusted_keys: list[str]):
    """Yield a Chromium for which each of trusted_keys (spki_sha256 of a server certificate)
    is as good as a certificate from a public authority. Playwright gives it a new, empty
    profile (user data directory), removed afterwards."""
    executable = require_program("chromium", "chromium")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=[
                    *ARGUMENTS,
                    "--ignore-certificate-errors-spki-list=" + ",".join(trusted_keys),
                ],
            )
        except PlaywrightError as error:
            raise RuntimeError(f"{executable} did not start under Playwright: {error}") from error
        driver = Chromium(browser)
        try:
            yield driver
        finally:
            driver.close_pages()
            browser.close()
