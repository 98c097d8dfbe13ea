"""Copier's floor: the smallest template worth the name (5 questions, 30 small files),
rendered the same way as ours. What Copier costs for any template at all."""

from pathlib import Path

from tests.support.rendering import committed

QUESTIONS = {
    "project_name": "Floor",
    "author_name": "Ada",
    "description": "A trivial template",
    "licence": "MIT",
    "year": "2026",
}
FILES = 30


def copier_yml() -> str:
    lines = ["_subdirectory: template", "_templates_suffix: .jinja", ""]
    for name, default in QUESTIONS.items():
        lines += [f"{name}:", "  type: str", f"  default: {default}", ""]
    return "\n".join(lines)


def file_text(number: int) -> str:
    return (
        f"# File {number} of {{{{ project_name }}}}\n\n"
        "{{ description }}, by {{ author_name }} ({{ licence }}, {{ year }}).\n"
    )


def floor_template(folder: Path) -> Path:
    """Write the floor template into folder as a git repository, as ours is, and return it."""
    (folder / "template").mkdir(parents=True)
    (folder / "copier.yml").write_text(copier_yml())
    for number in range(FILES):
        (folder / "template" / f"file_{number:02}.md.jinja").write_text(file_text(number))
    return committed(folder, "Floor")
