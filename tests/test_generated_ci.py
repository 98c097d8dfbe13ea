"""The rendered project's own CI: its files validate against their schema, and its test job's
commands pass when run here against the same kinds of real servers (PostgreSQL, MariaDB,
Redis) that its services start."""

import contextlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from .support.actionlint import actionlint
from .support.processes import clean_env, run
from .support.rendering import answers_of, deployed_copy, render
from .support.services import DATABASES, REDIS, require

CI_FILES = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}
SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}
VARIANTS = {
    "github-postgresql-redis": {"ci": "github"},
    "github-mysql": {"ci": "github", "database": "mysql", "redis": False},
    "github-sqlite-docker": {
        "ci": "github",
        "platform": "docker",
        "database": "sqlite",
        "redis": False,
    },
    "gitlab-postgresql": {"ci": "gitlab", "redis": False},
    "gitlab-mysql-redis": {"ci": "gitlab", "database": "mysql"},
}
GITHUB_VARIANTS = [name for name, answers in VARIANTS.items() if answers["ci"] == "github"]
# The test job runs the project's whole suite, minutes each (MariaDB's most): each CI service,
# each database, and Redis on and off, once.
TEST_JOB_VARIANTS = ["github-postgresql-redis", "github-sqlite-docker", "gitlab-mysql-redis"]


def checked_out(name: str, tmp_path_factory) -> Path:
    """The project as CI checks it out: what git holds, so no .env."""
    root = tmp_path_factory.mktemp(name)
    return deployed_copy(render(root / "work", **VARIANTS[name]), root / "checkout")


@pytest.fixture(scope="module", params=list(VARIANTS))
def project(request, tmp_path_factory):
    return checked_out(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=TEST_JOB_VARIANTS)
def tested_project(request, tmp_path_factory):
    return checked_out(request.param, tmp_path_factory)


def test_only_the_chosen_ci_renders(project):
    chosen = answers_of(project)["ci"]
    for ci, path in CI_FILES.items():
        assert (project / path).exists() == (ci == chosen), path


def test_no_ci_renders_no_ci_files(tmp_path):
    project = render(tmp_path / "app", ci="none")
    assert not any((project / path).exists() for path in CI_FILES.values())
    assert not (project / ".github").exists()


def test_the_ci_files_match_their_schema(project):
    ci = answers_of(project)["ci"]
    checker = Path(sys.executable).with_name("check-jsonschema")
    files = sorted((project / ".github" / "workflows").glob("*.yml")) or [project / CI_FILES[ci]]
    result = subprocess.run(
        [str(checker), "--builtin-schema", SCHEMAS[ci], *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module", params=GITHUB_VARIANTS)
def github_project(request, tmp_path_factory):
    return render(tmp_path_factory.mktemp(request.param) / "app", **VARIANTS[request.param])


def test_actionlint_finds_nothing_in_the_workflows(github_project):
    result = actionlint(*sorted((github_project / ".github" / "workflows").glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minute: 5\n"
        "    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert 'unexpected key "timeout-minute"' in result.stdout
    assert 'property "nope" is not defined' in result.stdout


def test_job(project) -> tuple[list[str], dict[str, str]]:
    """The test job's commands and environment, as the CI file states them."""
    ci = answers_of(project)["ci"]
    document = yaml.safe_load((project / CI_FILES[ci]).read_text())
    if ci == "github":
        job = document["jobs"]["test"]
        steps = [step for step in job["steps"] if "run" in step]
        commands = [
            "".join(f"export {k}={v}; " for k, v in step.get("env", {}).items()) + step["run"]
            for step in steps
        ]
        return commands, {k: str(v) for k, v in job["env"].items()}
    job = document["test"]
    return list(job["script"]), {k: str(v) for k, v in job["variables"].items()}


test_job.__test__ = False  # a helper, not a test


def test_the_test_job_passes_against_real_services(tested_project, venv, tmp_path):
    project = tested_project
    commands, env = test_job(project)
    chosen = answers_of(project)
    assert commands[0] == "python -m pip install -r requirements-dev.txt"
    assert any(command.startswith("bandit -r") for command in commands)
    assert any(command.endswith("db check") for command in commands)
    assert commands[-1] == "pytest"
    sqlite = SimpleNamespace(url=f"sqlite:///{tmp_path}/ci.sqlite3")  # a fresh file, as in CI
    database_server = DATABASES.get(chosen["database"], lambda: contextlib.nullcontext(sqlite))
    with database_server() as database:
        env["TEST_DATABASE_URL"] = database.url
        if "TEST_REDIS_URL" in env:
            require("Redis", REDIS)
            env["TEST_REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/0"
        job_env = clean_env(venv, **{k: v for k, v in env.items() if k.startswith("TEST_")})
        for command in commands[1:]:  # the venv already holds requirements-dev.txt
            result = run(command, project, job_env, timeout=600)
            output = result.stdout[-4000:] + result.stderr[-4000:]
            assert result.returncode == 0, f"{command}\n{output}"


def test_the_audit_job_is_strict_about_every_pin(project):
    ci = answers_of(project)["ci"]
    text = (project / CI_FILES[ci]).read_text()
    assert "pip-audit --strict --requirement requirements.txt" in text


def test_the_audit_passes():
    pytest.skip(
        "pip-audit needs PyPI's vulnerability data, which the package mirror reachable from "
        "here does not serve ('Dependency not found on PyPI'); the generated CI runs it"
    )
