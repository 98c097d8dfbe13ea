"""A browser's part over HTTPS, for tests that need a signed-in session: a cookie jar, the
CSRF token of each form it fills in, the Referer a browser sends, redirects followed."""

import re
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

CSRF_FIELD = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Page:
    url: str  # after redirects
    status: int
    body: str


class SiteClient:
    def __init__(self, base_url: str, authority: Path):
        self.base_url = base_url
        self.cookies = CookieJar()
        context = ssl.create_default_context(cafile=str(authority))
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.cookies),
        )

    def get(self, path_or_url: str) -> Page:
        return self._open(urllib.request.Request(self._url(path_or_url)))

    def submit(self, path: str, fields: dict[str, str]) -> Page:
        """Fill in the form at path, as a browser does: its CSRF token, then a POST."""
        form = self._open(urllib.request.Request(self._url(path)))
        token = CSRF_FIELD.search(form.body.encode())
        assert token, f"no CSRF token in the form at {path}"
        body = urlencode({"csrf_token": token.group(1).decode(), **fields}).encode()
        request = urllib.request.Request(
            self._url(path),
            data=body,
            headers={"Referer": form.url, "Content-Type": "application/x-www-form-urlencoded"},
        )
        return self._open(request)

    def cookie_header(self) -> str:
        """The Cookie header the jar sends to the site."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)

    def _url(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else self.base_url + path_or_url

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self._opener.open(request, timeout=20) as response:
                return Page(response.url, response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Page(error.url, error.code, error.read().decode(errors="replace"))
