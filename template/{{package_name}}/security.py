"""The HTTP security layer: proxy trust, HTTPS, headers with a strict CSP, cookies, the
filter that refuses text no page takes, and the check that keeps redirects on this site.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import re
from contextlib import suppress
from itertools import chain
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, jsonify, request, session
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from . import extend
from .extensions import talisman

# Nothing loads unless listed; pages use files from this site only, and inline code runs
# only with the request's nonce (csp_nonce() in templates).
CONTENT_SECURITY_POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}

PERMISSIONS_POLICY = {
    "browsing-topics": "()",
    "camera": "()",
    "geolocation": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}

CROSS_ORIGIN_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def init_security(app: Flask) -> None:
    trust_proxies(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        force_https_permanent=True,
        frame_options="DENY",
        strict_transport_security=True,
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE"],
        strict_transport_security_include_subdomains=True,
        content_security_policy=content_security_policy(extend.CSP_SOURCES),
        content_security_policy_nonce_in=["script-src", "style-src"],
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        x_xss_protection=False,
    )
    app.after_request(add_cross_origin_headers)
    app.after_request(limit_session_lifetime)
    app.teardown_request(drain_unread_body)
    app.add_url_rule("/csrf-token", "csrf_token", hand_out_csrf_token)


def content_security_policy(extra_sources: dict[str, list[str]]) -> dict[str, str]:
    """CONTENT_SECURITY_POLICY with extra_sources (extend.py) added to their directives."""
    policy = dict(CONTENT_SECURITY_POLICY)
    for directive, sources in extra_sources.items():
        own = [source for source in policy.get(directive, "").split() if source != "'none'"]
        policy[directive] = " ".join([*own, *sources])
    return policy


def hand_out_csrf_token() -> Response:
    """The session's CSRF token, for static/js/csrf.js on a page without a form (which makes
    no session, so carries no token). Only this site's pages can read it (same-origin)."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Port from exactly the proxies the platform puts in
    front, so that request.remote_addr and request.is_secure are the client's."""
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count:
        x_for = count + app.config["FORWARDED_FOR_EXTRA"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=count, x_port=count)


def add_cross_origin_headers(response: Response) -> Response:
    for name, value in CROSS_ORIGIN_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def limit_session_lifetime(response: Response) -> Response:
    """Give every session cookie an expiry (PERMANENT_SESSION_LIFETIME)."""
    if session.modified and not session.permanent:
        session.permanent = True
    return response


def drain_unread_body(error: BaseException | None = None) -> None:
    """Read what is left of a body the app did not read (a form posted to a page that takes
    none, say), up to MAX_CONTENT_LENGTH. A server that closes the connection over unread
    data resets it, and a proxy still sending the body then answers 502 instead of our 4xx."""
    length = request.content_length
    if not length or length > current_app.config["MAX_CONTENT_LENGTH"]:
        return
    # A client that has gone needs no answer. Werkzeug raises RequestEntityTooLarge on a read
    # past a body of exactly MAX_CONTENT_LENGTH, which by then has been read to its end.
    with suppress(ClientDisconnected, RequestEntityTooLarge, OSError):
        while request.stream.read(64 * 1024):
            pass


# Text no page takes: C0 controls but tab, DEL, and lone surrogates, which no UTF-8 text can
# hold and every database driver refuses. Line breaks are text only in a form's fields.
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff"
NOT_IN_A_FIELD = re.compile(f"[{CONTROL_CHARACTERS}]")
NOT_ON_ONE_LINE = re.compile(f"[{CONTROL_CHARACTERS}\n\r]")
# gunicorn's limits on a request line and on a header: what passes a server and nothing more.
MAX_URL_LENGTH = 4094
MAX_HEADER_LENGTH = 8190
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# What RFC 6265 lets a cookie hold; browsers never send more.
COOKIE_TEXT = re.compile(r"[\x21-\x7e]*")


def refuse_unnamed_form_fields() -> None:
    """A multipart part whose name cannot be parsed (name="\\") becomes a field named None,
    which crashes Flask-WTF's CSRF check into a 500. Refuse such a request as bad first."""
    if request.method in BODY_METHODS and None in request.form:
        abort(400, "The form has a field without a name.")


def refuse_text_no_page_takes() -> None:
    """Answer 400 to a request whose path, query, headers, cookies or fields hold control
    characters or lone surrogates, or run past what a server passes on, before any code reads
    them: parsers and database drivers fail on such text, which would be a 500."""
    ignore_cookies_no_browser_sends()
    url = [request.full_path, *chain.from_iterable(request.args.items(multi=True))]
    headers = [*chain.from_iterable(request.headers.items())]
    if not (fit_on_a_line(url, MAX_URL_LENGTH) and fit_on_a_line(headers, MAX_HEADER_LENGTH)):
        abort(400, "The request holds characters no page takes.")
    if request.scheme not in {"http", "https"}:  # from X-Forwarded-Proto, through ProxyFix
        abort(400, "X-Forwarded-Proto names no scheme this site is served by.")
    if not referrer_and_origin_are_urls():
        abort(400, "The Referer or Origin header is not a URL.")
    if request.method in BODY_METHODS:
        fields = form_fields()
        if fields is None or NOT_IN_A_FIELD.search("\t".join(fields)):
            abort(400, "The form holds characters or values no field takes.")


def ignore_cookies_no_browser_sends() -> None:
    """Drop cookies with text outside RFC 6265's, as if never sent: a corrupt cookie then
    costs its sender a cookie, not an error that every page, error pages too, would hit
    again (Flask-Login's remember cookie raises on non-ASCII text)."""
    cookies = request.cookies
    kept = [
        (name, value)
        for name, value in cookies.items(multi=True)
        if COOKIE_TEXT.fullmatch(name) and COOKIE_TEXT.fullmatch(value)
    ]
    if len(kept) != len(cookies):
        request.cookies = ImmutableMultiDict(kept)


def fit_on_a_line(texts: list[str], longest: int) -> bool:
    """No text is longer than longest or holds what a line may not. They are searched as one,
    joined by a tab, which a line (and a field) may hold."""
    within = max(map(len, texts), default=0) <= longest
    return within and NOT_ON_ONE_LINE.search("\t".join(texts)) is None


def referrer_and_origin_are_urls() -> bool:
    """Flask-WTF compares the Referer's origin with this site's over HTTPS: one that cannot be
    parsed ("https://[", a port that is not a number) would raise there."""
    try:
        for url in (request.referrer, request.origin):
            if url:
                urlsplit(url).port  # noqa: B018 (reading the port parses it)
    except ValueError:
        return False
    return True


def form_fields() -> list[str] | None:
    """The names and values a form reads from the body. Flask-WTF reads a JSON body as the
    form: an object of text, or of lists of text, as a browser's form sends; None for JSON of
    another shape, which would crash a form's validators."""
    if not request.is_json:
        return [text for pair in request.form.items(multi=True) for text in pair]
    body = request.get_json(silent=True)
    if body is None:
        return []  # not JSON at all: the view's get_json() answers 400
    if not isinstance(body, dict):
        return None
    values = [value for item in body.values() for value in as_list(item)]
    if not all(isinstance(value, str) for value in values):
        return None
    return [*body, *values]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def limits_are_shared(config) -> bool:
    """Whether rate-limit counters live in a storage every process shares (not in memory)."""
    return not config["RATELIMIT_STORAGE_URI"].startswith("memory:")


def warn_if_limits_are_per_process(app: Flask) -> None:
    """In-memory rate limits are counted by each worker process on its own, so N workers
    let N times the limit through. Say so at start-up, where the operator looks."""
    workers = app.config["WEB_CONCURRENCY"]
    if not limits_are_shared(app.config) and workers > 1 and not (app.debug or app.testing):
        app.logger.warning(
            "Rate limits are kept in memory by each of the %d worker processes, so each "
            "process counts on its own. Point them at a shared storage such as Redis "
            "(see RATELIMIT_STORAGE_URI in .env.example).",
            workers,
        )


def is_safe_redirect(target: str | None) -> bool:
    """True only for a path on this site: "/account", not "//evil.com", "https:evil.com",
    "/\\evil.com" or anything with a scheme, a host, a backslash or a control character."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
