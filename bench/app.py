"""The app under test: the default variant rendered, its pinned requirements installed, and
the settings its platform (Heroku) gives it in production, beside the bare baseline."""

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.support.launch import Launch, launch_of
from tests.support.processes import clean_env
from tests.support.rendering import answers_of
from tests.support.venv import app_venv

from .template_ops import copy_in_process

BENCH = Path(__file__).resolve().parent
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/15"
# Counted on every request, never reached: the measured path carries the global limit.
UNREACHED_LIMIT = "100000000 per minute"


@dataclass
class Subjects:
    project: Path
    venv: Path
    package: str
    launch: Launch  # the platform's start command and settings, read from its files

    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def environment(self, rate_limit_storage: str = REDIS_URL, **extra: str) -> dict[str, str]:
        """Production settings as the platform gives them, the rate limits kept in
        rate_limit_storage, and both apps importable."""
        settings = self.launch.environment(
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL=DATABASE_URL,
            REDIS_URL=REDIS_URL,
            RATELIMIT_STORAGE_URI=rate_limit_storage,
            RATELIMIT_DEFAULT=UNREACHED_LIMIT,
        )
        return clean_env(
            self.venv,
            **settings,
            PYTHONPATH=os.pathsep.join([str(self.project), str(BENCH)]),
            BARE_APP_TEMPLATES=str(self.project / "bare_templates"),
            **extra,
        )


def prepare(work: Path, template: Path) -> Subjects:
    project = copy_in_process(template, work)
    venv = app_venv(project / "requirements-dev.txt")
    package = answers_of(project)["package_name"]
    return Subjects(project, venv, package, launch_of(project, venv))


def give_bare_app_the_home_page(subjects: Subjects, html: bytes) -> None:
    """The bare app serves the rendered app's home page, as a template of its own."""
    folder = subjects.project / "bare_templates"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "index.html").write_bytes(html)
