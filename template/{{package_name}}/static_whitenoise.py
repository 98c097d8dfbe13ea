"""WhiteNoise serves the static build (static_files.py) where no web server stands in front
of the app: the gzip or Brotli variant the client accepts, with Vary, ETag, Last-Modified
and ranges, and a year's caching for the hashed names.

WhiteNoise answers inside Flask's static view rather than around the app, so that every
static response passes the host check and gets the security headers (security.py) as pages
do. Without a build (development, the tests), Flask serves static/ itself.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any
from wsgiref.headers import Headers

from flask import Flask, Response, request
from werkzeug.exceptions import NotFound
from whitenoise import WhiteNoise

from .static_files import IMMUTABLE, SHORT_LIVED


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """Nothing of its own: static_files.py names the build."""


def init_app(app: Flask) -> None:
    hashed = {f"{app.static_url_path}/{name}" for name in app.extensions["static_hashed_names"]}
    if not hashed:
        return

    def cache_headers(headers: Headers, path: str, url: str) -> None:
        headers["Cache-Control"] = IMMUTABLE if url in hashed else SHORT_LIVED

    files = WhiteNoise(
        no_such_file,
        root=app.config["STATIC_BUILD_FOLDER"],
        prefix=app.static_url_path,
        allow_all_origins=False,  # same-origin, as Cross-Origin-Resource-Policy says
        add_headers_function=cache_headers,
    )

    def serve_static_file(filename: str) -> Response:
        return Response.from_app(files, request.environ)

    app.view_functions["static"] = serve_static_file


def no_such_file(environ, start_response):
    """What WhiteNoise passes on: raised in the view, it gets the app's own 404 page."""
    raise NotFound()
