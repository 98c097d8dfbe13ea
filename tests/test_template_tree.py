"""The template tree reads as the project it renders: plain names, with what each answer
leaves out decided in copier.yml's _exclude alone."""

from .support.rendering import TEMPLATE


def template_paths() -> list[str]:
    root = TEMPLATE / "template"
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def test_no_path_under_template_holds_a_jinja_statement():
    assert [path for path in template_paths() if "{%" in path] == []


def test_only_names_that_are_answers_hold_a_jinja_expression():
    named = {path.split("/")[0] for path in template_paths() if "{{" in path}
    assert named <= {"{{package_name}}", "{{_copier_conf.answers_file}}.jinja", "deploy"}
