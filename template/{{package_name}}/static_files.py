"""Static files, built once for production: a copy of static/ where each file also has a name
that holds a hash of its content (css/app.3f2a1b9c0d4e.css), with gzip and Brotli variants
and a manifest of the names. Pages link the hashed names (url_for('static', ...) picks them
from the manifest), which may then be kept for a year: a changed file gets a new name.

`python -m <package>.static_files` (or `flask static build`) writes the build; each
platform's build step runs it, never a request. The development server and the tests use
static/ as it is, unhashed. /favicon.ico, /robots.txt and /.well-known/security.txt answer
on every platform.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import brotli
import click
from flask import Blueprint, Flask, Response, current_app, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface

from .checks import WARNING, Rule, add_rule
from .extensions import limiter

SOURCE_FOLDER = Path(__file__).resolve().parent / "static"
# Outside the package and out of git (.gitignore): the build of the release that runs.
BUILD_FOLDER = Path(__file__).resolve().parent.parent / "build" / "static"
MANIFEST = "manifest.json"
HASH_LENGTH = 12
# Hashed names never change content; other names (favicon.ico, a file linked by hand) may.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=3600"
# Text compresses; images, fonts and archives already are.
COMPRESSIBLE = {".css", ".js", ".mjs", ".map", ".json", ".svg", ".txt", ".xml", ".html", ".ico"}
SECURITY_TXT_LIFETIME = timedelta(days=364)  # RFC 9116: Expires less than a year ahead

ROOT_FILES = {"static_files.favicon", "static_files.robots_txt", "static_files.security_txt"}

bp = Blueprint("static_files", __name__)


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """Production serves the build when there is one; development and the tests use static/
    as it is (a test names a build folder of its own)."""
    unbuilt = config["DEBUG"] or config["TESTING"]
    config.setdefault("STATIC_BUILD_FOLDER", "" if unbuilt else str(BUILD_FOLDER))
    config.setdefault("SECURITY_TXT_LANGUAGES", "en")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.session_interface = NoSessionCookieOnStaticFiles()
    app.cli.add_command(static_commands)
    manifest = read_manifest(app.config["STATIC_BUILD_FOLDER"])
    app.extensions["static_manifest"] = manifest
    app.extensions["static_hashed_names"] = set(manifest.values())
    if manifest:
        app.static_url_path = app.static_url_path  # else it follows the folder's name
        app.static_folder = app.config["STATIC_BUILD_FOLDER"]
        app.url_defaults(link_hashed_names)
        app.after_request(cache_static_files)
    add_rule(app, UNBUILT)


def serves_unbuilt(app: Flask) -> bool:
    """Production without the build of its release: static/ as it is, names without a hash."""
    return bool(app.config["STATIC_BUILD_FOLDER"]) and not app.extensions["static_manifest"]


UNBUILT = Rule(
    "SEC022",
    WARNING,
    "The static files were not built: pages link them by names without a hash, which no "
    "browser may keep for long, and they go uncompressed.",
    "Run `flask static build` in the release's build step (docs/DEPLOYMENT.md, Static files).",
    lambda d: d.app is not None and serves_unbuilt(d.app),
    needs_app=True,
)


def is_static_file() -> bool:
    """Whether the request asks for a static file: one of static/ or at the site's root."""
    static_path = request.path.startswith(f"{current_app.static_url_path}/")
    return static_path or request.endpoint in ROOT_FILES


# Each page asks for a few; they cost nothing to serve, and never count as visits.
limiter.request_filter(is_static_file)


class NoSessionCookieOnStaticFiles(SecureCookieSessionInterface):
    """A static file's response may be kept by a cache that every visitor shares: it never
    sends the session cookie, nor Vary: Cookie, which would keep it from being shared.

    Most requests carry no session and touch none (static files, health checks, a first visit
    to a page without a form); for them nothing is signed or read, as Flask would do anyway,
    only without first building the signer and reading the cookie's settings."""

    def open_session(self, app: Flask, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response: Response) -> None:
        untouched = not (session or session.modified or session.accessed)
        if not (untouched or is_static_file()):
            super().save_session(app, session, response)


def read_manifest(folder: str) -> dict[str, str]:
    """The build's names, {"css/app.css": "css/app.3f2a1b9c0d4e.css", ...}; {} unbuilt."""
    path = Path(folder, MANIFEST) if folder else None
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text())


def link_hashed_names(endpoint: str, values: dict[str, Any]) -> None:
    """url_for('static', filename='css/app.css') gives the name the build gave the file."""
    if endpoint == "static" and "filename" in values:
        manifest = current_app.extensions["static_manifest"]
        values["filename"] = manifest.get(values["filename"], values["filename"])


def is_hashed(filename: str) -> bool:
    return filename in current_app.extensions["static_hashed_names"]


def cache_static_files(response: Response) -> Response:
    """Hashed names are kept a year, others an hour (where Flask serves the build itself)."""
    if request.endpoint == "static" and response.status_code in {200, 206, 304}:
        filename = (request.view_args or {}).get("filename", "")
        response.headers["Cache-Control"] = IMMUTABLE if is_hashed(filename) else SHORT_LIVED
    return response


# --- Files asked for at the site's root ----------------------------------------------------


@bp.route("/favicon.ico")
def favicon():
    """Browsers and tools still ask for it, whatever the page's <link rel="icon"> says."""
    return root_file("favicon.ico", "image/vnd.microsoft.icon")


@bp.route("/robots.txt")
def robots_txt():
    return root_file("robots.txt", "text/plain")


def root_file(name: str, mimetype: str) -> Response:
    response = send_from_directory(SOURCE_FOLDER, name, mimetype=mimetype)
    response.headers["Cache-Control"] = SHORT_LIVED
    return response


@bp.route("/.well-known/security.txt")
def security_txt():
    """RFC 9116: whom to tell of a vulnerability, until when this is true, and in which
    languages. Expires moves with each request, so the file never goes stale."""
    config = current_app.config
    expires = datetime.now(UTC).replace(microsecond=0) + SECURITY_TXT_LIFETIME
    lines = [f"Contact: {config['SECURITY_CONTACT']}", f"Expires: {expires.isoformat()}"]
    if config["SITE_URL"]:
        lines.append(f"Canonical: {config['SITE_URL']}/.well-known/security.txt")
    lines.append(f"Preferred-Languages: {config['SECURITY_TXT_LANGUAGES']}")
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- The build -----------------------------------------------------------------------------


def build(source: Path = SOURCE_FOLDER, target: Path = BUILD_FOLDER) -> dict[str, str]:
    """Copy source into target, each file under its own name and its hashed one, compress
    each text file, and write the manifest last. Hashed files of earlier builds stay, so
    pages a running release still sends keep working while the next one starts."""
    manifest = {}
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.relative_to(source).as_posix()
        manifest[name] = hashed_name(name, path.read_bytes())
        for written in {name, manifest[name]}:
            destination = target / written
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            compress(destination)
    write_atomically(target / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def hashed_name(name: str, content: bytes) -> str:
    """css/app.css -> css/app.3f2a1b9c0d4e.css"""
    stem, dot, extension = name.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    if not dot or "/" in extension:  # no extension: the hash goes last
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{extension}"


def compress(path: Path) -> None:
    """path.gz and path.br beside a text file, where they are smaller."""
    if path.suffix.lower() not in COMPRESSIBLE:
        return
    content = path.read_bytes()
    variants = {
        ".gz": gzip.compress(content, compresslevel=9, mtime=0),
        ".br": brotli.compress(content, quality=11),
    }
    for suffix, compressed in variants.items():
        if len(compressed) < len(content):
            write_atomically(path.with_name(path.name + suffix), compressed)


def write_atomically(path: Path, content: str | bytes) -> None:
    """A server reading path sees the old file or the new one, never half of one."""
    partial = path.with_name(f".{path.name}.partial")
    data = content.encode() if isinstance(content, str) else content
    partial.write_bytes(data)
    os.replace(partial, path)


@click.group("static")
def static_commands() -> None:
    """The static files' production build."""


@static_commands.command("build")
def build_command() -> None:
    """Write the hashed, compressed copy of static/ that production serves."""
    manifest = build()
    click.echo(f"Built {len(manifest)} static files into {BUILD_FOLDER}.")


if __name__ == "__main__":  # python -m <package>.static_files: no settings needed
    build_command()
