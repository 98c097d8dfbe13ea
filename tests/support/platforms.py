"""Reading the platform files of a rendered project as their platforms do (Dockerfile, compose
interpolation, .dockerignore), finding the linters the tests run, and the checks every
platform's release step and web server must pass when they run for real."""

import json
import os
import re
import shlex
import shutil
import sqlite3
import sys
import tomllib
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .processes import run, serving
from .services import Database, unavailable

# Variables that config.py reads but no production platform sets: the tests' own, and the
# ones only Heroku sets.
NOT_FOR_PRODUCTION = re.compile(r"^TEST_|^HEROKU_|^JAWSDB_URL$")


# --- Programs the tests run -------------------------------------------------------------


def program(name: str, hint: str) -> str:
    """The path of a program: next to this Python (a console script of a test dependency)
    or on PATH. Missing, the test skips with the hint; under REQUIRE_SERVICES=1 it fails."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found:
        return found
    unavailable(f"{name} is not installed; {hint}")


# --- Dockerfile ---------------------------------------------------------------------------


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [arguments for word, arguments in self.instructions if word == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"no {keyword} in the stage FROM {self.image}"
        return found[-1]


def dockerfile_stages(path: Path) -> list[Stage]:
    """The build stages of a Dockerfile, each with its instructions (continuations joined)."""
    logical, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, arguments = line.strip().partition(" ")
        keyword, arguments = keyword.upper(), " ".join(arguments.split())
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        else:
            stages[-1].instructions.append((keyword, arguments))
    return stages


def env_of(stage: Stage) -> dict[str, str]:
    """The ENV variables a stage sets (NAME=value form)."""
    env = {}
    for arguments in stage.all("ENV"):
        for word in shlex.split(arguments):
            name, _, value = word.partition("=")
            env[name] = value
    return env


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form CMD (or of HEALTHCHECK ... CMD)."""
    return yaml.safe_load(arguments[arguments.index("[") :])


# --- Compose ------------------------------------------------------------------------------

INTERPOLATION = re.compile(
    r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\})"
)


class MissingVariable(KeyError):
    pass


def interpolate(value, variables: dict[str, str]):
    """A compose value after interpolation with variables (as from .env or the shell):
    ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, and $$."""
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op") or "", match.group("arg")
        present = name in variables and (variables[name] != "" or not op.startswith(":"))
        if present:
            return variables[name]
        if op.endswith("?"):
            raise MissingVariable(f"{name}: {arg}")
        return arg

    return INTERPOLATION.sub(replace, value)


def compose_environment(service: dict, variables: dict[str, str]) -> dict[str, str]:
    """The environment compose gives a service's container: interpolated, and without the
    names listed with no value (compose passes those on only when they are set)."""
    environment = interpolate(service.get("environment", {}), variables)
    return {name: str(value) for name, value in environment.items() if value is not None}


# --- .dockerignore ------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_patterns(project: Path) -> list[tuple[bool, re.Pattern]]:
    """(is an exception, regex) for each pattern of the project's .dockerignore."""
    patterns = []
    for line in (project / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        cleaned = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        patterns.append((exception, _pattern_regex(cleaned)))
    return patterns


def dockerignored(patterns, relative: str) -> bool:
    """Whether Docker leaves the file out of the build context: the last pattern that matches
    the path or one of its folders decides."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for exception, regex in patterns:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not exception
    return excluded


def build_context(project: Path) -> set[str]:
    """The files Docker sends as the build context of the project (relative paths)."""
    patterns = dockerignore_patterns(project)
    files = (p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
    return {path for path in files if not dockerignored(patterns, path)}


# --- Each platform's own files, read as the platform reads them ----------------------------


def app_json(project: Path) -> dict:
    return json.loads((project / "app.json").read_text())


def render_web_service(project: Path) -> dict:
    """The web service of render.yaml."""
    blueprint = yaml.safe_load((project / "render.yaml").read_text())
    (web,) = [service for service in blueprint["services"] if service["type"] == "web"]
    return web


def render_env_vars(project: Path) -> dict[str, dict]:
    variables = render_web_service(project)["envVars"]
    keys = [variable["key"] for variable in variables]
    assert len(keys) == len(set(keys)), "a variable declared twice"
    return {variable["key"]: variable for variable in variables}


def render_settings(project: Path) -> dict[str, str]:
    """The variables as Render sets them from the Blueprint alone: values as written, and
    each `sync: false` prompt answered with nothing."""
    return {
        key: variable.get("value", "")
        for key, variable in render_env_vars(project).items()
        if "value" in variable or "sync" in variable
    }


def compose(project: Path) -> dict:
    return yaml.safe_load((project / "compose.yaml").read_text())


def fly_toml(project: Path) -> dict:
    return tomllib.loads((project / "fly.toml").read_text())


def final_stage(project: Path) -> Stage:
    return dockerfile_stages(project / "Dockerfile")[-1]


def fly_secrets(project: Path) -> set[str]:
    """The variables the `fly secrets set` lines at the top of fly.toml name."""
    names = set()
    for line in (project / "fly.toml").read_text().splitlines():
        if line.startswith("#") and "fly secrets set " in line:
            after = line.split("fly secrets set ", 1)[1]
            names |= {word.split("=")[0] for word in after.split() if "=" in word}
    return names


def image_provided(project: Path, variables: dict[str, str] | None = None) -> dict[str, str | None]:
    """Each variable the container platform's files give the app, and its value: the image's
    ENV, then fly.toml's [env] and secrets (value unknown: None), or compose's environment for
    web (interpolated with variables when given; None for the ones passed on only when set)."""
    env = {k: v for k, v in env_of(final_stage(project)).items() if k != "PATH"}
    if (project / "fly.toml").exists():
        return {**env, **fly_toml(project)["env"], **dict.fromkeys(fly_secrets(project))}
    web = compose(project)["services"]["web"]
    if variables is None:
        return {**env, **web["environment"]}
    return {**env, **compose_environment(web, variables)}


def systemd_unit(path: Path) -> dict[str, list[str]]:
    """Every Key=value of a unit file, by key (a key may be given more than once)."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def environment_file(path: Path) -> dict[str, str]:
    """The variables that systemd's EnvironmentFile= sets from path (quotes removed)."""
    variables = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith(("#", ";")):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip().strip("\"'")
    return variables


# --- Release and web checks, the same on every platform -------------------------------------


@contextmanager
def sqlite_database(folder: Path, name: str):
    """A fresh SQLite file, as the volume of compose.yaml holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.sqlite3"

    def query(sql):
        with sqlite3.connect(path) as connection:
            return connection.execute(sql).fetchall()

    yield Database(
        f"sqlite:///{path}", query, "SELECT name FROM sqlite_master WHERE type = 'table'"
    )


def release_twice(command: str, cwd: Path, env: dict[str, str], database, auth: bool) -> None:
    """The release step, run twice: the second run must change nothing and still succeed."""
    for attempt in ("first release", "second release"):
        result = run(command, cwd, env)
        assert result.returncode == 0, f"{attempt}:\n{result.stdout}{result.stderr}"
        assert "check-deploy: 0 error(s)" in result.stdout + result.stderr, attempt
        tables = database.tables()
        assert "alembic_version" in tables, attempt
        if auth:
            assert {"users", "roles"} <= tables, attempt
            roles = sorted(row[0] for row in database.rows("SELECT name FROM roles"))
            assert roles == ["admin", "user"], attempt


def client_address() -> str:
    """A documentation address of its own per test, so that rate-limit counters kept in a
    shared Redis never carry over from another test."""
    return f"198.51.100.{uuid.uuid4().int % 254 + 1}"


@contextmanager
def serving_securely(command: str, cwd: Path, env: dict[str, str], port: int):
    """Start the web command and check what a browser behind the platform's proxy gets:
    /health with the security headers over HTTPS, the database (and Redis, when REDIS_URL is
    set) reachable, secure cookies, and a 301 to HTTPS for a page asked for over plain HTTP.
    Yields the server."""
    proxy = {"X_Forwarded_Proto": "https", "X_Forwarded_For": client_address()}
    with serving(command, cwd, env, port) as server:
        health = server.get("/health", **proxy)
        assert health.status == 200, health.body
        assert health.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "default-src 'none'" in health.headers["Content-Security-Policy"]
        assert health.headers["X-Content-Type-Options"] == "nosniff"
        assert health.headers["X-Frame-Options"] == "DENY"

        ready = server.get("/health/ready", **proxy)
        expected = {"status": "ok", "database": "ok"}
        if env.get("REDIS_URL"):
            expected["rate_limit_storage"] = "ok"
        state = json.loads(ready.body)
        queue = state.pop("jobs", None)  # with jobs: no worker yet, or one of another test's
        assert (ready.status, state) == (200, expected)
        assert queue is None or queue["status"] in {"ok", "no worker"}, queue

        assert server.get("/health").status == 200  # the platform's own check: plain HTTP

        home = server.get("/", **proxy)
        assert home.status == 200
        assert "Set-Cookie" not in home.headers, "a page without a form makes no session"
        cookie = server.get("/csrf-token", **proxy).headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=")
        assert all(flag in cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax"))

        plain = server.get("/", X_Forwarded_Proto="http", X_Forwarded_For=client_address())
        assert plain.status == 301
        assert re.fullmatch(r"https://[^/]+/", plain.headers["Location"])

        assert server.get("/no/such/page", **proxy).status == 404

        yield server
        assert "Traceback" not in server.output()
