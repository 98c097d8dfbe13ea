"""The app under test: the default variant rendered, its pinned requirements installed, its
database of its own released as the platform releases it (`flask deploy`), and the settings
its platform (Heroku) gives it in production, beside the bare baseline and the usual stack,
which run in its virtualenv."""

import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.support.launch import Launch, launch_of
from tests.support.processes import clean_env, run
from tests.support.rendering import answers_of, deployed_copy
from tests.support.venv import app_venv, pinned_lines

BENCH = Path(__file__).resolve().parent
REDIS_URL = "redis://127.0.0.1:6379/15"
# Counted on every request, never reached: the measured path carries the global limit.
UNREACHED_LIMIT = "100000000 per minute"
USUAL_STACK = {"flask-login", "flask-wtf", "flask-sqlalchemy", "flask-talisman", "flask-limiter"}


@dataclass
class Subjects:
    project: Path
    venv: Path
    package: str
    launch: Launch  # the platform's start command and settings, read from its files
    database_url: str

    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def environment(self, **extra: str) -> dict[str, str]:
        """Production settings as the platform gives them, the rate limits kept in Redis, and
        the three apps importable."""
        settings = self.launch.environment(
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL=self.database_url,
            REDIS_URL=REDIS_URL,
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_DEFAULT=UNREACHED_LIMIT,
        )
        return clean_env(
            self.venv,
            **settings,
            PYTHONPATH=os.pathsep.join([str(self.project), str(BENCH)]),
            BARE_APP_TEMPLATES=str(self.project / "bare_templates"),
            USUAL_APP_TEMPLATES=str(self.project / "usual_templates"),
            **extra,
        )


def prepare(rendered: Path, database_url: str) -> Subjects:
    """The rendered project as deployed (without what git ignores, such as .env), with its
    virtualenv, which must hold the usual stack too, on the PostgreSQL database at
    database_url (postgres:// as the platform gives it), released."""
    project = deployed_copy(rendered, rendered.with_name(f"{rendered.name}-deployed"))
    requirements = project / "requirements-dev.txt"
    pinned = {line.split("==")[0].split("[")[0].lower() for line in pinned_lines(requirements)}
    missing = USUAL_STACK - pinned
    assert not missing, f"the rendered app pins no {sorted(missing)}: the usual stack needs them"
    venv = app_venv(requirements)
    package = answers_of(project)["package_name"]
    # The local server has no TLS, which the platforms' settings require unless the URL says so.
    url = database_url.replace("postgres://", "postgresql://", 1) + "?sslmode=disable"
    subjects = Subjects(project, venv, package, launch_of(project, venv), url)
    release(subjects)
    return subjects


def release(subjects: Subjects) -> None:
    """The platform's release step: the app's tables made, as before the first request."""
    result = run(subjects.launch.release, subjects.project, subjects.environment())
    if result.returncode:
        raise RuntimeError(f"{subjects.launch.release} failed:\n{result.stderr}")


def _folder(subjects: Subjects, name: str) -> Path:
    folder = subjects.project / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def usual_page(html: str) -> str:
    """A page of the rendered app as the usual stack's template: its first form replaced by
    the usual stack's own (bench/usual_login_form.html)."""
    form = (BENCH / "usual_login_form.html").read_text()
    return re.sub(r"<form\b.*?</form>", lambda _: form, html, count=1, flags=re.DOTALL)


def give_baselines_the_pages(subjects: Subjects, pages: dict[str, bytes]) -> None:
    """The bare app serves the rendered app's pages (template name: HTML) as templates of its
    own; the usual stack serves them too, with its own form in place of the rendered one."""
    bare, usual = _folder(subjects, "bare_templates"), _folder(subjects, "usual_templates")
    for name, html in pages.items():
        (bare / name).write_bytes(html)
        (usual / name).write_text(usual_page(html.decode()))
