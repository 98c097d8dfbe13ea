"""The Heroku variants, as Heroku receives them from `git push`: the Procfile's web command
refuses to start on each unsafe setting, with one line that names it; the buildpack's hook
builds the static files that the web dyno then serves. (The release and web commands serve
for real in the boot tier, test_boot.py.)"""

import gzip
import re
import stat

import pytest

from .support.processes import clean_env, exits_without_serving, procfile, run, serving
from .support.rendering import deployed_copy, render
from .support.services import DATABASES, free_port

SECRET_KEY = "s" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


@pytest.fixture(scope="module", params=list(DATABASES))
def slug(request, tmp_path_factory):
    """The project, for one database, as Heroku receives it from `git push`."""
    root = tmp_path_factory.mktemp(request.param)
    project = render(root / "project", database=request.param)
    return request.param, deployed_copy(project, root / "slug")


@pytest.fixture
def heroku(slug, venv):
    """(slug, config vars as Heroku sets them, the database). The local PostgreSQL has no
    TLS, so its URL says sslmode=disable (Heroku's default is require)."""
    kind, path = slug
    with DATABASES[kind]() as database:
        url = database.url + ("?sslmode=disable" if kind == "postgresql" else "")
        env = clean_env(
            venv,
            FLASK_CONFIG="heroku",
            SECRET_KEY=SECRET_KEY,
            DATABASE_URL=url,
            SITE_URL="https://my-flask-app-0123456789ab.herokuapp.com",  # app.json asks for it
            REDIS_URL="redis://127.0.0.1:6379/0",  # the Key-Value Store's; never reached here
            PORT=str(free_port()),
            WEB_CONCURRENCY="2",
        )
        yield path, env, database


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("SECRET_KEY", None, "SEC001"),
        ("SECRET_KEY", "short", "SEC002"),
        ("DATABASE_URL", None, "SEC003"),
        ("FLASK_DEBUG", "1", "SEC004"),
        ("SITE_URL", None, "SEC015"),
        ("REDIS_URL", None, "SEC021"),
    ],
)
def test_web_refuses_to_start_with_unsafe_settings(heroku, variable, value, rule):
    slug, env, _ = heroku
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    code, output = exits_without_serving(procfile(slug)["web"], slug, env)
    assert code != 0
    assert f"Refusing to start: {rule}: " in output
    assert variable in output
    assert "Traceback" not in output, "the refusal's line alone, not a traceback around it"


def test_the_build_hook_builds_the_static_files_that_the_web_dyno_serves(heroku):
    """The buildpack runs bin/post_compile in the build folder, its Python first on PATH;
    the slug then holds the build, which WhiteNoise serves from Gunicorn."""
    slug, env, _ = heroku
    hook = slug / "bin" / "post_compile"
    assert hook.stat().st_mode & stat.S_IXUSR, "the buildpack runs it only when executable"
    built = run(str(hook), slug, env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert (slug / "build" / "static" / "manifest.json").is_file()

    with serving(procfile(slug)["web"], slug, env, int(env["PORT"])) as web:
        host = {"Host": env["SITE_URL"].removeprefix("https://"), "X-Forwarded-Proto": "https"}
        page = web.get("/", **host)
        css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.body.decode())
        assert css, "the page links the hashed name"
        response = web.get(css.group(1), Accept_Encoding="gzip", **host)
        assert response.status == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        original = next(slug.glob("*/static/css/app.css")).read_bytes()
        assert gzip.decompress(response.body) == original
        assert response.headers["Strict-Transport-Security"]
        assert "Set-Cookie" not in response.headers
