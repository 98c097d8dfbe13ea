"""Error pages: every HTTP error answers with a short page (or JSON, when the client asks
for JSON) that says what went wrong in general terms and never shows internals."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

GENERIC_SERVER_ERROR = "Something went wrong on our side. It has been logged; please try again."


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)


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
    page = render_template("errors/error.html", code=code, name=error.name, description=description)
    return page, code, headers


def handle_http_error(error: HTTPException):
    return error_response(error, error.description or "")


def handle_server_error(error: InternalServerError):
    db.session.rollback()  # a failed request leaves nothing half-written for the next one
    return error_response(error, GENERIC_SERVER_ERROR)
