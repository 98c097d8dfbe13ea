"""What a render produces: complete files, no template syntax left, lint-clean Python,
the platform's files and no others, and no secret anywhere but the ignored .env."""

import json
import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from .support import matrix
from .support.processes import procfile
from .support.rendering import (
    TEMPLATE,
    answers_of,
    documented_in_env_example,
    render,
    text_files,
    variables_read_by_config,
)

# Every value and every accepted pair of values, computed from copier.yml (support/matrix.py).
VARIANTS = {matrix.variant_id(answers): answers for answers in matrix.covering_variants()}
HEROKU_VARIANTS = [name for name, answers in VARIANTS.items() if answers["platform"] == "heroku"]
EVERY_PROJECT_FILES = {
    ".env.example",
    ".gitignore",
    ".python-version",
    "README.md",
    "SECURITY.md",
    "gunicorn.conf.py",
    "requirements.txt",
}
PLATFORM_FILES = {
    "heroku": {"Procfile", "app.json", "bin"},
    "render": {"render.yaml"},
    "fly": {"fly.toml", "Dockerfile", ".dockerignore"},
    "docker": {"Dockerfile", ".dockerignore", "compose.yaml", "Caddyfile"},
    "vps": {"deploy"},
}
JINJA = re.compile(r"{{|{%|{#")  # an opening delimiter; "}}" also closes nested dicts


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def project(request, tmp_path_factory):
    return render(tmp_path_factory.mktemp(request.param) / "app", **VARIANTS[request.param])


@pytest.fixture(scope="module", params=HEROKU_VARIANTS, ids=HEROKU_VARIANTS)
def heroku_project(request, tmp_path_factory):
    return render(tmp_path_factory.mktemp(request.param) / "app", **VARIANTS[request.param])


def flask_template_sources() -> dict[str, str]:
    """The Flask (not Copier) templates, which are copied as they are, by rendered path."""
    root = TEMPLATE / "template" / "{{package_name}}" / "templates"
    return {
        str(path.relative_to(root)): path.read_text() for path in root.rglob("*") if path.is_file()
    }


def test_no_template_syntax_is_left(project):
    flask_templates = flask_template_sources()
    for path, text in text_files(project):
        relative = path.relative_to(project)
        assert not JINJA.search(str(relative)), f"template syntax in the name {relative}"
        if text is None:
            continue
        if "templates" in relative.parts:
            source = str(relative.relative_to(*relative.parts[:2]))
            assert text == flask_templates[source], f"{relative} differs from its source"
        else:
            assert not JINJA.search(text), f"template syntax left in {relative}"


def test_ruff_finds_nothing(project):
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def bandit(folder, target: str) -> list[dict]:
    """bandit's findings of medium severity or above in target, a folder of folder."""
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", target, "-q", "-f", "json", "-ll"],  # medium+
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode in {0, 1}, result.stderr
    return json.loads(result.stdout)["results"]


def test_bandit_finds_nothing_of_medium_severity_or_above(project):
    findings = bandit(project, answers_of(project)["package_name"])
    assert [(f["filename"], f["line_number"], f["issue_text"]) for f in findings] == []


def test_bandit_reports_a_planted_finding(tmp_path):
    (tmp_path / "planted").mkdir()
    (tmp_path / "planted" / "run.py").write_text(
        "import subprocess\n\n\ndef run(command):\n    subprocess.call(command, shell=True)\n"
    )
    assert [finding["test_id"] for finding in bandit(tmp_path, "planted")] == ["B602"]


def test_every_python_file_compiles(project):
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_data_files_parse(project):
    for path in project.rglob("*"):
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
        elif path.suffix in {".yml", ".yaml"}:
            yaml.safe_load(path.read_text())


def test_the_platform_files_are_there_and_no_others(project):
    names = {path.name for path in project.iterdir()}
    platform = answers_of(project)["platform"]
    others = set().union(*PLATFORM_FILES.values()) - PLATFORM_FILES[platform]
    assert names >= EVERY_PROJECT_FILES | PLATFORM_FILES[platform]
    assert not names & others, f"{platform} renders files of other platforms"
    assert (project / "docs" / "DEPLOYMENT.md").exists()


def test_the_python_version_is_the_one_chosen(project):
    answers = answers_of(project)
    assert (project / ".python-version").read_text().strip() == answers["python_version"]


def test_requirements_are_pinned_exactly(project):
    for line in (project / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[a-z0-9-]+(\[[a-z]+\])?==[0-9][0-9a-z.]*", line), line


def test_the_options_left_out_leave_no_trace(project):
    answers = answers_of(project)
    package = project / answers["package_name"]
    requirements = (project / "requirements.txt").read_text()
    code = "\n".join(path.read_text() for path in package.rglob("*.py"))
    templates = {
        path.relative_to(package / "templates").as_posix()
        for path in (package / "templates").rglob("*.*")
    }
    tests = "\n".join(path.read_text() for path in (project / "tests").glob("*.py"))
    if not answers["auth"]:
        assert not (package / "auth").exists()
        assert "User" not in (package / "models.py").read_text()
        assert "/auth/" not in tests and "def sign_in" not in tests
        assert "flask-login" not in requirements
        migrations = [
            path.read_text() for path in (project / "migrations" / "versions").glob("*.py")
        ]
        assert not [text for text in migrations if '"users"' in text or '"roles"' in text]
        assert not any(name.startswith(("auth/", "admin/")) for name in templates)
    if answers["email"] == "none":
        assert not (package / "email.py").exists()
        assert not (package / "auth" / "tokens.py").exists()
        assert not (package / "auth" / "emails.py").exists()
        assert "flask-mail" not in requirements
        assert "MAIL_" not in (package / "config.py").read_text()
        assert "/reset" not in code and "/confirm" not in code
        assert not any(name.startswith("email/") for name in templates)
    if not answers["redis"]:
        assert not (package / "redis_storage.py").exists()
        assert "redis_storage" not in code and "redis" not in requirements
    if not (answers["redis"] and answers.get("jobs")):
        assert not (package / "jobs").exists()
        assert "rq" not in requirements.split() and "flask-rq" not in requirements
        assert "jobs" not in code.lower() and "rq" not in re.findall(r"\w+", code)
        assert "jobs" not in tests.lower()
        processes = [
            (project / name).read_text()
            for name in ("Procfile", "render.yaml", "fly.toml", "compose.yaml")
            if (project / name).exists()
        ]
        processes += [path.read_text() for path in (project / "deploy").glob("*.service")]
        assert not any(" rq " in text for text in processes)
        documents = [
            project / "docs" / "DEPLOYMENT.md",
            project / "README.md",
            project / ".env.example",
        ]
        assert not any(
            "JOBS_" in path.read_text() or "worker --with" in path.read_text() for path in documents
        )
    if not answers["sentry"]:
        assert not (package / "monitoring.py").exists()
        assert "sentry" not in code.lower() and "sentry" not in requirements
    if not answers.get("totp"):
        assert not (package / "two_factor").exists()
        assert "pyotp" not in requirements and "segno" not in requirements
        assert "totp" not in code.lower() and "recovery_codes" not in code
        assert not list((project / "migrations" / "versions").glob("*two_factor*"))
    if answers["platform"] not in {"heroku", "render", "fly"}:  # nginx or Caddy serve static
        assert not (package / "static_whitenoise.py").exists()
        assert "whitenoise" not in code.lower() and "whitenoise" not in requirements
        assert "whitenoise" not in tests.lower()
        assert "WhiteNoise" not in (project / "docs" / "DEPLOYMENT.md").read_text()


def test_env_holds_a_fresh_secret_key_that_nothing_else_holds(project):
    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    secret = env["SECRET_KEY"]
    assert len(secret) >= 50
    assert env["FLASK_CONFIG"] == "development"
    assert (project / ".env").stat().st_mode & 0o077 == 0
    for path, text in text_files(project):
        if path.name != ".env" and text is not None:
            assert secret not in text, f"the secret key leaked into {path}"
    assert "SECRET_KEY" not in (project / ".copier-answers.yml").read_text()


def ignored(project, path: str) -> bool:
    result = subprocess.run(["git", "check-ignore", "-q", path], cwd=project)
    return result.returncode == 0


def test_git_ignores_the_env_file_the_instance_folder_and_the_static_build(project):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    assert ignored(project, ".env")
    assert ignored(project, "instance/development.sqlite3")
    assert ignored(project, "build/static/manifest.json"), "each release builds its own"
    assert not ignored(project, ".env.example")
    assert not ignored(project, "app.json")


def test_each_render_gets_its_own_secret_key(tmp_path):
    keys = {
        next(
            line
            for line in (render(tmp_path / name) / ".env").read_text().splitlines()
            if line.startswith("SECRET_KEY=")
        )
        for name in ("one", "two")
    }
    assert len(keys) == 2


def test_the_env_task_never_overwrites_a_setting(tmp_path):
    project = render(tmp_path / "p")
    before = (project / ".env").read_text()
    subprocess.run([sys.executable, TEMPLATE / "hooks" / "write_env.py"], cwd=project, check=True)
    assert (project / ".env").read_text() == before

    (project / ".env").write_text("SECRET_KEY=mine\n")
    subprocess.run([sys.executable, TEMPLATE / "hooks" / "write_env.py"], cwd=project, check=True)
    lines = (project / ".env").read_text().splitlines()
    assert lines[0] == "SECRET_KEY=mine"
    assert "FLASK_CONFIG=development" in lines
    assert sum(line.startswith("SECRET_KEY=") for line in lines) == 1


def test_app_json_declares_every_variable_the_production_config_reads(heroku_project):
    project = heroku_project
    answers = answers_of(project)
    read = variables_read_by_config(project)
    app_json = json.loads((project / "app.json").read_text())
    declared, addons = set(app_json["env"]), app_json["addons"]
    assert {"SECRET_KEY", "MAX_CONTENT_LENGTH", "RATELIMIT_DEFAULT"} <= read
    set_by_heroku = {"DATABASE_URL", "JAWSDB_URL", "REDIS_URL", "HEROKU_SLUG_COMMIT"}
    for_tests_only = {name for name in read if name.startswith("TEST_")}
    assert read - set_by_heroku - for_tests_only <= declared
    plans = {addon["plan"].split(":")[0] for addon in addons}
    database_addon = {"postgresql": "heroku-postgresql", "mysql": "jawsdb"}[answers["database"]]
    assert database_addon in plans
    assert ("heroku-redis" in plans) == answers["redis"]
    secret_key = app_json["env"]["SECRET_KEY"]
    assert secret_key["generator"] == "secret"
    assert "value" not in secret_key


def test_env_example_documents_every_variable_the_config_reads(project):
    read = variables_read_by_config(project)
    documented = documented_in_env_example(project)
    assert "SECRET_KEY" in read
    assert read <= documented


def test_procfile_releases_with_flask_deploy_and_serves_with_the_shared_gunicorn_config(
    heroku_project,
):
    processes = procfile(heroku_project)
    assert processes["web"].startswith("gunicorn --config gunicorn.conf.py ")
    assert processes["release"].endswith(" deploy")


def test_procfile_and_app_json_run_the_worker_and_the_scheduler_with_jobs(heroku_project):
    """With jobs, the Procfile's worker and scheduler, one dyno each in app.json's formation
    (which also starts a web dyno); without, neither."""
    answers = answers_of(heroku_project)
    processes = procfile(heroku_project)
    formation = json.loads((heroku_project / "app.json").read_text())["formation"]
    if not (answers["redis"] and answers.get("jobs")):
        assert set(processes) == {"web", "release"} and set(formation) == {"web"}
        return
    package = answers["package_name"]
    assert processes["worker"] == f"flask --app {package} rq worker --with-scheduler"
    assert processes["scheduler"] == f"flask --app {package} rq cron"
    assert {name: dyno["quantity"] for name, dyno in formation.items()} == {
        "web": 1,
        "worker": 1,
        "scheduler": 1,
    }
