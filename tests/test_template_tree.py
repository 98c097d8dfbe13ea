"""The template tree reads as the project it renders: plain names, with what each answer
leaves out decided in copier.yml's _exclude alone."""

import re
from pathlib import Path

from .support.matrix import dimensions, questions
from .support.rendering import TEMPLATE


def template_paths() -> list[str]:
    root = TEMPLATE / "template"
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def test_no_path_under_template_holds_a_jinja_statement():
    assert [path for path in template_paths() if "{%" in path] == []


def test_only_names_that_are_answers_hold_a_jinja_expression():
    named = {path.split("/")[0] for path in template_paths() if "{{" in path}
    assert named <= {"{{package_name}}", "{{_copier_conf.answers_file}}.jinja", "deploy"}


# --- The rendered documents: the platforms' parts are macros outside template/, imported ------

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
