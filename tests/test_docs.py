"""The documentation site (docs/, mkdocs.yml): the questions page is what copier.yml says
today, the site builds with `mkdocs build --strict`, the check-deploy tables list the rules
of checks.py, and every command the pages show runs.

Commands run for real where this machine can run them: copier, flask, pytest, openssl,
mkdocs, aiosmtpd, git. Commands that need a platform account, a remote server or a Docker
engine (heroku, fly, docker compose, systemctl, journalctl) are checked, not executed: a
shim stands in for each (tests/support/doc_shims.py) and checks what can be checked against
the rendered project, such as variable names the app reads, add-on plans in app.json,
services in compose.yaml and units in deploy/.
"""

import json
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .support.doc_blocks import DOCS, PLATFORM_KINDS, blocks, command_blocks, pages, parse_context
from .support.doc_shims import flask_commands
from .support.processes import stop
from .support.rendering import TEMPLATE, render
from .support.services import MARIADB, POSTGRES, REDIS, require
from .support.template_versions import release_commit
from .support.venv import CACHE as VENV_CACHE

sys.path.insert(0, str(DOCS))
from generate_questions import COMMAND, questions_page

SHIMS = Path(__file__).parent / "support" / "doc_shims.py"
SHIMMED = {"heroku": ["heroku"], "fly": ["fly"], "docker": ["docker"]}
SHIMMED["vps"] = ["systemctl", "journalctl"]
BLOCK_TIMEOUT = 300
SERVICE_ADDRESSES = {"postgresql": POSTGRES, "mysql": MARIADB, "redis": REDIS}
PAGES_WITH_COMMANDS = sorted({block.page for block in command_blocks()})


# --- The questions page ----------------------------------------------------------------------


def test_the_questions_page_is_what_copier_yml_says_today():
    committed = (DOCS / "questions.md").read_text(encoding="utf-8")
    assert committed == questions_page(), f"docs/questions.md is stale: run {COMMAND}"


def test_a_changed_help_text_changes_the_questions_page(tmp_path):
    copy = tmp_path / "copier.yml"
    text = (TEMPLATE / "copier.yml").read_text(encoding="utf-8")
    help_text = "help: The production database"
    assert help_text in text
    copy.write_text(text.replace(help_text, "help: Where the rows live"), encoding="utf-8")
    changed = questions_page(copy)
    assert changed != questions_page()
    assert "Where the rows live." in changed
    assert "The production database." not in changed


def test_the_questions_page_names_each_refused_combination_and_its_reason():
    page = questions_page()
    combinations = page.split("## Refused combinations", 1)[1]
    assert "`database` with `platform`" in combinations
    assert "SQLite cannot be used on {{ platform }}: its disk is wiped" in combinations
    assert "`totp` with `auth`" in combinations
    assert "Two-factor sign-in needs user accounts" in combinations
    assert "only when `auth` is yes" in page  # totp's `when`
    assert "reserved_package_names`" not in page.split("## `project_name`")[0]  # not a question


# --- The site builds ----------------------------------------------------------------------


def test_the_site_builds_with_mkdocs_strict(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=TEMPLATE,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "questions" / "index.html").exists()
    assert (tmp_path / "site" / "platforms" / "heroku" / "index.html").exists()


# --- The check-deploy tables ----------------------------------------------------------------


@pytest.fixture(scope="module")
def rules(venv, tmp_path_factory) -> dict[str, tuple[str, str]]:
    """{id: (level, problem)} from checks.py's RULES, as the rendered app defines them."""
    project = render(tmp_path_factory.mktemp("rules") / "app")
    dump = "import json; from my_flask_app.checks import RULES; "
    dump += "print(json.dumps({r.id: [r.level, r.problem] for r in RULES}))"
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", dump],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {rule: tuple(value) for rule, value in json.loads(out).items()}


def rule_rows(page: Path) -> dict[str, tuple[str, str]]:
    """{id: (level, problem)} from the rows of page that start with `| SEC`."""
    rows = {}
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("| SEC"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0]] = (cells[1], cells[2])
    return rows


@pytest.mark.parametrize("platform", sorted(PLATFORM_KINDS | {"render"}))
def test_each_platform_page_lists_every_check_deploy_rule_as_checks_py_has_it(platform, rules):
    rows = rule_rows(DOCS / "platforms" / f"{platform}.md")
    assert sorted(rows) == sorted(rules), "the table's IDs differ from checks.py's RULES"
    for rule, (level, problem) in rules.items():
        assert rows[rule] == (level, problem), f"{rule}: the table says {rows[rule]}"


# --- The commands ---------------------------------------------------------------------------


def test_every_command_block_names_a_known_context():
    problems = []
    for block in command_blocks():
        try:
            parse_context(block.context)
        except ValueError as error:
            problems.append(f"{block.where}: {error}")
    assert not problems, "\n".join(problems)
    assert PAGES_WITH_COMMANDS, "no sh blocks found: the extraction is broken"


def test_a_block_without_a_context_or_with_an_unknown_one_is_refused(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```sh\nls\n```\n\n<!-- run: laptop -->\n```sh\nls\n```\n")
    first, second = blocks(page, tmp_path)
    with pytest.raises(ValueError, match="no <!-- run"):
        parse_context(first.context)
    with pytest.raises(ValueError, match="unknown context 'laptop'"):
        parse_context(second.context)


class Workspace:
    """The folders a page's blocks run in: one clone of this repository and one rendered
    project per set of answers, each kept for the page's later blocks."""

    def __init__(self, root: Path, venv: Path):
        self.root, self.venv = root, venv
        self.projects: dict[tuple, Path] = {}
        self.clone: Path | None = None
        self.home = root / "home"
        self.home.mkdir()

    def template(self) -> Path:
        if self.clone is None:
            self.clone = self.root / "copier-flask-production"
            subprocess.run(["git", "clone", "-q", str(TEMPLATE), str(self.clone)], check=True)
            tag_releases(self.clone)
            (self.clone / ".venv").symlink_to(Path(sys.executable).parents[1])
        return self.clone

    def project(self, answers: dict[str, str]) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in self.projects:
            destination = self.root / f"project{len(self.projects)}" / "my-flask-app"
            render(destination, **answers)
            (destination / ".venv").symlink_to(self.venv)
            self.projects[key] = destination
        return self.projects[key]

    def shims(self, kind: str, project: Path) -> Path:
        folder = self.root / f"shims-{kind}"
        folder.mkdir(exist_ok=True)
        for name in SHIMMED[kind]:
            shim = folder / name
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{SHIMS}" {name} "$@"\n')
            shim.chmod(0o755)
        return folder

    def environment(self, kind: str, cwd: Path) -> dict[str, str]:
        path = "/usr/local/bin:/usr/bin:/bin"
        if kind == "template":  # copier on PATH, as a user who installed it with pipx has it
            path = f"{path}:{Path(sys.executable).parent}"
        if kind in SHIMMED:
            path = f"{self.shims(kind, cwd)}:{path}"
        return {
            "PATH": path,
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "NO_MKDOCS_2_WARNING": "1",
            "GIT_AUTHOR_NAME": "Docs Test",
            "GIT_AUTHOR_EMAIL": "docs@example.com",
            "GIT_COMMITTER_NAME": "Docs Test",
            "GIT_COMMITTER_EMAIL": "docs@example.com",
            # The rendered apps' virtualenvs, built once per set of pins (support/venv.py).
            "XDG_CACHE_HOME": str(VENV_CACHE.parent),
            "DOCS_PROJECT": str(cwd),
            "DOCS_STATE": str(self.root),
        }


def tag_releases(clone: Path) -> None:
    """Tag each release the CHANGELOG names on its commit, as the published repository has
    it, where the clone lacks the tag: the pages copy and update from releases."""
    changelog = (clone / "CHANGELOG.md").read_text(encoding="utf-8")
    present = subprocess.run(
        ["git", "tag"], cwd=clone, check=True, capture_output=True, text=True
    ).stdout.split()
    for version in re.findall(r"^## (\d+\.\d+\.\d+)", changelog, re.MULTILINE):
        if version not in present:
            subprocess.run(["git", "tag", version, release_commit(version)], cwd=clone, check=True)


def port_of(url: str) -> int:
    return int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


def answers(url: str) -> bool:
    """Whether the server at url answers: 200 over HTTP(S), a 220 greeting over SMTP."""
    try:
        if url.startswith("smtp://"):
            with smtplib.SMTP("127.0.0.1", port_of(url), timeout=2) as smtp:
                return smtp.noop()[0] == 250
        context = ssl._create_unverified_context()  # a self-signed certificate, on purpose
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return response.status == 200
    except OSError:
        return False


def wait_for_free_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.5)
    pytest.fail(f"port {port} stays in use by another program: the block cannot serve on it")


def serve(block, code: str, cwd: Path, env: dict[str, str], url: str) -> None:
    wait_for_free_port(port_of(url))
    log = cwd.parent / f"serve-{block.line}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", code],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not answers(url):
            output = log.read_text(errors="replace")
            assert process.poll() is None, f"{block.where}: the server exited:\n{output}"
            assert time.monotonic() < deadline, f"{block.where}: {url} never answered:\n{output}"
            time.sleep(0.3)
    finally:
        stop(process)


@pytest.mark.parametrize("page", PAGES_WITH_COMMANDS)
def test_every_command_on_the_page_runs(page, venv, tmp_path):
    """Runs the page's sh blocks in order, each in its context (see doc_blocks.py)."""
    workspace = Workspace(tmp_path, venv)
    for block in (block for block in command_blocks() if block.page == page):
        context = parse_context(block.context)
        for service in context.needs:
            require(service, SERVICE_ADDRESSES[service])
        if context.kind == "template":
            cwd = workspace.template() / (context.dir or ".")
        else:
            cwd = workspace.project(context.project_answers)
        env = workspace.environment(context.kind, cwd)
        if context.serve:
            serve(block, block.code, cwd, env, context.serve)
            continue
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.code],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
        )
        assert result.returncode == context.exit, (
            f"{block.where} exited {result.returncode}, not {context.exit}:\n{block.code}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    shutil.rmtree(tmp_path / "home", ignore_errors=True)


def test_copier_refuses_what_the_questions_page_says_it_refuses(tmp_path):
    page = questions_page()
    with pytest.raises(ValueError) as refusal:
        render(tmp_path / "refused", platform="fly", database="sqlite")
    shown = "SQLite cannot be used on fly: its disk is wiped on every deploy and restart"
    assert shown in " ".join(str(refusal.value).split())
    assert shown.replace("fly", "{{ platform }}", 1) in page


# --- The stand-ins refuse what is wrong ---------------------------------------------------


@pytest.fixture(scope="module")
def stand_in_workspace(venv, tmp_path_factory) -> "Workspace":
    """One rendered project per platform, shared by the stand-in tests (they change nothing)."""
    return Workspace(tmp_path_factory.mktemp("stand-ins"), venv)


@pytest.mark.parametrize(
    ("platform", "command", "reason"),
    [
        ("heroku", "heroku config:set FLASK_ENV=production", "FLASK_ENV"),
        ("heroku", "heroku config:set NOT_READ=1", "reads no variable NOT_READ"),
        ("heroku", "heroku addons:create heroku-postgresql:hobby-dev", "names no add-on"),
        ("heroku", "heroku ps:scale clock=1", "no process clock"),
        ("heroku", "heroku run -- flask --app my_flask_app no-such-command", "no command"),
        # Without --, the Heroku CLI takes --app for its own: a Heroku app of that name.
        ("heroku", "heroku run flask --app my_flask_app check-deploy", "command after `--`"),
        ("fly", "fly secrets set SECRET=1", "reads no variable SECRET"),
        ("fly", "fly scale vm huge", "not a Fly Machine size"),
        ("docker", "docker compose up --detach mailer", "no service"),
        ("docker", "docker compose exec -T db pg_dump --username=root x", "needs"),
        ("vps", "systemctl restart my-flask-app-mailer", "no unit"),
        ("vps", "journalctl -u postgresql", "no unit"),
    ],
)
def test_the_stand_ins_refuse_what_the_project_does_not_have(
    platform, command, reason, stand_in_workspace
):
    workspace = stand_in_workspace
    project = workspace.project({"platform": platform})
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=project,
        env=workspace.environment(platform, project),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 97, result.stdout + result.stderr
    assert "(checked, not executed)" in result.stderr
    assert reason in result.stderr


# --- Commands named in the prose -------------------------------------------------------------

# `flask deploy`, `flask --app <package> db upgrade`: the command and its subcommand, if any.
FLASK_IN_PROSE = re.compile(r"`flask (?:--app \S+ )?([a-z][\w-]*)(?: ([a-z][\w-]*))?")


def test_every_flask_command_named_in_the_prose_exists(stand_in_workspace):
    """Blocks run; a command named in a sentence must at least be one the app has (the
    default project with two-factor sign-in, which has every command)."""
    project = stand_in_workspace.project({"totp": "true"})
    commands = flask_commands(project, "my_flask_app")
    database_commands = flask_commands(project, "my_flask_app", "db")
    named = {
        (command, sub)
        for page in pages()
        for command, sub in FLASK_IN_PROSE.findall(page.read_text(encoding="utf-8"))
    }
    assert ("deploy", "") in named and ("db", "upgrade") in named  # the scan reads the pages
    missing = sorted(f"flask {command}" for command, _ in named if command not in commands)
    missing += sorted(
        f"flask db {sub}"
        for command, sub in named
        if command == "db" and sub and sub not in database_commands
    )
    assert not missing, f"the pages name commands the app does not have: {missing}"
