"""`copier update` on a project its owner has changed, for each platform: from the last
release to this working tree, then to a version after it. Every owner edit survives (a
blueprint, a setting, a dependency, README text, a CSP source through extend.py), each new
version's changes arrive, no conflict is left behind, and the app's own tests pass. A new
answer adds what it needs and keeps the edits; a line both sides changed ends as inline
conflict markers; the rendered CI's scheduled job notices a newer version."""

import re
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml

from .support.rendering import answers_of, render, text_files
from .support.template_versions import CURRENT, NEWER, template_with_versions

RELEASE = "0.2.0"
PLATFORMS = ["heroku", "render", "fly", "docker", "vps"]
GIT = ["git", "-c", "user.name=Owner", "-c", "user.email=owner@example.com"]
REPORTS_BLUEPRINT = '''"""Reports, added by the owner."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/")
def index():
    return "Reports"
'''
OWNER_NOTES = "\n## Our notes\n\nThe team's on-call rota lives in the wiki.\n"
EXTRA_DEPENDENCY = "sortedcontainers==2.4.0"  # in the test virtualenv already
CONFLICT_MARKERS = re.compile(r"^(<{7} |>{7} |={7}$)", re.M)


CDN = '{"img-src": ["https://cdn.example.com"]}'
CSP_OF_THE_HOME_PAGE = (
    "from {package} import create_app\n"
    "client = create_app('testing').test_client()\n"
    "print(client.get('/', base_url='https://localhost').headers['Content-Security-Policy'])\n"
)


def next_version(template: Path) -> None:
    """A later template version that changes both extend.py and the CSP it extends."""
    package = template / "template" / "{{package_name}}"
    edit(package / "extend.py", "# Rate limits on every page,", "# Rate limits for every page,")
    edit(package / "security.py", '"manifest-src": "\'self\'",', '"worker-src": "\'self\'",')


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "repo"
    return template_with_versions(folder, RELEASE, newer=next_version)


def commit(project: Path, message: str) -> None:
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    subprocess.run([*GIT, "commit", "-qm", message], cwd=project, check=True)


def copy_release(template: Path, destination: Path, version=RELEASE, **answers) -> Path:
    render(destination, template, version, **answers)
    subprocess.run([*GIT, "init", "-q"], cwd=destination, check=True)
    commit(destination, f"Rendered from {version}")
    return destination


def update(project: Path, version=CURRENT, **answers) -> None:
    copier.run_update(
        str(project),
        data=answers,
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
        vcs_ref=version,
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new))


def owners_edits(project: Path) -> None:
    """What an owner typically changes: a blueprint with a route, a setting, a dependency,
    the README."""
    package = project / answers_of(project)["package_name"]
    (package / "reports.py").write_text(REPORTS_BLUEPRINT)
    edit(
        package / "__init__.py",
        "def register_blueprints(app: Flask) -> None:\n",
        "def register_blueprints(app: Flask) -> None:\n"
        "    from .reports import bp as reports_bp\n\n"
        "    app.register_blueprint(reports_bp)\n",
    )
    edit(package / "config.py", "timedelta(hours=12)", "timedelta(hours=8)")
    with open(project / "requirements.txt", "a") as requirements:
        requirements.write(f"{EXTRA_DEPENDENCY}\n")
    with open(project / "README.md", "a") as readme:
        readme.write(OWNER_NOTES)
    commit(project, "Owner's changes")


def assert_owners_edits_kept(project: Path) -> None:
    package = project / answers_of(project)["package_name"]
    assert (package / "reports.py").read_text() == REPORTS_BLUEPRINT
    assert "app.register_blueprint(reports_bp)" in (package / "__init__.py").read_text()
    assert "timedelta(hours=8)" in (package / "config.py").read_text()
    assert EXTRA_DEPENDENCY in (project / "requirements.txt").read_text().splitlines()
    assert (project / "README.md").read_text().endswith(OWNER_NOTES)


def conflicts(project: Path) -> list[str]:
    found = [str(path) for path in project.rglob("*.rej")]
    for path, text in text_files(project):
        if text is not None and CONFLICT_MARKERS.search(text):
            found.append(str(path))
    return found


def run_own_tests(project: Path, venv: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "FUZZ_EXAMPLES": "10"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def served_policy(project: Path, venv: Path) -> str:
    """The Content-Security-Policy of the project's home page."""
    package = answers_of(project)["package_name"]
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", CSP_OF_THE_HOME_PAGE.format(package=package)],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def routes(project: Path, venv: Path) -> str:
    return subprocess.run(
        [str(venv / "bin" / "flask"), "--app", answers_of(project)["package_name"], "routes"],
        cwd=project,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "FLASK_CONFIG": "testing"},
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.parametrize("platform", PLATFORMS)
def test_updates_keep_the_owners_edits_and_bring_each_new_version(
    platform, template, venv, tmp_path
):
    project = copy_release(template, tmp_path / "app", platform=platform)
    owners_edits(project)
    package = project / answers_of(project)["package_name"]

    update(project)  # from the last release to this working tree

    assert answers_of(project)["_commit"] == CURRENT
    assert conflicts(project) == []
    assert_owners_edits_kept(project)
    assert "SEC020" in (package / "checks.py").read_text()  # new since the release
    assert (project / "tests" / "test_check_deploy.py").exists()
    result = run_own_tests(project, venv)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "/reports/" in routes(project, venv)

    # Images from a CDN, through the extension point; then a version that changes both
    # extend.py and the policy it extends.
    edit(package / "extend.py", "CSP_SOURCES: dict[str, list[str]] = {}", f"CSP_SOURCES = {CDN}")
    commit(project, "Images from our CDN")
    owners_module = (package / "extend.py").read_text()

    update(project, version=NEWER)

    assert (package / "extend.py").read_text() == owners_module  # never rewritten
    assert conflicts(project) == []
    assert_owners_edits_kept(project)
    policy = served_policy(project, venv)
    assert "worker-src 'self'" in policy  # the template's change arrived
    assert "img-src 'self' data: https://cdn.example.com" in policy  # the owner's holds


def test_a_new_answer_on_update_adds_what_it_needs_and_keeps_the_edits(template, tmp_path):
    project = copy_release(template, tmp_path / "app", redis=False)
    owners_edits(project)
    package = project / answers_of(project)["package_name"]
    assert "REDIS_URL" not in (package / "config.py").read_text()

    update(project, redis=True)

    assert answers_of(project)["redis"] is True
    assert conflicts(project) == []
    assert_owners_edits_kept(project)
    assert "REDIS_URL" in (package / "config.py").read_text()
    assert re.search(r"^redis==", (project / "requirements.txt").read_text(), re.M)


def test_a_line_both_sides_changed_is_left_as_inline_conflict_markers(template, tmp_path):
    project = copy_release(template, tmp_path / "app")
    cli = project / answers_of(project)["package_name"] / "cli.py"
    # The owner rewrites the docstring of `flask deploy`, which the new version rewrites too.
    edit(
        cli,
        '"""Bring the database up to date and insert the roles. Safe to run on every release."""',
        '"""Migrate and seed the roles (run by the release phase)."""',
    )
    commit(project, "Owner's docstring")

    update(project)  # copier exits 0 on a conflict: the markers are the only sign

    text = cli.read_text()
    assert CONFLICT_MARKERS.search(text)
    assert "Migrate and seed the roles (run by the release phase)." in text
    assert "Check the production settings, then bring the database up to date" in text


def scheduled_check(project: Path) -> str:
    """The script of the rendered CI's scheduled job that looks for a newer template."""
    if answers_of(project)["ci"] == "github":
        path = project / ".github" / "workflows" / "template-update.yml"
        return yaml.safe_load(path.read_text())["jobs"]["check-update"]["steps"][-1]["run"]
    return yaml.safe_load((project / ".gitlab-ci.yml").read_text())["template-update"]["script"][-1]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_scheduled_job_fails_when_a_newer_template_is_out(ci, tmp_path):
    template = template_with_versions(tmp_path / "template")
    project = copy_release(template, tmp_path / "app", version=CURRENT, ci=ci)
    script = scheduled_check(project)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}

    def check() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-e", "-c", script], cwd=project, env=env, capture_output=True, text=True
        )

    current = check()
    assert current.returncode == 0, current.stdout + current.stderr
    subprocess.run([*GIT, "commit", "-q", "--allow-empty", "-m", "Newer"], cwd=template, check=True)
    subprocess.run([*GIT, "tag", "99.0.1"], cwd=template, check=True)
    newer = check()
    assert newer.returncode == 2, newer.stdout + newer.stderr
    assert "A newer version of the template is out" in newer.stdout
