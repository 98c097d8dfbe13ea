"""Render: the render.yaml Blueprint declares the web service, its database and Key Value
instance and every variable the app reads, secrets only by reference, generation or prompt.
Its commands run for real in the boot tier (test_boot.py)."""

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from .support.platforms import (
    NOT_FOR_PRODUCTION,
    render_env_vars,
    render_settings,
    render_web_service,
)
from .support.rendering import answers_of, render, variables_read_by_config

VARIANTS = {
    "render-postgresql": {"platform": "render"},
    "render-mysql-no-redis": {
        "platform": "render",
        "database": "mysql",
        "redis": False,
        "email": "sendgrid",
        "sentry": True,
    },
    "render-no-accounts-no-mail": {
        "platform": "render",
        "auth": False,
        "email": "none",
        "python_version": "3.13",
    },
    "render-postmark-no-redis": {"platform": "render", "email": "postmark", "redis": False},
}
OTHER_PLATFORMS_FILES = {"Procfile", "app.json", "fly.toml", "Dockerfile", ".dockerignore"}
SOURCES = {"value", "generateValue", "sync", "fromDatabase", "fromService"}
# Render's generateValue: 256 random bits in base64.
SECRET_KEY = "q2vN5hX0c8Jr4LtS7yWb1ZpKm3Ue9Gd6Ao2Fi5Hn8Ts="


@pytest.fixture(scope="module", params=list(VARIANTS))
def project(request, tmp_path_factory) -> Path:
    return render(tmp_path_factory.mktemp(request.param) / "app", **VARIANTS[request.param])


def blueprint(project: Path) -> dict:
    return yaml.safe_load((project / "render.yaml").read_text())


def test_render_yaml_renders_and_no_other_platforms_files(project):
    names = {path.name for path in project.iterdir()}
    assert {"render.yaml", ".python-version", "requirements.txt", "gunicorn.conf.py"} <= names
    assert not OTHER_PLATFORMS_FILES & names
    text = (project / "render.yaml").read_text()
    assert "{{" not in text and "{%" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_the_web_service_builds_releases_and_starts_as_on_heroku(project, heroku_web_command):
    package = answers_of(project)["package_name"]
    web = render_web_service(project)
    assert web["name"] == answers_of(project)["project_slug"]
    assert web["runtime"] == "python"
    static_build = f"python -m {package}.static_files"
    assert web["buildCommand"] == f"pip install -r requirements.txt && {static_build}"
    assert web["preDeployCommand"] == f"flask --app {package} deploy"
    assert web["startCommand"] == heroku_web_command
    assert web["startCommand"].startswith("gunicorn --config gunicorn.conf.py ")
    assert web["healthCheckPath"] == "/health"
    assert web["plan"] != "free", "the pre-deploy command needs a paid instance type"


def test_render_runs_the_chosen_python(project):
    version = answers_of(project)["python_version"]
    assert (project / ".python-version").read_text().strip() == version
    # PYTHON_VERSION wins over .python-version, and Render wants a full version there.
    pinned = render_env_vars(project).get("PYTHON_VERSION", {}).get("value")
    assert pinned is None or re.fullmatch(re.escape(version) + r"\.\d+", pinned)


def test_the_database_and_key_value_are_wired_over_the_private_network(project):
    answers = answers_of(project)
    document, variables = blueprint(project), render_env_vars(project)
    database_url, services = variables["DATABASE_URL"], document["services"]
    if answers["database"] == "postgresql":
        (database,) = document["databases"]
        assert database_url["fromDatabase"] == {
            "name": database["name"],
            "property": "connectionString",
        }
        assert database["ipAllowList"] == []
    else:
        assert "databases" not in document
        assert database_url == {"key": "DATABASE_URL", "sync": False}
        assert "no managed MySQL" in (project / "render.yaml").read_text()

    key_value = [s for s in services if s["type"] == "keyvalue"]
    if answers["redis"]:
        (store,) = key_value
        assert variables["REDIS_URL"]["fromService"] == {
            "type": "keyvalue",
            "name": store["name"],
            "property": "connectionString",
        }
        assert store["ipAllowList"] == []
        assert store["maxmemoryPolicy"] == "noeviction"
    else:
        assert not key_value
        assert "REDIS_URL" not in variables
    regions = {s["region"] for s in services} | {d["region"] for d in document.get("databases", [])}
    assert len(regions) == 1, "the private network joins services of one region only"


def test_every_variable_has_one_source_and_no_secret_is_written(project):
    variables = render_env_vars(project)
    for key, variable in variables.items():
        sources = set(variable) - {"key"}
        assert len(sources) == 1 and sources <= SOURCES, f"{key}: {variable}"
        if "sync" in variable:
            assert variable["sync"] is False, key
        if "value" in variable:
            assert isinstance(variable["value"], str), f"{key}: quote it, Render wants text"
    assert variables["FLASK_CONFIG"] == {"key": "FLASK_CONFIG", "value": "render"}
    assert variables["SECRET_KEY"] == {"key": "SECRET_KEY", "generateValue": True}
    for secret in ("MAIL_PASSWORD", "SENTRY_DSN", "DATABASE_URL", "REDIS_URL"):
        assert "value" not in variables.get(secret, {}), f"{secret} written in render.yaml"
    local_key = next(
        line.split("=", 1)[1]
        for line in (project / ".env").read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    )
    assert local_key not in (project / "render.yaml").read_text()


# Render sets these itself on every deploy.
SET_BY_RENDER = {"RENDER_GIT_COMMIT", "RENDER_EXTERNAL_HOSTNAME"}


def test_every_variable_the_config_reads_is_declared_and_nothing_else(project):
    read = {
        name for name in variables_read_by_config(project) if not NOT_FOR_PRODUCTION.match(name)
    }
    declared = set(render_env_vars(project)) - {"PYTHON_VERSION"}
    required = {"FLASK_CONFIG", "SECRET_KEY", "DATABASE_URL"}
    if answers_of(project)["redis"]:
        required.add("REDIS_URL")
    assert required <= declared
    assert read - SET_BY_RENDER <= declared
    assert declared <= read | {"FLASK_CONFIG"}, "a variable that the app never reads"


def test_a_prompt_left_empty_keeps_the_apps_default(project, venv):
    package = answers_of(project)["package_name"]
    prompted = {
        key: ""
        for key, variable in render_env_vars(project).items()
        if variable.get("sync") is False and key != "DATABASE_URL"  # required: SEC003
    }
    given = render_settings(project)
    base = {key: value for key, value in given.items() if key not in prompted} | {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": "postgresql://u:p@db/d",
    }
    script = (
        "import json, sys\n"
        "from importlib import import_module\n"
        f"from {package} import FEATURES\n"
        f"from {package}.config import config_for\n"
        "def settings(environ):\n"
        "    config = config_for('render', environ, '/tmp')\n"
        "    values = {k: getattr(config, k) for k in dir(config) if k.isupper()}\n"
        "    for name in FEATURES:\n"
        f"        import_module(f'{package}.{{name}}').settings(values, environ)\n"
        "    return values\n"
        "base, prompted = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n"
        "a = settings(base)\n"
        "b = settings({**base, **prompted})\n"
        "print(json.dumps({k: [repr(a.get(k)), repr(b.get(k))] for k in a.keys() | b.keys()"
        " if repr(a.get(k)) != repr(b.get(k))}))\n"
    )
    result = subprocess.run(
        [venv / "bin" / "python", "-c", script, json.dumps(base), json.dumps(prompted)],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}, "an empty answer changes a setting"


def test_with_jobs_two_background_workers_run_the_procfiles_commands(project):
    """The worker and the scheduler: built as the web service, started as Heroku's Procfile
    starts them, with the web's settings and the Key Value instance, and the web's grace."""
    answers = answers_of(project)
    workers = {s["name"]: s for s in blueprint(project)["services"] if s["type"] == "worker"}
    if not (answers["redis"] and answers.get("jobs")):
        assert workers == {}
        return
    slug, package = answers["project_slug"], answers["package_name"]
    web = render_web_service(project)
    commands = {"worker": "rq worker --with-scheduler", "scheduler": "rq cron"}
    assert set(workers) == {f"{slug}-{process}" for process in commands}
    for process, command in commands.items():
        worker = workers[f"{slug}-{process}"]
        assert worker["startCommand"] == f"flask --app {package} {command}"
        assert (worker["buildCommand"], worker["region"]) == (web["buildCommand"], web["region"])
        assert worker["maxShutdownDelaySeconds"] >= 30
        variables = {variable["key"]: variable for variable in worker["envVars"]}
        assert variables["FLASK_CONFIG"]["value"] == "render"
        for name in ("SECRET_KEY", "SITE_URL", "DATABASE_URL"):
            assert variables[name]["fromService"] == {
                "type": "web",
                "name": slug,
                "envVarKey": name,
            }
        assert variables["REDIS_URL"]["fromService"]["type"] == "keyvalue"
        if answers["email"] != "none":
            assert variables["MAIL_SERVER"]["fromService"]["envVarKey"] == "MAIL_SERVER"
