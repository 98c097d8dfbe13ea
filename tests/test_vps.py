"""The server-of-your-own variants (platform=vps), checked with the real programs: systemd
verifies the units and rates their sandbox, the backup script dumps real databases, and nginx
runs the rendered site file, terminating TLS in front of gunicorn on its Unix socket, where
sslyze holds it to Mozilla's intermediate configuration."""

import gzip
import http.client
import ipaddress
import json
import random
import re
import runpy
import socket
import sqlite3
import ssl
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from .support import nginx
from .support.platforms import environment_file, systemd_unit
from .support.processes import clean_env, exits_without_serving, fetch, run
from .support.programs import require_program
from .support.rate_limits import clear_of_a_window_edge
from .support.rendering import answers_of, deployed_copy, render
from .support.services import DATABASES, REDIS, free_port, require
from .support.tls import https_request, make_test_certificates
from .support.unix_socket import serving_on_socket

# The site's name on this machine, in place of the owner's domain: the test certificate's.
SITE_NAME = "localhost"
SECRET_KEY = "v" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
VARIANTS = {
    "postgresql": {"database": "postgresql"},
    "mysql-no-redis": {"database": "mysql", "redis": False, "email": "sendgrid", "sentry": True},
    "sqlite-no-accounts": {"database": "sqlite", "redis": False, "auth": False, "email": "none"},
}
OTHER_PLATFORM_FILES = {
    "Procfile",
    "app.json",
    "render.yaml",
    "fly.toml",
    "Dockerfile",
    "Caddyfile",
}
BACKUP_EXTENSIONS = {"postgresql": "dump", "mysql": "sql.gz", "sqlite": "sqlite3"}
DUMP_PROGRAMS = {
    "postgresql": ("pg_dump", "postgresql-client"),
    "mysql": ("mysqldump", "mariadb-client"),
    "sqlite": ("sqlite3", "sqlite3"),
}


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def project(request, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp(request.param)
    return render(root / "app", platform="vps", **VARIANTS[request.param])


def deploy_folder(project: Path) -> Path:
    return project / "deploy"


def main_unit(project: Path) -> Path:
    return deploy_folder(project) / f"{answers_of(project)['project_slug']}.service"


def declared_variables(path: Path) -> set[str]:
    """The names of path's NAME=value lines, commented out or not."""
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", path.read_text(), re.M))


def variables_read(project: Path) -> set[str]:
    """The environment variables that the app's modules and gunicorn.conf.py read."""
    package = answers_of(project)["package_name"]
    paths = sorted((project / package).rglob("*.py"))  # config.py and each feature's settings
    sources = "".join(path.read_text() for path in [*paths, project / "gunicorn.conf.py"])
    return set(re.findall(r"environ(?:\.get\(|, )[\"']([A-Z_]+)[\"']", sources))


@pytest.fixture
def server_copy(project, tmp_path) -> Path:
    """The project as it lands in /srv/<slug>: what git holds, so no .env."""
    return deployed_copy(project, tmp_path / "srv")


def gunicorn_settings(project: Path, monkeypatch) -> dict:
    """gunicorn.conf.py's settings where the service runs it: without GUNICORN_BIND."""
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    return runpy.run_path(str(project / "gunicorn.conf.py"))


def job_units(project: Path) -> set[str]:
    """The worker's and the scheduler's units, with jobs (and so Redis) on."""
    answers = answers_of(project)
    if not (answers["redis"] and answers.get("jobs")):
        return set()
    return {
        f"{answers['project_slug']}-worker.service",
        f"{answers['project_slug']}-scheduler.service",
    }


def test_only_the_server_files_render(project, default_project):
    slug = answers_of(project)["project_slug"]
    assert {path.name for path in deploy_folder(project).iterdir()} == {
        f"{slug}.service",
        f"{slug}-backup.service",
        f"{slug}-backup.timer",
        "backup.sh",
        "env.example",
        "nginx.conf",
    } | job_units(project)
    assert deploy_folder(project).joinpath("backup.sh").stat().st_mode & stat.S_IXUSR
    assert not OTHER_PLATFORM_FILES & {path.name for path in project.iterdir()}
    assert not (default_project / "deploy").exists()


def test_systemd_accepts_the_units(project):
    systemd_analyze = require_program("systemd-analyze", "systemd")
    slug = answers_of(project)["project_slug"]
    units = sorted(deploy_folder(project).glob(f"{slug}*"))
    result = subprocess.run(
        [systemd_analyze, "verify", "--man=no", "--generators=no", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify parses every directive and its value, and checks that each command is an
    # executable file. Unknown keys and bad values are only warnings, which its exit code
    # ignores, so its whole output is compared. The app's commands are in
    # /srv/<slug>/, which exists on the server alone (making it here would write outside the
    # test's folders): the three lines that say so are expected, and nothing else.
    missing = "is not executable: No such file or directory"
    assert set((result.stdout + result.stderr).splitlines()) == {
        f"{slug}.service: Command /srv/{slug}/.venv/bin/flask {missing}",
        f"{slug}.service: Command /srv/{slug}/.venv/bin/gunicorn {missing}",
        f"{slug}-backup.service: Command /srv/{slug}/deploy/backup.sh {missing}",
    } | {f"{unit}: Command /srv/{slug}/.venv/bin/flask {missing}" for unit in job_units(project)}


def test_the_job_units_run_the_procfiles_commands_and_stop_gracefully(project):
    """The worker and the scheduler run as Heroku's Procfile says, restarted when they stop;
    systemd signals the main process alone, which finishes its job, before it kills the rest."""
    answers = answers_of(project)
    slug, package = answers["project_slug"], answers["package_name"]
    commands = {"worker": "rq worker --with-scheduler", "scheduler": "rq cron"}
    for unit_name in sorted(job_units(project)):
        unit = systemd_unit(deploy_folder(project) / unit_name)
        process = unit_name.removeprefix(f"{slug}-").removesuffix(".service")
        flask = f"/srv/{slug}/.venv/bin/flask --app {package}"
        assert unit["ExecStart"] == [f"{flask} {commands[process]}"]
        assert (unit["Restart"], unit["KillMode"]) == (["always"], ["mixed"])
        assert unit["EnvironmentFile"] == [f"/etc/{slug}/env"]
        assert int(unit["TimeoutStopSec"][0]) >= 30


def test_the_sandbox_of_each_service_rates_ok(project):
    systemd_analyze = require_program("systemd-analyze", "systemd")
    for unit in sorted(deploy_folder(project).glob("*.service")):
        # The exposure score goes from 0 (fully sandboxed) to 10; `--threshold=20` fails
        # above 2.0, well inside systemd's "OK" band (below 5).
        result = subprocess.run(
            [systemd_analyze, "security", "--offline=true", "--threshold=20", str(unit)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_service_releases_then_serves_where_nginx_expects(project, monkeypatch):
    answers = answers_of(project)
    slug, package = answers["project_slug"], answers["package_name"]
    unit = systemd_unit(main_unit(project))
    assert unit["ExecStartPre"] == [f"/srv/{slug}/.venv/bin/flask --app {package} deploy"]
    assert unit["ExecStart"] == [
        f'/srv/{slug}/.venv/bin/gunicorn --config gunicorn.conf.py "{package}:create_app()"'
    ]
    assert unit["WorkingDirectory"] == [f"/srv/{slug}"]
    assert unit["EnvironmentFile"] == [f"/etc/{slug}/env"]
    assert unit["User"] == unit["Group"] == [slug]
    assert unit["Type"] == ["notify"]  # gunicorn tells systemd when it listens
    assert unit["Restart"] == ["on-failure"]

    gunicorn = gunicorn_settings(project, monkeypatch)
    assert gunicorn["bind"] == f"unix:/run/{unit['RuntimeDirectory'][0]}/gunicorn.sock"
    site = (deploy_folder(project) / "nginx.conf").read_text()
    assert f"proxy_pass http://{gunicorn['bind']};" in site
    # SIGTERM to gunicorn alone, and time for its graceful shutdown before the SIGKILL.
    assert unit["KillMode"] == ["mixed"]
    assert int(unit["TimeoutStopSec"][0]) > gunicorn["graceful_timeout"]

    database_url = environment_file(deploy_folder(project) / "env.example")["DATABASE_URL"]
    if answers["database"] == "sqlite":
        assert database_url == f"sqlite:////var/lib/{unit['StateDirectory'][0]}/{slug}.sqlite3"
    else:
        assert "StateDirectory" not in unit


def test_the_env_example_declares_what_production_needs(server_copy, venv):
    project = server_copy
    answers = answers_of(project)
    example = deploy_folder(project) / "env.example"
    variables = environment_file(example)
    required = {"FLASK_CONFIG", "SECRET_KEY", "DATABASE_URL", "WEB_CONCURRENCY"}
    if answers["redis"]:
        required.add("REDIS_URL")
    assert required <= set(variables)
    assert variables["FLASK_CONFIG"] == "vps"

    chosen = set()  # optional, so commented out until the owner fills them in
    if answers["email"] != "none":
        chosen |= {"MAIL_PASSWORD", "MAIL_DEFAULT_SENDER", "ADMINS"}
        chosen |= {"MAIL_SERVER"} if answers["email"] == "smtp" else set()
        chosen |= {"MAIL_USERNAME"} if answers["email"] != "sendgrid" else set()
    if answers["sentry"]:
        chosen.add("SENTRY_DSN")
    declared = declared_variables(example)
    assert chosen <= declared
    assert declared <= variables_read(project), "the example sets a variable nothing reads"

    # The SECRET_KEY placeholder is no secret, and the app refuses to start with it.
    release = f"flask --app {answers['package_name']} deploy"
    code, output = exits_without_serving(release, project, clean_env(venv, **variables))
    assert code != 0
    assert "SEC002" in output


@contextmanager
def database_url(kind: str, folder: Path):
    """A fresh, empty database of kind: on the real server, or a SQLite file in folder."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'app.sqlite3'}"
    else:
        with DATABASES[kind]() as database:
            yield database.url


def build_static_files(project: Path, venv: Path) -> None:
    """The owner's step after each `pip install` (docs/DEPLOYMENT.md): the service, whose
    sandbox keeps the code read-only, cannot write the build itself."""
    package = answers_of(project)["package_name"]
    command = f"{venv}/bin/python -m {package}.static_files"
    assert command.split("/bin/", 1)[1] in (project / "docs" / "DEPLOYMENT.md").read_text()
    result = run(command, project, clean_env(venv))
    assert result.returncode == 0, result.stdout + result.stderr


def release(project: Path, venv: Path, env: dict[str, str]) -> None:
    command = systemd_unit(main_unit(project))["ExecStartPre"][0]
    slug = answers_of(project)["project_slug"]
    command = command.replace(f"/srv/{slug}/.venv/", f"{venv}/")
    for attempt in ("first start", "second start"):
        result = run(command, project, clean_env(venv, **env))
        assert result.returncode == 0, f"{attempt}:\n{result.stdout}{result.stderr}"


def test_backup_keeps_the_newest_backups_of_a_real_database(server_copy, venv, tmp_path):
    project = server_copy
    answers = answers_of(project)
    kind, slug = answers["database"], answers["project_slug"]
    require_program(*DUMP_PROGRAMS[kind])
    extension = BACKUP_EXTENSIONS[kind]
    backups = tmp_path / "backups"
    backups.mkdir()
    older = [f"{slug}-20200101T000000Z.{extension}", f"{slug}-20200102T000000Z.{extension}"]
    for name in [*older, "notes.txt"]:
        (backups / name).write_text("an older file\n")

    with database_url(kind, tmp_path) as url:
        example = environment_file(deploy_folder(project) / "env.example")
        release(project, venv, {**example, "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url})
        result = subprocess.run(
            [str(deploy_folder(project) / "backup.sh")],
            env=clean_env(venv, DATABASE_URL=url, BACKUP_DIR=str(backups), BACKUP_KEEP="2"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stdout + result.stderr

    names = sorted(path.name for path in backups.iterdir())
    new = [name for name in names if name not in (*older, "notes.txt")]
    assert len(new) == 1, names
    assert re.fullmatch(rf"{slug}-\d{{8}}T\d{{6}}Z\.{re.escape(extension)}", new[0])
    assert names == sorted([older[1], new[0], "notes.txt"]), "keeps the newest 2, nothing else"
    backup = backups / new[0]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    if kind == "postgresql":
        contents = subprocess.run(
            ["pg_restore", "--list", str(backup)], capture_output=True, text=True, check=True
        ).stdout
        assert "TABLE public alembic_version" in contents
    elif kind == "mysql":
        assert b"CREATE TABLE `alembic_version`" in gzip.decompress(backup.read_bytes())
    else:
        with sqlite3.connect(backup) as copy:
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        assert "alembic_version" in tables


STUB_DUMP = """#!/usr/bin/env bash
# Records how it was called, as the real pg_dump or mariadb-dump would be.
printf '%s\\n' "$@" >"$RECORD/arguments"
printf '%s' "${PGPASSWORD-}" >"$RECORD/pgpassword"
for argument in "$@"; do
  case $argument in
    --defaults-extra-file=*) my_print_defaults "$argument" client >"$RECORD/options" ;;
    --file=*) : >"${argument#--file=}" ;;
  esac
done
"""


@pytest.mark.parametrize("project", ["postgresql", "mysql-no-redis"], indirect=True)
def test_backup_hands_the_password_over_outside_the_command_line(project, tmp_path):
    """With stand-ins for pg_dump and mariadb-dump that record what they receive."""
    kind = answers_of(project)["database"]
    if kind == "mysql":
        require_program("my_print_defaults", "mariadb-client")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name in ("pg_dump", "mariadb-dump"):
        (stubs / name).write_text(STUB_DUMP)
        (stubs / name).chmod(0o755)
    password = 'p@ss:w/rd "quoted" \\new 100%'  # \n would be a newline to MariaDB
    encoded = "p%40ss%3Aw%2Frd%20%22quoted%22%20%5Cnew%20100%25"
    scheme, query = ("postgres", "sslmode=require") if kind == "postgresql" else ("mysql", "")
    url = f"{scheme}://app:{encoded}@db.internal:6000/app_db?{query}"
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "RECORD": str(tmp_path),
        "DATABASE_URL": url,
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    result = subprocess.run(
        [str(deploy_folder(project) / "backup.sh")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr

    arguments = (tmp_path / "arguments").read_text()
    assert encoded not in arguments
    assert "p@ss" not in arguments
    if kind == "postgresql":
        assert "--dbname=postgresql://app@db.internal:6000/app_db?sslmode=require\n" in arguments
        assert (tmp_path / "pgpassword").read_text() == password
    else:
        assert arguments.splitlines()[-1] == "app_db"
        options = (tmp_path / "options").read_text().splitlines()
        assert options == [
            "--user=app",
            "--host=db.internal",
            "--port=6000",
            f"--password={password}",
        ]


class NginxInFront:
    """The rendered nginx.conf, set up on this machine as on the owner's server: high ports
    on the loopback addresses for 80 and 443, test certificates, a socket and the static
    folder in temporary folders, and nothing else changed."""

    def __init__(self, project: Path, folder: Path, static_folder: Path | None = None):
        self.nginx = require_program("nginx", "nginx")
        answers = answers_of(project)
        slug = answers["project_slug"]
        self.http_port, self.https_port = free_port(), free_port()
        self.certificates = make_test_certificates(folder / "tls")
        self.socket = folder / "gunicorn.sock"  # a Unix socket's path has 107 bytes at most
        rendered = (deploy_folder(project) / "nginx.conf").read_text()
        site = nginx.with_loopback_ports(rendered, self.http_port, self.https_port)
        site = nginx.with_server_name(site, SITE_NAME)
        site = nginx.with_test_certificates(site, self.certificates)
        site = nginx.with_socket(site, f"/run/{slug}/gunicorn.sock", self.socket)
        site = nginx.with_static_folder(
            site, f"/srv/{slug}/build/static/", static_folder or project / "build" / "static"
        )
        nginx.assert_only_machine_specific_lines_differ(rendered, site)
        (folder / "site.conf").write_text(site)
        self.config = nginx.main_config(folder, folder / "site.conf")

    def running(self):
        return nginx.running(self.nginx, self.config, [self.http_port, self.https_port])

    def get(self, path: str, source_address: str = "127.0.0.1", **headers: str):
        return https_request(
            self.https_port,
            path,
            self.certificates.authority,
            {name.replace("_", "-"): value for name, value in headers.items()},
            source_address,
            host=SITE_NAME,
        )

    def post(self, path: str, body: bytes):
        return https_request(
            self.https_port,
            path,
            self.certificates.authority,
            method="POST",
            body=body,
            host=SITE_NAME,
        )

    def fetch(self, path: str, host: str = SITE_NAME):
        """A request over plain HTTP, naming host."""
        return fetch(self.http_port, path, {"Host": host})


def fresh_client_addresses(count: int) -> list[str]:
    """Addresses of this machine (127.0.0.0/8, past 127.0.255.255) that no earlier request
    came from, so that their rate-limit counts start afresh, in memory or in Redis."""
    numbers = random.sample(range(2**16, 2**24 - 1), count)
    return [str(ipaddress.IPv4Address((127 << 24) + number)) for number in numbers]


def test_nginx_accepts_the_site_as_rendered(project, tmp_path):
    site = (deploy_folder(project) / "nginx.conf").read_text()
    assert "server_name example.com;" in site
    assert "Replace example.com with your domain" in site
    assert "ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;" in site
    assert "ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;" in site
    stack = NginxInFront(project, tmp_path)
    checked = nginx.check(stack.nginx, stack.config)
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert "test is successful" in output
    assert "[warn]" not in output and "[emerg]" not in output, output


@pytest.mark.parametrize("project", ["sqlite-no-accounts"], indirect=True)
def test_nginx_drops_a_host_that_is_not_the_site(project, tmp_path):
    """Over HTTP, an unknown Host gets no answer at all (444); over TLS, an unknown name in
    SNI gets no handshake, and an unknown Host after the site's own SNI no answer."""
    stack = NginxInFront(project, tmp_path)
    with stack.running():
        assert stack.fetch("/", SITE_NAME).status == 301  # the site itself answers
        for host in ("evil.example", "127.0.0.1"):
            with pytest.raises(http.client.RemoteDisconnected):
                stack.fetch("/", host)
        context = ssl.create_default_context(cafile=str(stack.certificates.authority))
        context.check_hostname = False
        for name in ("evil.example", None):
            with (
                socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw,
                pytest.raises(ssl.SSLError, match=r"UNRECOGNIZED_NAME|HANDSHAKE_FAILURE"),
            ):
                context.wrap_socket(raw, server_hostname=name)
        with pytest.raises(http.client.RemoteDisconnected):
            stack.get("/", Host="evil.example")


# A limit the test can reach; the release's own checks, which ask for pages, run without it.
LIMIT = {"RATELIMIT_DEFAULT": "3 per minute"}


def test_nginx_and_gunicorn_serve_the_app_over_tls(project, venv, tmp_path_factory):
    answers = answers_of(project)
    slug, package = answers["project_slug"], answers["package_name"]
    if answers["redis"]:
        require("Redis", REDIS)
    folder = tmp_path_factory.mktemp("vps")
    app = deployed_copy(project, folder / "srv")
    build_static_files(app, venv)
    stack = NginxInFront(project, folder, app / "build" / "static")

    with database_url(answers["database"], folder) as url:
        # The env file as the owner fills it in: a real secret and this machine's database.
        # One worker, so that the rate-limit counters (in memory without Redis) are one set.
        env = {
            **environment_file(app / "deploy" / "env.example"),
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": url,
            "WEB_CONCURRENCY": "1",
            "GUNICORN_BIND": f"unix:{stack.socket}",
        }
        release(app, venv, env)
        start = systemd_unit(main_unit(app))["ExecStart"][0]
        start = start.replace(f"/srv/{slug}/.venv/", f"{venv}/")
        served = clean_env(venv, **env, **LIMIT)
        with (
            serving_on_socket(start, app, served, stack.socket) as gunicorn,
            stack.running(),
        ):
            assert stack.get("/health").status == 200
            ready = stack.get("/health/ready")
            assert ready.status == 200
            assert json.loads(ready.body)["database"] == "ok"

            home = stack.get("/")
            assert home.status == 200
            headers = home.headers
            hsts = headers["Strict-Transport-Security"]
            assert hsts == "max-age=31536000; includeSubDomains"
            assert "default-src 'none'" in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
            for name in ("Strict-Transport-Security", "Content-Security-Policy"):
                assert len(headers.get_all(name)) == 1, f"nginx added its own {name}"
            assert "Set-Cookie" not in headers, "a page without a form makes no session"
            cookie = stack.get("/csrf-token").headers["Set-Cookie"]
            assert cookie.startswith("__Host-session=")
            assert all(flag in cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax"))

            # The app keys its rate limits (3 a minute here) on the address nginx saw, whatever
            # X-Forwarded-For a client sends; another client has its own count.
            client, other = fresh_client_addresses(2)
            clear_of_a_window_edge()
            forged = ["203.0.113.9", "198.51.100.7", "192.0.2.1", "203.0.113.10"]
            statuses = [stack.get("/", client, X_Forwarded_For=a).status for a in forged]
            assert statuses == [200, 200, 200, 429]
            assert stack.get("/", other).status == 200

            # nginx serves the build: the hashed name the page links, kept for a year, as the
            # gzip variant to a client that takes it; other names for an hour.
            css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', home.body.decode())
            assert css, "the page links the hashed name"
            original = (app / package / "static" / "css" / "app.css").read_bytes()
            static = stack.get(css.group(1))
            assert static.status == 200
            assert static.body == original
            assert static.headers["Content-Type"] == "text/css"
            assert static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert static.headers["X-Content-Type-Options"] == "nosniff"
            assert static.headers["Strict-Transport-Security"] == hsts
            assert static.headers["Content-Security-Policy"].startswith("default-src 'none'")
            assert "Set-Cookie" not in static.headers
            packed = stack.get(css.group(1), Accept_Encoding="gzip")
            assert packed.headers["Content-Encoding"] == "gzip"
            assert packed.headers["Vary"] == "Accept-Encoding"
            assert gzip.decompress(packed.body) == original
            unhashed = stack.get("/static/css/app.css")
            assert unhashed.headers["Cache-Control"] == "public, max-age=3600"
            missing = stack.get("/static/css/app.000000000000.css")
            assert missing.status == 404 and "Cache-Control" not in missing.headers
            for path, kind in [
                ("/favicon.ico", "image/vnd.microsoft.icon"),
                ("/robots.txt", "text/plain; charset=utf-8"),
                ("/.well-known/security.txt", "text/plain; charset=utf-8"),
            ]:
                answer = stack.get(path)
                assert (answer.status, answer.headers["Content-Type"]) == (200, kind), path

            # Bodies the app would refuse never reach it: nginx answers 413 itself.
            megabyte = 1024 * 1024
            assert stack.post("/", b"x" * megabyte).status == 405  # the app's answer
            too_large = stack.post("/", b"x" * (megabyte + 1))
            assert too_large.status == 413
            assert b"nginx" in too_large.body

            plain = stack.fetch("/auth/login?next=%2F")
            assert plain.status == 301
            assert plain.headers["Location"] == f"https://{SITE_NAME}/auth/login?next=%2F"
            challenge = stack.fetch("/.well-known/acme-challenge/no-such-token")
            assert challenge.status == 404, "certbot's challenge must not be redirected"

            log = gunicorn.output()
            assert f'203.0.113.9, {client} "GET / HTTP/1.0" 200' in log
            assert re.search(r"request_id=[0-9a-f]{32}", log), "nginx's $request_id"
            assert "/static/" not in log, "nginx serves the static files, not gunicorn"
            assert "Traceback" not in log


@pytest.mark.parametrize("project", ["sqlite-no-accounts"], indirect=True)
def test_tls_follows_mozillas_intermediate_configuration(project, tmp_path):
    stack = NginxInFront(project, tmp_path)
    with stack.running():
        # Every check applies unchanged: protocols, ciphers, curves, known attacks and the
        # certificate, which is shaped as certbot's (ECDSA P-256, SHA-256, 90 days). Only
        # its issuer is the test authority, which --certinfo_ca_file adds to sslyze's trust
        # stores; the public stores reject it and sslyze says so, but a chain that one store
        # validates is what the Mozilla check asks for, so nothing is filtered out.
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sslyze",
                "--mozilla_config=intermediate",
                f"--certinfo_ca_file={stack.certificates.authority}",
                f"{SITE_NAME}:{stack.https_port}{{127.0.0.1}}",  # the site's name, sent as SNI
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f":{stack.https_port}: OK - Compliant." in output, output
