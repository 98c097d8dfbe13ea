"""Fixtures for the template's tests: rendered projects, the virtualenv that runs them,
and the real services (PostgreSQL) some tests need."""

from pathlib import Path

import pytest

from .support.processes import procfile
from .support.rendering import render
from .support.venv import app_venv, union_requirements

TEMPLATE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def default_project(tmp_path_factory) -> Path:
    """The project that `copier copy --defaults` renders (Heroku, PostgreSQL, SMTP, accounts)."""
    return render(tmp_path_factory.mktemp("default") / "my-flask-app")


@pytest.fixture(scope="session")
def heroku_web_command(default_project) -> str:
    """The Procfile's web command, which every platform's start command must equal."""
    return procfile(default_project)["web"]


# Between them, these variants need every package that any variant needs.
UNION_OF_VARIANTS = [{}, {"database": "mysql", "sentry": True, "totp": True}]


@pytest.fixture(scope="session")
def union_requirements_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("union")
    projects = [render(root / f"v{n}", **answers) for n, answers in enumerate(UNION_OF_VARIANTS)]
    return union_requirements(projects, root / "requirements.txt")


@pytest.fixture(scope="session")
def venv(union_requirements_file) -> Path:
    """A virtualenv that can run every variant: the union of their pinned requirements,
    built once per set of pins and kept between runs (in ~/.cache)."""
    return app_venv(union_requirements_file)
