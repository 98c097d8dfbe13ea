"""Rendering the template from this working tree."""

import re
import subprocess
from pathlib import Path

import copier
import yaml

TEMPLATE = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]


def render(destination: Path, template: Path = TEMPLATE, version="HEAD", **answers) -> Path:
    """Render template (this working tree unless named) at version into destination, as
    `copier copy --defaults --trust` would, with answers overriding the defaults. Raises
    ValueError when a validator refuses."""
    copier.run_copy(
        str(template),
        str(destination),
        data=answers,
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref=version,
    )
    return destination


def text_files(project: Path):
    """Every file of the project outside .git, with its text (None for binary files)."""
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(project).parts:
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                yield path, None


def committed(folder: Path, message: str) -> Path:
    """folder as a git repository (made one if need be) with everything in it committed."""
    commit = ["commit", "-q", "--allow-empty", "-m", message]
    for command in (["init", "-q"], ["add", "-A"], commit):
        subprocess.run([*GIT, *command], cwd=folder, check=True)
    return folder


def deployed_copy(project: Path, destination: Path) -> Path:
    """What a git push sends to the platform: the project's files as committed, so nothing
    git ignores (.env, instance/) comes along."""
    committed(project, "deploy")
    destination.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=project, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    return destination


def answers_of(project: Path) -> dict:
    """The answers a rendered project was made with (its .copier-answers.yml)."""
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def variables_read_by_config(project: Path) -> set[str]:
    """The environment variables config.py reads (environ.get("X") or env_int(environ, "X"))."""
    config = (project / answers_of(project)["package_name"] / "config.py").read_text()
    return set(re.findall(r"environ(?:\.get\(|, )\"([A-Z_]+)\"", config))


def documented_in_env_example(project: Path) -> set[str]:
    """The variables .env.example names, as `NAME=` or `# NAME=` at the start of a line."""
    example = (project / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z_]+)=", example, re.MULTILINE))
