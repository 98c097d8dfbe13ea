"""Each variant's own test suite passes, with its pinned requirements installed."""

import re
import subprocess
from contextlib import ExitStack

import pytest

from .support import matrix
from .support.processes import clean_env
from .support.rendering import answers_of, render
from .support.services import REDIS, private_redis_db
from .support.venv import pinned_lines

# Every value, and every accepted pair of values that change behaviour together, computed from
# copier.yml (support/matrix.py).
VARIANTS = {matrix.variant_id(answers): answers for answers in matrix.run_time_variants()}

# Every installed distribution that requirements.txt pins must have all of its own
# dependencies pinned there too: a platform that installs the file gets a complete set.
CLOSURE_CHECK = """
import re, sys
from importlib.metadata import distribution
from packaging.requirements import Requirement
pinned = {}
for line in open("requirements.txt"):
    line = line.split("#")[0].strip()
    if line:
        req = Requirement(line)
        pinned[re.sub(r"[-_.]+", "-", req.name).lower()] = req
missing = set()
for name, req in pinned.items():
    for dependency in distribution(name).requires or []:
        dep = Requirement(dependency)
        extras = req.extras or {""}
        if dep.marker and not any(dep.marker.evaluate({"extra": extra}) for extra in extras):
            continue
        if re.sub(r"[-_.]+", "-", dep.name).lower() not in pinned:
            missing.add(f"{dep.name} (needed by {name})")
print("\\n".join(sorted(missing)))
sys.exit(1 if missing else 0)
"""


# Quotes, triple quotes, backslashes, a systemd specifier and letters beyond ASCII: each must
# land as valid Python, TOML, YAML, JSON, shell and Markdown wherever the answers go. Every
# variant but the defaults (what a new user renders first) carries them, at no extra run.
AWKWARD_ANSWERS = {
    "project_name": 'Café """Ünïcode\\ App 100%',
    "project_slug": "cafe-unicode-app",
    "description": 'A "quoted" \\ back\\slash """ app, l\'été',
    "author_name": 'Zoë "Q" \\ O\'Brien',
}


def answers_for(variant: str) -> dict:
    answers = VARIANTS[variant]
    return answers if variant == "defaults" else {**answers, **AWKWARD_ANSWERS}


def ruff_finds_nothing(project, venv) -> None:
    for command in (["check"], ["format", "--check"]):
        ruff = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "ruff", *command, "."],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def run_tests(project, venv):
    # With nothing from this shell: a TEST_DATABASE_URL exported here would have every variant's
    # suite create and drop its tables in that one database at once. A few fuzz examples each:
    # test_fuzz.py runs them by the thousand on one variant.
    env = clean_env(venv, FUZZ_EXAMPLES="10")
    with ExitStack() as held:
        if (project / answers_of(project)["package_name"] / "jobs").exists():
            # The queue's tests need a Redis; RQ's keys have no prefix: a database of their own.
            redis_db = held.enter_context(private_redis_db())
            env["TEST_REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/{redis_db}"
        return subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
def test_the_rendered_apps_own_tests_pass(variant, venv, union_requirements_file, tmp_path):
    project = render(tmp_path / "app", **answers_for(variant))
    ruff_finds_nothing(project, venv)
    assert pinned_lines(project / "requirements-dev.txt") <= pinned_lines(union_requirements_file)
    closure = subprocess.run(
        [str(venv / "bin" / "python"), "-c", CLOSURE_CHECK],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert closure.returncode == 0, f"requirements.txt misses:\n{closure.stdout}{closure.stderr}"
    result = run_tests(project, venv)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout)
    assert "skipped" not in result.stdout


def test_pip_finds_the_installed_set_consistent(venv):
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
