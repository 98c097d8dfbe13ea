"""`copier update` on a project its owner has changed.

- A project rendered from each earlier release, edited the way owners edited it then (a
  blueprint registered after the others in `__init__.py`, a setting changed in `config.py`, a
  model added to `models.py`, a dependency, README text, a CSP source through extend.py), updates
  to this working tree with no conflict and no lost edit: the 0.5.0 migration moves the edits of
  modules that became the template's into the owner's files.
- On every platform, a project grown through the doors (extend.py's init_app and settings,
  models.py) updates to a later version that changes the template's modules beside them, clean.
- A new answer adds what it needs and keeps the edits; a line both sides changed ends as inline
  conflict markers; the rendered CI's scheduled job notices a newer version."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml

from .support.processes import clean_env
from .support.rendering import answers_of, render, text_files
from .support.template_versions import CURRENT, NEWER, template_with_versions

RELEASES = ["0.2.0", "0.3.0", "0.4.0"]
# Each release once, on different platforms (every platform is updated by the doors test).
OLD_PROJECTS = [
    ("0.2.0", {"platform": "heroku"}),
    ("0.3.0", {"platform": "vps", "database": "mysql"}),
    ("0.4.0", {"platform": "docker", "totp": True}),
]
PLATFORMS = ["heroku", "render", "fly", "docker", "vps"]
GIT = ["git", "-c", "user.name=Owner", "-c", "user.email=owner@example.com"]
REPORTS_BLUEPRINT = '''"""Reports, added by the owner."""

from flask import Blueprint

from .models import Report, User

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/")
def index():
    return f"{Report.__tablename__} by {User.__tablename__}"
'''
REPORT_MODEL = """

class Report(db.Model):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
"""
OWNER_NOTES = "\n## Our notes\n\nThe team's on-call rota lives in the wiki.\n"
EXTRA_DEPENDENCY = "sortedcontainers==2.4.0"  # in the test virtualenv already
CONFLICT_MARKERS = re.compile(r"^(<{7} |>{7} |={7}$)", re.M)
CDN = '{"img-src": ["https://cdn.example.com"]}'
THE_OWNERS_PARTS = """\
from {package} import create_app
app = create_app("testing")
client = app.test_client()
print("lifetime", app.config["PERMANENT_SESSION_LIFETIME"])
print("policy", client.get("/", base_url="https://localhost").headers["Content-Security-Policy"])
print("reports", client.get("/reports/", base_url="https://localhost").get_data(as_text=True))
print("tables", " ".join(sorted(app.extensions["migrate"].db.metadata.tables)))
"""


def next_version(template: Path) -> None:
    """A later template version that changes the template's modules beside the owner's doors
    (create_app's module, the settings, the extensions) and the CSP that extend.py extends."""
    package = template / "template" / "{{package_name}}"
    for module in ("__init__.py", "config.py", "extensions.py"):
        path = next(package.glob(f"{module}*"))
        lines = path.read_text().splitlines(keepends=True)
        docstring_end = next(i for i, line in enumerate(lines[1:], 1) if '"""' in line)
        lines.insert(docstring_end + 1, "# A later version's line.\n")
        path.write_text("".join(lines))
    edit(package / "security.py", '"manifest-src": "\'self\'",', '"worker-src": "\'self\'",')


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "repo"
    return template_with_versions(folder, *RELEASES, newer=next_version)


def commit(project: Path, message: str) -> None:
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    subprocess.run([*GIT, "commit", "-qm", message], cwd=project, check=True)


def copy_release(template: Path, destination: Path, version: str, **answers) -> Path:
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


def append(path: Path, text: str) -> None:
    with open(path, "a") as file:
        file.write(text)


def package_of(project: Path) -> Path:
    return project / answers_of(project)["package_name"]


def owners_edits_of_their_time(project: Path) -> None:
    """What an owner of 0.2.0 to 0.4.0 changed, where they changed it: a blueprint registered
    after the others, a setting, a model, a dependency, the README; and from 0.3.0, with
    extend.py there, images from a CDN."""
    package = package_of(project)
    (package / "reports.py").write_text(REPORTS_BLUEPRINT)
    edit(
        package / "__init__.py",
        "    from .main import bp as main_bp\n",
        "    from .main import bp as main_bp\n    from .reports import bp as reports_bp\n",
    )
    append(package / "__init__.py", "    app.register_blueprint(reports_bp)\n")
    edit(package / "config.py", "timedelta(hours=12)", "timedelta(hours=8)")
    append(package / "models.py", REPORT_MODEL)
    if (package / "extend.py").exists():
        empty = "CSP_SOURCES: dict[str, list[str]] = {}"
        edit(package / "extend.py", empty, f"CSP_SOURCES = {CDN}")
    append(project / "requirements.txt", f"{EXTRA_DEPENDENCY}\n")
    append(project / "README.md", OWNER_NOTES)
    commit(project, "Owner's changes")


def the_owners_parts(project: Path, venv: Path) -> dict[str, str]:
    """What the app does with the owner's edits, as the lines of THE_OWNERS_PARTS print it."""
    script = THE_OWNERS_PARTS.format(package=package_of(project).name)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


def assert_the_edits_of_their_time_kept(project: Path, venv: Path, version: str) -> None:
    package = package_of(project)
    assert (package / "reports.py").read_text() == REPORTS_BLUEPRINT
    assert EXTRA_DEPENDENCY in (project / "requirements.txt").read_text().splitlines()
    assert (project / "README.md").read_text().endswith(OWNER_NOTES)
    parts = the_owners_parts(project, venv)
    assert parts["lifetime"] == "8:00:00"
    assert parts["reports"] == "reports by users"
    assert "reports" in parts["tables"].split()
    if version != "0.2.0":
        assert "https://cdn.example.com" in parts["policy"]


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
        env=clean_env(venv, FUZZ_EXAMPLES="10"),
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_own_tests_pass(project: Path, venv: Path) -> None:
    result = run_own_tests(project, venv)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def lint(project: Path) -> subprocess.CompletedProcess:
    """The project's own lint, as its CI runs it."""
    ruff = Path(sys.executable).parent / "ruff"
    return subprocess.run([str(ruff), "check", "."], cwd=project, capture_output=True, text=True)


def pristine(template: Path, project: Path, module: str, tmp_path: Path) -> str:
    """module of the project as the template renders it, with the project's answers."""
    answers = {k: v for k, v in answers_of(project).items() if not k.startswith("_")}
    fresh = render(tmp_path / "fresh", template, answers_of(project)["_commit"], **answers)
    return (package_of(fresh) / module).read_text()


@pytest.mark.parametrize(
    ("release", "answers"), OLD_PROJECTS, ids=[f"{v}-{a['platform']}" for v, a in OLD_PROJECTS]
)
def test_a_project_of_each_release_updates_with_its_owners_edits_moved_to_the_owners_files(
    release, answers, template, venv, tmp_path
):
    project = copy_release(template, tmp_path / "app", release, **answers)
    owners_edits_of_their_time(project)

    update(project)

    assert answers_of(project)["_commit"] == CURRENT
    assert conflicts(project) == []
    for module in ("__init__.py", "config.py"):  # the template's alone, as it renders them
        assert (package_of(project) / module).read_text() == pristine(
            template, project, module, tmp_path / module
        )
    assert_the_edits_of_their_time_kept(project, venv, release)
    linted = lint(project)
    assert linted.returncode == 0, linted.stdout[-3000:]
    assert_own_tests_pass(project, venv)


def add_to_init_app(extend: Path, code: str) -> None:
    """code (function-body lines, unindented) at the end of extend.py's init_app(app)."""
    text = extend.read_text()
    function = next(n for n in ast.parse(text).body if getattr(n, "name", None) == "init_app")
    lines = text.splitlines(keepends=True)
    body = "".join(f"    {line}\n" if line else "\n" for line in code.splitlines())
    extend.write_text("".join([*lines[: function.end_lineno], body, *lines[function.end_lineno :]]))


DOORS_CODE = """\
from .reports import bp as reports_bp

app.register_blueprint(reports_bp)

@app.cli.command("count-reports")
def count_reports():
    print("no reports")

@app.errorhandler(418)
def teapot(error):
    return "short and stout", 418
"""


def grow_through_the_doors(project: Path) -> None:
    """One of each thing an owner adds, each through its door: a blueprint, a CLI command and
    an error handler in extend.init_app, a model in models.py, a setting, a CSP source and a
    rate limit in extend.py."""
    package = package_of(project)
    extend = package / "extend.py"
    (package / "reports.py").write_text(
        REPORTS_BLUEPRINT.replace(", User", "").replace(
            'f"{Report.__tablename__} by {User.__tablename__}"',
            'f"{Report.__tablename__} by users"',
        )
    )
    add_to_init_app(extend, DOORS_CODE)
    append(
        extend,
        '\nCSP_SOURCES.update({"img-src": ["https://cdn.example.com"]})\n'
        'RATE_LIMITS.append("2000 per day")\n'
        'SETTINGS["PERMANENT_SESSION_LIFETIME"] = __import__("datetime").timedelta(hours=8)\n',
    )
    add_model(package / "models.py")
    commit(project, "Grown through the doors")


MODEL_IMPORTS = """\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
"""


def add_model(models: Path) -> None:
    """REPORT_MODEL in the owner's models.py, its imports after the module's docstring."""
    text = models.read_text()
    body = ast.parse(text).body
    docstring_end = body[0].end_lineno if body and isinstance(body[0], ast.Expr) else 0
    lines = text.splitlines(keepends=True)
    head, rest = "".join(lines[:docstring_end]), "".join(lines[docstring_end:])
    present = rest.splitlines()
    imports = "".join(
        line for line in MODEL_IMPORTS.splitlines(keepends=True) if line.rstrip() not in present
    )
    models.write_text(f"{head}\n{imports}{rest}{REPORT_MODEL}")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_project_grown_through_the_doors_updates_clean(platform, template, venv, tmp_path):
    project = copy_release(template, tmp_path / "app", CURRENT, platform=platform)
    grow_through_the_doors(project)
    owners = ("extend.py", "models.py", "reports.py")
    owners_files = {path: (package_of(project) / path).read_text() for path in owners}

    update(project, version=NEWER)

    assert conflicts(project) == []
    for path, text in owners_files.items():
        assert (package_of(project) / path).read_text() == text
    parts = the_owners_parts(project, venv)
    assert "worker-src 'self'" in parts["policy"]  # the template's change arrived
    assert "https://cdn.example.com" in parts["policy"]  # the owner's holds
    assert parts["lifetime"] == "8:00:00"
    assert parts["reports"] == "reports by users"
    assert "reports" in parts["tables"].split()
    assert "# A later version's line." in (package_of(project) / "config.py").read_text()
    assert_own_tests_pass(project, venv)


def reads_redis_url(package: Path) -> bool:
    return any("REDIS_URL" in path.read_text() for path in package.rglob("*.py"))


def test_a_new_answer_on_update_adds_what_it_needs_and_keeps_the_edits(template, venv, tmp_path):
    project = copy_release(template, tmp_path / "app", RELEASES[0], redis=False)
    owners_edits_of_their_time(project)
    assert not reads_redis_url(package_of(project))

    update(project, redis=True)

    assert answers_of(project)["redis"] is True
    assert conflicts(project) == []
    assert_the_edits_of_their_time_kept(project, venv, RELEASES[0])
    assert reads_redis_url(package_of(project))
    assert re.search(r"^redis==", (project / "requirements.txt").read_text(), re.M)


def test_a_line_both_sides_changed_is_left_as_inline_conflict_markers(template, tmp_path):
    project = copy_release(template, tmp_path / "app", RELEASES[0])
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
    assert "Check the production settings" in text  # the new version's docstring


def scheduled_check(project: Path) -> str:
    """The script of the rendered CI's scheduled job that looks for a newer template."""
    if answers_of(project)["ci"] == "github":
        path = project / ".github" / "workflows" / "template-update.yml"
        return yaml.safe_load(path.read_text())["jobs"]["check-update"]["steps"][-1]["run"]
    return yaml.safe_load((project / ".gitlab-ci.yml").read_text())["template-update"]["script"][-1]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_scheduled_job_fails_when_a_newer_template_is_out(ci, tmp_path):
    template = template_with_versions(tmp_path / "template")
    project = copy_release(template, tmp_path / "app", CURRENT, ci=ci)
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


def test_an_edit_the_migration_cannot_move_is_left_for_copier_and_named(template, tmp_path, capfd):
    project = copy_release(template, tmp_path / "app", RELEASES[-1])
    init = package_of(project) / "__init__.py"
    edit(
        init,
        'login_manager.login_message_category = "info"',
        'login_manager.login_message_category = "warning"',
    )
    commit(project, "Owner's flash category")

    update(project)

    assert (
        f"{package_of(project).name}/__init__.py: your edits stay in place"
        in capfd.readouterr().err
    )
    assert '"warning"' in init.read_text()  # not lost: Copier merged it or marked the conflict
