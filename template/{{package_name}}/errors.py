"""Error pages: every HTTP error answers with a short page (or JSON, when the client asks
for JSON) that says what went wrong in general terms and never shows internals.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import math
import time

from flask import Flask, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    ServiceUnavailable,
    TooManyRequests,
)

from .extensions import db, limiter

GENERIC_SERVER_ERROR = "Something went wrong on our side. It has been logged; please try again."
DATABASE_UNAVAILABLE = "The service is briefly unavailable. Please try again in a minute."
VALUE_REFUSED = "The form holds a value that cannot be stored. Please change it and try again."
RETRY_AFTER_SECONDS = 30


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(TooManyRequests, handle_too_many_requests)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(DataError, handle_value_refused)


def wants_json() -> bool:
    accepted = request.accept_mimetypes
    return accepted.accept_json and not accepted.accept_html


def error_response(error: HTTPException, description: str):
    code = error.code or 500
    # Keep headers the error carries (Allow on 405, Retry-After on 429).
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        body = jsonify(error=error.name, status=code, description=description)
        return body, code, headers
    page = render_template(
        "errors/error.html",
        code=code,
        name=error.name,
        description=description,
        # A Host that Flask's own TRUSTED_HOSTS refuses leaves no URL adapter: no url_for.
        links=request_ctx.url_adapter is not None,
    )
    return page, code, headers


def handle_http_error(error: HTTPException):
    return error_response(error, error.description or "")


def handle_too_many_requests(error: TooManyRequests):
    """Over a rate limit: the answer says when to come back. Flask-Limiter adds no headers to
    responses here (RATELIMIT_HEADERS_ENABLED in config.py), so Retry-After is set here."""
    if error.retry_after is None:
        error.retry_after = seconds_until_the_limit_resets()
    return error_response(error, error.description or "")


def seconds_until_the_limit_resets() -> int:
    breached = limiter.current_limit
    try:
        resets_at = breached.window.reset_time if breached else None  # reset_at adds a second
    except Exception:  # the storage failed while asked: a window's worth is a safe answer
        resets_at = None
    if resets_at is None:
        return RETRY_AFTER_SECONDS
    return max(1, math.ceil(resets_at - time.time()))


def handle_server_error(error: InternalServerError):
    db.session.rollback()  # a failed request leaves nothing half-written for the next one
    return error_response(error, GENERIC_SERVER_ERROR)


def handle_database_unavailable(error: OperationalError):
    """The database cannot be reached (down, restarting, out of connections): a 503 the client
    may retry. The pool reconnects on its own once the database is back, with no restart."""
    current_app.logger.warning("The database is unavailable: %s", error.orig or error)
    db.session.rollback()
    unavailable = ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS)
    return error_response(unavailable, DATABASE_UNAVAILABLE)


def handle_value_refused(error: DataError):
    """The database refused a value the request sent (too long for its column, a character
    it does not store): the client's mistake, a 400, logged as a warning, not mailed as an
    error."""
    current_app.logger.warning("The database refused a value: %s", error.orig or error)
    db.session.rollback()
    return error_response(BadRequest(), VALUE_REFUSED)
