"""Fixtures for the template's tests: rendered projects, the virtualenv that runs them,
and the real services (PostgreSQL) some tests need."""

from pathlib import Path

import pytest

from .support.rendering import render
from .support.venv import app_venv

TEMPLATE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def default_project(tmp_path_factory) -> Path:
    """The project that `copier copy --defaults` renders (Heroku, PostgreSQL, SMTP, accounts)."""
    return render(tmp_path_factory.mktemp("default") / "my-flask-app")


@pytest.fixture(scope="session")
def venv(default_project) -> Path:
    """A virtualenv with the default project's requirements-dev.txt, built once per set of
    requirements and kept between runs. The default project needs every package any other
    variant does (tests/test_rendered_app.py checks that)."""
    return app_venv(default_project / "requirements-dev.txt")
