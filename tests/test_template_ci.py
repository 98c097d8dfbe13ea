"""The template repository's own CI workflow: valid for GitHub and actionlint, its tiers run
every test module of this suite once, its services listen where the tests look, and a release
landing on main is tagged once the tests pass."""

import subprocess
import sys
from pathlib import Path

import yaml

from .support.actionlint import actionlint
from .support.services import MARIADB, POSTGRES, REDIS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def job_of_tests() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["tests"]


def test_actionlint_finds_nothing_in_the_workflow():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_matches_githubs_schema():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tiers_run_every_test_module_once():
    paths = [
        path
        for tier in job_of_tests()["strategy"]["matrix"]["include"]
        for path in tier["paths"].split()
    ]
    modules = {path.relative_to(ROOT).as_posix() for path in ROOT.glob("tests/test_*.py")}
    assert sorted(paths) == sorted(modules)


def test_the_services_listen_where_the_tests_look():
    services = job_of_tests()["services"]
    published = {name: service["ports"] for name, service in services.items()}
    assert published == {
        "postgres": [f"{POSTGRES[1]}:5432"],
        "mariadb": [f"{MARIADB[1]}:3306"],
        "redis": [f"{REDIS[1]}:6379"],
    }
    assert services["postgres"]["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert services["mariadb"]["env"]["MARIADB_ALLOW_EMPTY_ROOT_PASSWORD"] == "1"
    assert job_of_tests()["env"]["REQUIRE_SERVICES"] == "1"


def test_a_release_landing_on_main_is_tagged_once_the_tests_pass():
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["release"]
    assert set(job["needs"]) == {"lint", "tests"}
    assert "github.event_name == 'push'" in job["if"]
    assert "github.ref == 'refs/heads/main'" in job["if"]
    assert job["permissions"] == {"contents": "write"}
    checkout = next(
        step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout")
    )
    assert checkout["with"]["fetch-depth"] == 0  # the release's commit may lie behind HEAD
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["python .ci/release.py", "git push origin --tags"]
