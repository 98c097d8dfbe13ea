"""Logging for production: one line per record on stderr, where the platform collects it,
tagged with the request id its router sends.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import logging
import sys

from flask import Flask, has_request_context, request
from flask.logging import default_handler

LOG_FORMAT = "%(levelname)s [%(request_id)s] %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds record.request_id: the router's id for the request being served, or "-"."""

    def __init__(self, header: str) -> None:
        super().__init__()
        self.header = header

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request.headers.get(self.header) if has_request_context() else None
        record.request_id = (request_id or "-")[:200]
        return True


def configure_logging(app: Flask) -> None:
    app.logger.setLevel(app.config["LOG_LEVEL"])
    if app.debug or app.testing:
        return  # Flask's own handler, which prints to the terminal, is right there
    app.logger.removeHandler(default_handler)
    stderr = with_request_id(logging.StreamHandler(sys.stderr), app)
    app.logger.addHandler(stderr)
    # Flask-Limiter says on its own logger when its storage fails and it falls back.
    limiter_logger = logging.getLogger("flask-limiter")
    limiter_logger.handlers = [h for h in limiter_logger.handlers if not hasattr(h, "app_name")]
    stderr.app_name = app.name
    limiter_logger.addHandler(stderr)
    limiter_logger.setLevel(logging.WARNING)


def with_request_id(handler: logging.Handler, app: Flask) -> logging.Handler:
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestIdFilter(app.config["LOG_REQUEST_ID_HEADER"]))
    return handler
