"""Stand-ins for the commands the documentation shows that need a platform account, a
remote server or a Docker engine: heroku, fly, docker, systemctl and journalctl.

They run nothing remote. Each checks, against the rendered project in DOCS_PROJECT, what
can be checked honestly: a known subcommand; variable names that the app reads (config.py
and .env.example); add-on plans that app.json names; process types from the Procfile;
services from compose.yaml; systemd units from deploy/; and that a `flask` command run on
the platform names the app's package and a command its CLI has (asked of the real CLI).
Anything else fails, with the reason. tests/test_docs.py puts them first on PATH, as
`python doc_shims.py NAME ARGS...`.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT = Path(os.environ.get("DOCS_PROJECT", "."))
STATE = Path(os.environ.get("DOCS_STATE", "/tmp"))

HEROKU_DYNO_SIZES = {
    "eco",
    "basic",
    "standard-1x",
    "standard-2x",
    "performance-m",
    "performance-l",
    "performance-l-ram",
    "performance-xl",
    "performance-2xl",
}
FLY_VM_SIZES = {
    "shared-cpu-1x",
    "shared-cpu-2x",
    "shared-cpu-4x",
    "shared-cpu-8x",
    "performance-1x",
    "performance-2x",
    "performance-4x",
    "performance-8x",
    "performance-16x",
}


class Refused(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Refused(message)


def answers() -> dict:
    return yaml.safe_load((PROJECT / ".copier-answers.yml").read_text())


def variables() -> set[str]:
    """The variables the app reads (config.py) or documents (.env.example)."""
    package = answers()["package_name"]
    config = (PROJECT / package / "config.py").read_text()
    read = set(re.findall(r"environ(?:\.get\(|, |\[)\"([A-Z_]+)\"", config))
    example = (PROJECT / ".env.example").read_text()
    return read | set(re.findall(r"^#? ?([A-Z_]+)=", example, re.MULTILINE))


def check_assignments(entries: list[str]) -> None:
    check(bool(entries), "no NAME=value given")
    known = variables()
    for entry in entries:
        name, equals, _value = entry.partition("=")
        check(bool(equals), f"{entry!r} is not NAME=value")
        check(name in known, f"the app reads no variable {name} (config.py, .env.example)")
        check(name != "FLASK_ENV", "FLASK_ENV was removed in Flask 2.3; the app never reads it")


def flask_commands(project: Path, package: str, *group: str) -> set[str]:
    """The commands the project's own `flask` lists (in group, e.g. "db", when given)."""
    listing = subprocess.run(
        [str(project / ".venv" / "bin" / "flask"), "--app", package, *group, "--help"],
        cwd=project,
        env={**os.environ, "FLASK_CONFIG": "development"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = listing.split("Commands:", 1)[1]
    return set(re.findall(r"^  ([a-z][\w-]*)", commands, re.MULTILINE))


def flask_cli_commands() -> set[str]:
    """The commands the app's real `flask` CLI lists."""
    return flask_commands(PROJECT, answers()["package_name"])


def check_flask(words: list[str], app_path: str | None = None) -> None:
    """words is a `flask --app PACKAGE COMMAND ...` command line run on the platform."""
    package = answers()["package_name"]
    check(words[:2] == ["flask", "--app"], f"not a `flask --app` command: {shlex.join(words)}")
    check(
        words[2] == (app_path or package),
        f"--app {words[2]}: the app is {app_path or package}",
    )
    check(len(words) > 3, "no flask command given")
    check(words[3] in flask_cli_commands(), f"the app's CLI has no command {words[3]!r}")


# --- heroku ------------------------------------------------------------------------------


def app_json() -> dict:
    path = PROJECT / "app.json"
    check(path.exists(), "no app.json: not a Heroku project")
    return json.loads(path.read_text())


def addon_plans() -> set[str]:
    return {addon["plan"] for addon in app_json().get("addons", [])}


def addon_services() -> set[str]:
    return {plan.split(":")[0] for plan in addon_plans()}


def procfile_types() -> set[str]:
    lines = (PROJECT / "Procfile").read_text().splitlines()
    return {line.split(":", 1)[0] for line in lines if line.strip()}


def heroku(args: list[str]) -> str:
    check(bool(args), "no subcommand")
    command, rest = args[0], args[1:]
    if command == "create":
        check(len(rest) == 1, "heroku create takes the app's name here")
        check(
            re.fullmatch(r"[a-z][a-z0-9-]{1,28}[a-z0-9]", rest[0]) is not None,
            f"{rest[0]!r} is not a valid Heroku app name",
        )
        remote = STATE / "heroku.git"
        subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
        subprocess.run(["git", "remote", "add", "heroku", str(remote)], cwd=PROJECT, check=True)
        return f"Creating {rest[0]}... done"
    if command == "addons:create":
        check(rest and rest[0] in addon_plans(), f"app.json names no add-on plan {rest[:1]}")
        return ""
    if command == "addons:plans":
        check(rest and rest[0] in addon_services(), f"app.json uses no add-on {rest[:1]}")
        return ""
    if command in {"addons:wait", "addons", "login", "open", "ps", "releases", "domains"}:
        check(not rest, f"heroku {command} takes no arguments here")
        return ""
    if command == "config:set":
        check_assignments(rest)
        return ""
    if command == "config:unset":
        check(all(re.fullmatch(r"[A-Z_]+", name) for name in rest), "names are NAME")
        return ""
    if command == "config:get":
        check(
            len(rest) == 1 and rest[0] in variables() | {"REDIS_URL", "DATABASE_URL"},
            f"the app reads no variable {rest}",
        )
        return "redis://example.invalid:6379" if rest[0] == "REDIS_URL" else ""
    if command == "config":
        check(not rest, "heroku config takes no arguments here")
        return ""
    if command == "ps:scale":
        for entry in rest:
            kind, _, count = entry.partition("=")
            check(kind in procfile_types() - {"release"}, f"the Procfile has no process {kind}")
            check(count.isdigit(), f"{entry}: the count is a number")
        return ""
    if command == "ps:resize":
        for entry in rest:
            kind, _, size = entry.partition("=")
            check(kind in procfile_types() - {"release"}, f"the Procfile has no process {kind}")
            check(size in HEROKU_DYNO_SIZES, f"{size} is not a Heroku dyno size")
        return ""
    if command == "features:enable":
        check(rest == ["preboot"], f"unknown feature {rest}")
        return ""
    if command == "labs:enable":
        check(rest == ["runtime-dyno-metadata"], f"unknown labs feature {rest}")
        return ""
    if command == "rollback":
        check(len(rest) <= 1 and all(re.fullmatch(r"v\d+", r) for r in rest), "rollback vN")
        return ""
    if command == "releases:output":
        check(len(rest) <= 1 and all(re.fullmatch(r"v\d+", r) for r in rest), "release vN")
        return ""
    if command == "logs":
        allowed = {"--tail", "-n", "--source", "--dyno"}
        options = [word for word in rest if word.startswith("-")]
        check(set(options) <= allowed, f"unknown logs options {options}")
        return ""
    if command == "maintenance:on" or command == "maintenance:off":
        return ""
    if command == "run":
        # Without `--`, the Heroku CLI reads the command's own options (`flask --app ...`) as
        # its own: `--app` then names a Heroku app, and the command fails.
        check(rest[:1] == ["--"], "heroku run takes the dyno's command after `--`")
        check_flask(rest[1:])
        return ""
    if command.startswith("pg:"):
        check("heroku-postgresql" in addon_services(), "app.json has no Heroku Postgres add-on")
        allowed = {
            "pg:backups",
            "pg:backups:capture",
            "pg:backups:schedule",
            "pg:backups:schedules",
            "pg:backups:restore",
            "pg:backups:download",
            "pg:info",
            "pg:psql",
        }
        check(command in allowed, f"unknown command heroku {command}")
        if command in {"pg:backups:schedule", "pg:backups:restore"}:
            check("DATABASE_URL" in rest, f"heroku {command} names the database: DATABASE_URL")
        return ""
    if command == "redis:info":
        check("heroku-redis" in addon_services(), "app.json has no Heroku Key-Value Store")
        return ""
    if command == "domains:add":
        check(len(rest) == 1 and "." in rest[0], "heroku domains:add HOST")
        return ""
    if command in {"certs:auto:enable", "certs:auto"}:
        return ""
    raise Refused(f"heroku {command} is not known to this shim (tests/support/doc_shims.py)")


# --- fly -----------------------------------------------------------------------------------


def fly_toml() -> dict:
    import tomllib

    path = PROJECT / "fly.toml"
    check(path.exists(), "no fly.toml: not a Fly.io project")
    return tomllib.loads(path.read_text())


def fly(args: list[str]) -> str:
    check(bool(args), "no subcommand")
    settings = fly_toml()
    app = settings["app"]
    command, rest = args[0], args[1:]
    if command == "auth" and rest == ["login"]:
        return ""
    if command == "launch":
        check(set(rest) == {"--no-deploy", "--copy-config"}, "fly launch keeps fly.toml here")
        return ""
    if command == "secrets":
        check(rest[:1] in (["set"], ["list"]), f"unknown: fly secrets {rest[:1]}")
        if rest[0] == "set":
            check_assignments(rest[1:])
        return ""
    if command == "deploy":
        check("release_command" in settings.get("deploy", {}), "fly.toml has no release_command")
        if rest:
            check(rest[0] == "--image" and len(rest) == 2, "fly deploy [--image REF]")
            check(
                rest[1].startswith(f"registry.fly.io/{app}:"), f"not an image of {app}: {rest[1]}"
            )
        return ""
    if command in {"status", "logs"}:
        check(set(rest) <= {"--no-tail"}, f"unknown options {rest}")
        return ""
    if command == "releases":
        check(set(rest) <= {"--image"}, f"unknown options {rest}")
        return ""
    if command == "checks" or command == "ips":
        check(rest == ["list"], f"fly {command} list")
        return ""
    if command == "scale" and rest[:1] == ["count"] and "=" in "".join(rest[1:]):
        groups = set(fly_toml().get("processes", {}))  # `count app=1 worker=2`
        for entry in rest[1:]:
            group, _, count = entry.partition("=")
            check(group in groups and count.isdigit(), f"fly.toml has no process group {group}")
        return ""
    if command == "scale":
        check(len(rest) == 2, "fly scale count|vm|memory VALUE")
        what, value = rest
        if what == "count":
            check(value.isdigit(), "fly scale count N")
        elif what == "vm":
            check(value in FLY_VM_SIZES, f"{value} is not a Fly Machine size")
        elif what == "memory":
            check(value.isdigit() and int(value) % 256 == 0, "memory in MB, a multiple of 256")
        else:
            raise Refused(f"fly scale {what}?")
        return ""
    if command == "ssh":
        check(rest[:2] == ["console", "--pty"] and rest[2] == "-C", 'fly ssh console --pty -C "…"')
        package = answers()["package_name"]
        check_flask(shlex.split(rest[3]), app_path=f"/app/{package}")
        return ""
    if command == "certs":
        check(rest[:1] in (["add"], ["show"], ["list"]), f"fly certs {rest[:1]}")
        return ""
    if command == "redis":
        check(rest == ["create"], f"fly redis {rest}")
        check(answers()["redis"], "this project uses no Redis")
        return ""
    if command in {"mpg", "postgres"}:
        check(answers()["database"] == "postgresql", "this project uses no PostgreSQL")
        check(rest[:1] in (["create"], ["list"], ["attach"]), f"fly {command} {rest[:1]}")
        if rest[0] == "attach":
            check(rest[-2:] == ["--app", app], f"attach to the app in fly.toml: --app {app}")
        return ""
    raise Refused(f"fly {command} is not known to this shim (tests/support/doc_shims.py)")


# --- docker compose --------------------------------------------------------------------------


def compose() -> dict:
    path = PROJECT / "compose.yaml"
    check(path.exists(), "no compose.yaml: not a Docker project")
    return yaml.safe_load(path.read_text())


def dotenv_names() -> set[str]:
    env = PROJECT / ".env"
    lines = env.read_text().splitlines() if env.exists() else []
    return {line.split("=", 1)[0].strip() for line in lines if "=" in line and line[0] != "#"}


DATABASE_CLIENTS = {
    "postgres": ({"pg_dump", "pg_restore", "psql"}, "POSTGRES_USER", "POSTGRES_DB"),
    "mariadb": ({"mariadb-dump", "mariadb"}, "MARIADB_USER", "MARIADB_DATABASE"),
}


def check_database_client(service: dict, words: list[str]) -> None:
    """A database client run in the database's container, with its user and database."""
    image = service["image"].split(":")[0]
    check(image in DATABASE_CLIENTS, f"no database clients in the image {image}")
    programs, user_key, database_key = DATABASE_CLIENTS[image]
    check(words and words[0] in programs, f"{words[:1]}: not a client of {image}")
    environment = service.get("environment", {})
    user = f"--username={environment[user_key]}"
    check(user in words or f"--user={environment[user_key]}" in words, f"needs {user}")
    database = environment[database_key]
    check(database in words or f"--dbname={database}" in words, f"names no database {database}")


def docker(args: list[str]) -> str:
    check(args[:1] == ["compose"], "only `docker compose` is shown in the docs")
    services = set(compose()["services"])
    rest = args[1:]
    check(bool(rest), "no compose subcommand")
    command, rest = rest[0], rest[1:]
    if "--scale" in rest:  # --scale SERVICE=N
        at = rest.index("--scale")
        service, _, count = rest[at + 1].partition("=")
        check(service in services and count.isdigit(), f"compose.yaml has no service {service}")
        rest = rest[:at] + rest[at + 2 :]
    options = [word for word in rest if word.startswith("-")]
    words = [word for word in rest if not word.startswith("-")]
    if command in {"up", "build", "pull", "restart", "stop", "start", "ps", "logs", "down"}:
        allowed = {"--build", "--detach", "-d", "--follow", "-f", "--wait", "--no-deps"}
        check(set(options) <= allowed, f"unknown options {options}")
        check(set(words) <= services, f"compose.yaml has no service {set(words) - services}")
        if command in {"up", "build"}:
            text = (PROJECT / "compose.yaml").read_text()
            required = set(re.findall(r"\$\{(\w+):\?", text))
            given = dotenv_names() | set(os.environ)
            check(required <= given, f"compose needs {sorted(required - given)} in .env")
        return ""
    if command in {"exec", "run"}:
        while rest and rest[0].startswith("-"):
            check(rest[0] in {"--rm", "-T"}, f"unknown option {rest[0]}")
            rest = rest[1:]
        check(rest and rest[0] in services, f"compose.yaml has no service {rest[:1]}")
        service = compose()["services"][rest[0]]
        if "image" in service and "build" not in service:
            check_database_client(service, rest[1:])
        else:
            check_flask(rest[1:])
        return ""
    raise Refused(f"docker compose {command} is not known to this shim")


# --- systemd ---------------------------------------------------------------------------------


def units() -> set[str]:
    deploy = PROJECT / "deploy"
    check(deploy.exists(), "no deploy/: not a server project")
    found = {path.name for path in deploy.iterdir() if path.suffix in {".service", ".timer"}}
    return found | {name.removesuffix(".service") for name in found} | {"nginx"}


def systemctl(args: list[str]) -> str:
    verbs = {"start", "stop", "restart", "reload", "status", "enable", "is-enabled"}
    verbs |= {"daemon-reload", "list-timers"}
    check(args and args[0] in verbs, f"systemctl {args[:1]}: unknown here")
    named = [word for word in args[1:] if not word.startswith("-")]
    check(set(named) <= units(), f"deploy/ has no unit {set(named) - units()}")
    return ""


def journalctl(args: list[str]) -> str:
    check("-u" in args, "journalctl -u UNIT")
    unit = args[args.index("-u") + 1]
    check(unit in units(), f"deploy/ has no unit {unit}")
    return ""


SHIMS = {
    "heroku": heroku,
    "fly": fly,
    "docker": docker,
    "systemctl": systemctl,
    "journalctl": journalctl,
}


def main(argv: list[str]) -> int:
    name, args = argv[0], argv[1:]
    try:
        output = SHIMS[name](args)
    except Refused as refusal:
        print(f"{name} (checked, not executed): {refusal}", file=sys.stderr)
        return 97
    if output:
        print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
