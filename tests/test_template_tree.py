"""The template tree reads as the project it renders: plain names, with what each answer
leaves out decided in copier.yml's _exclude alone."""

import ast
import re
from pathlib import Path

import pytest
import yaml

from .support.matrix import dimensions, questions
from .support.rendering import TEMPLATE, answers_of, render


def template_paths() -> list[str]:
    root = TEMPLATE / "template"
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def test_no_path_under_template_holds_a_jinja_statement():
    assert [path for path in template_paths() if "{%" in path] == []


def test_only_names_that_are_answers_hold_a_jinja_expression():
    named = {path.split("/")[0] for path in template_paths() if "{{" in path}
    assert named <= {"{{package_name}}", "{{_copier_conf.answers_file}}.jinja", "deploy"}


def jinja_lines(text: str) -> int:
    """How many lines a Jinja statement or expression touches, a tag over several lines
    counting each of them."""
    touched = set()
    for tag in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", text, re.DOTALL):
        first = text.count("\n", 0, tag.start())
        touched.update(range(first, first + tag.group().count("\n") + 1))
    return len(touched)


def share_of_jinja(path: Path) -> float:
    text = path.read_text()
    return jinja_lines(text) / max(1, len(text.splitlines()))


PACKAGE = TEMPLATE / "template" / "{{package_name}}"


def python_modules(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.name.endswith((".py", ".py.jinja")))


def test_the_modules_create_app_is_made_of_are_at_most_5_percent_jinja():
    for name in ("__init__.py.jinja", "config.py.jinja", "extensions.py", "cli.py", "errors.py"):
        assert share_of_jinja(PACKAGE / name) <= 0.05, name


def test_no_other_module_is_more_than_5_percent_jinja():
    root = TEMPLATE / "template"
    above = {
        str(path.relative_to(root)) for path in python_modules(root) if share_of_jinja(path) > 0.05
    }
    assert above == set()


def test_create_app_reads_as_a_list_of_parts_with_no_jinja():
    source = (PACKAGE / "__init__.py.jinja").read_text()
    body = source[source.index("def create_app(") :].split("\n\n\n")[0]
    assert "{{" not in body and "{%" not in body
    assert "feature.init_app(app)" in body
    assert body.rstrip().endswith("extend.init_app(app)\n    return app")


def test_config_extensions_cli_errors_and_logs_hold_no_jinja_of_an_option():
    for name in ("extensions.py", "cli.py", "errors.py", "logs.py"):
        assert (PACKAGE / name).exists(), f"{name} holds Jinja"
    config = (PACKAGE / "config.py.jinja").read_text()
    for answer in ("auth", "totp", "email", "redis", "sentry"):
        assert not re.search(rf"\{{%-? *(el)?if [^%]*\b{answer}\b", config), answer


# Every feature on, and every feature off.
VARIANTS = [
    {"totp": True, "sentry": True},
    {"auth": False, "email": "none", "redis": False, "platform": "vps", "database": "sqlite"},
]


@pytest.fixture(scope="module", params=VARIANTS, ids=["every-feature", "no-feature"])
def rendered(request, tmp_path_factory) -> Path:
    return render(tmp_path_factory.mktemp("tree") / "project", **request.param)


class CopierYamlLoader(yaml.SafeLoader):
    """copier.yml as data, its !include tags left unread."""


CopierYamlLoader.add_constructor("!include", lambda loader, node: None)


def owners_files(project: Path) -> set[str]:
    config = yaml.load((TEMPLATE / "copier.yml").read_text(), Loader=CopierYamlLoader)
    package = answers_of(project)["package_name"]
    return {path.replace("{{ package_name }}", package) for path in config["_skip_if_exists"]}


YOURS = "Yours: `copier update` never changes this file."
TEMPLATES = "The template's module: `copier update` merges the template's changes into it"


def test_each_module_says_whose_it_is_and_the_owners_are_the_skipped_ones(rendered):
    package = rendered / answers_of(rendered)["package_name"]
    owners, templates = set(), set()
    for path in package.rglob("*.py"):
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        name = path.relative_to(rendered).as_posix()
        if docstring.startswith(YOURS):
            owners.add(name)
        elif TEMPLATES in " ".join(docstring.split()):
            templates.add(name)
        else:
            raise AssertionError(f"{name} does not say whose it is")
    skipped = owners_files(rendered)
    assert owners == {name for name in skipped if name.endswith(".py")}
    for name in skipped:
        assert YOURS in (rendered / name).read_text().splitlines()[0], name


def test_the_owners_models_are_there_with_every_answer(rendered):
    package = rendered / answers_of(rendered)["package_name"]
    assert (package / "models.py").read_text().startswith(f'"""{YOURS}')


DOCS_PARTS = TEMPLATE / "includes" / "docs"
# Jinja statement lines under template/docs: 518 when each platform's part was a chain of
# `{% if section == ... %}` included once a step; 156 with the parts as macros.
DOCS_STATEMENT_LINES_AT_MOST = 160


def jinja_files() -> list[Path]:
    return sorted((TEMPLATE / "template").rglob("*.jinja"))


def macro_names(path: Path) -> set[str]:
    return set(re.findall(r"\{%-?\s*macro\s+(\w+)\(", path.read_text(encoding="utf-8")))


def names_defined(path: Path) -> set[str]:
    """Every name the file defines: its macros, their arguments, the values it sets and the
    names it imports as."""
    text = path.read_text(encoding="utf-8")
    arguments = {
        argument.split("=")[0].strip()
        for listed in re.findall(r"\{%-?\s*macro\s+\w+\(([^)]*)\)", text)
        for argument in listed.split(",")
        if argument.strip()
    }
    values = set(re.findall(r"\{%-?\s*set\s+(\w+)\s*=", text))
    imported = set(re.findall(r"\{%-?\s*import\s.*?\sas\s+(\w+)", text))
    return macro_names(path) | arguments | values | imported


def test_no_template_file_includes_parts_or_picks_a_section():
    # Copier renders every .jinja file under template/ on its own; a part of a document lives
    # in includes/ as macros, imported where it is used.
    offending = [
        str(path.relative_to(TEMPLATE))
        for path in jinja_files()
        if re.search(r"\{%-?\s*(include\b|if section\b)", path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def test_the_docs_jinja_statements_stay_few():
    lines = [
        line
        for path in (TEMPLATE / "template" / "docs").rglob("*.jinja")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "{%" in line
    ]
    assert len(lines) <= DOCS_STATEMENT_LINES_AT_MOST


def test_each_platform_has_the_same_docs_macros_and_none_hides_an_answer():
    platforms = set(dimensions()["platform"])
    files = {path.stem: path for path in DOCS_PARTS.glob("*.jinja") if path.stem != "shared"}
    assert set(files) == platforms
    names = {platform: macro_names(path) for platform, path in files.items()}
    assert len({frozenset(found) for found in names.values()}) == 1, names
    users = [path for path in jinja_files() if "includes/docs/" in path.read_text(encoding="utf-8")]
    parts = list(DOCS_PARTS.glob("*.jinja"))
    defined = set().union(*(names_defined(path) for path in parts + users))
    assert defined & set(questions()) == set()
