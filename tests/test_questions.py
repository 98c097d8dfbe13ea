"""The questions: defaults render, and every bad answer is refused with a clear message."""

import pytest

from .support.rendering import render

REFUSALS = [
    ({"project_name": "   "}, "project name cannot be empty"),
    ({"project_slug": "My App"}, "The slug must be 3 to 30 characters"),
    ({"project_slug": "1app"}, "start with a lowercase letter"),
    ({"project_slug": "app-"}, "end with a letter"),
    ({"project_slug": "ab"}, "3 to 30 characters"),
    ({"project_slug": "a" * 31}, "3 to 30 characters"),
    ({"project_slug": "my--app"}, "two dashes in a row"),
    ({"package_name": "My_App"}, "Python identifier in lowercase"),
    ({"package_name": "2fast"}, "Python identifier in lowercase"),
    ({"package_name": "my-app"}, "Python identifier in lowercase"),
    ({"package_name": "class"}, "is a Python keyword"),
    ({"package_name": "match"}, "is a Python keyword"),
    ({"package_name": "json"}, "standard-library module"),
    ({"package_name": "logging"}, "standard-library module"),
    ({"package_name": "flask"}, "a module the app imports"),
    ({"package_name": "sqlalchemy"}, "a module the app imports"),
    ({"package_name": "tests"}, "a module the app imports"),
    ({"author_email": "not-an-address"}, "is not an e-mail address"),
    ({"author_email": "a@b"}, "is not an e-mail address"),
    ({"author_email": "two@@example.com"}, "is not an e-mail address"),
    ({"database": "sqlite"}, "SQLite cannot be used on heroku"),
    ({"database": "sqlite", "platform": "render"}, "SQLite cannot be used on render"),
    ({"database": "sqlite", "platform": "fly"}, "SQLite cannot be used on fly"),
    ({"platform": "nowhere"}, "platform"),
    ({"redis": False, "jobs": True}, "Background jobs are kept in Redis"),
]


@pytest.mark.parametrize(("answers", "message"), REFUSALS, ids=lambda value: str(value)[:40])
def test_bad_answers_are_refused_with_a_message(tmp_path, answers, message):
    with pytest.raises(ValueError, match=r"Validation error|Invalid") as refused:
        render(tmp_path / "project", **answers)
    assert message in str(refused.value)
    assert not (tmp_path / "project" / "requirements.txt").exists()


def test_defaults_are_derived_from_the_project_name(tmp_path):
    project = render(tmp_path / "p", project_name="Café Orders 2.0!")
    answers = (project / ".copier-answers.yml").read_text()
    assert "project_slug: caf-orders-2-0" in answers
    assert "package_name: caf_orders_2_0" in answers
    assert (project / "caf_orders_2_0" / "__init__.py").exists()


def test_a_long_project_name_still_gives_a_valid_slug(tmp_path):
    project = render(tmp_path / "p", project_name="The Quite Remarkably Long Name Of This Service")
    answers = (project / ".copier-answers.yml").read_text()
    slug = next(line.split(": ")[1] for line in answers.splitlines() if "project_slug" in line)
    assert 3 <= len(slug) <= 30
    assert not slug.endswith("-")
