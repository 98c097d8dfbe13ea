"""Rendering and updating: our template against Copier's floor, in-process and by the CLI,
and `copier update` against `copier copy` of the same variant."""

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import copier

from tests.support.rendering import committed
from tests.support.template_versions import template_with_versions

from .floor import floor_template
from .measure import Row, Target, interleaved

COPIER = [sys.executable, "-m", "copier"]
_numbers = itertools.count()


def _fresh(work: Path) -> Path:
    return work / f"out-{next(_numbers)}"


def copy_in_process(template: Path, work: Path) -> Path:
    destination = _fresh(work)
    copier.run_copy(
        str(template), str(destination), defaults=True, unsafe=True, quiet=True, vcs_ref="HEAD"
    )
    return destination


def copy_by_cli(template: Path, work: Path) -> None:
    command = [*COPIER, "copy", "-q", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    subprocess.run([*command, str(template), str(_fresh(work))], check=True)


def update_by_cli(project: Path) -> None:
    command = [*COPIER, "update", "-q", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    subprocess.run([*command, str(project)], check=True, cwd=project)


def template_snapshot(work: Path) -> Path:
    """This working tree, uncommitted changes included, as a repository of one commit: what
    Copier clones is then the same whether or not the tree is clean, and `copier update`
    finds the commit a project was rendered from."""
    return template_with_versions(work / "template")


def rendered_files(project: Path) -> int:
    return sum(1 for path in project.rglob("*") if path.is_file() and ".git" not in path.parts)


def render_rows(work: Path, template: Path, runs: int) -> list[Row]:
    """Rendering by the CLI and in-process; in-process per rendered file too, since ours
    renders several times the floor's 30 files."""
    floor = floor_template(work / "floor")
    files = {
        "ours": rendered_files(copy_in_process(template, work)),
        "floor": rendered_files(copy_in_process(floor, work)),
    }
    cli = interleaved(
        runs,
        ours=lambda: copy_by_cli(template, work),
        floor=lambda: copy_by_cli(floor, work),
    )
    in_process = interleaved(
        runs,
        ours=lambda: copy_in_process(template, work),
        floor=lambda: copy_in_process(floor, work),
    )
    per_file = {name: in_process[name] * 1000 / files[name] for name in files}
    return [
        Row("render, in-process (copier.run_copy)", in_process["ours"], in_process["floor"], "s"),
        Row(
            "render, in-process, per rendered file",
            per_file["ours"],
            per_file["floor"],
            "ms",
            Target(2),
        ),
        Row("render, CLI (copier copy)", cli["ours"], cli["floor"], "s"),
    ]


def update_rows(work: Path, template: Path, project: Path, runs: int) -> list[Row]:
    """`copier update` of project (rendered from template), committed, each run on a fresh
    copy of it, against a `copier copy` of the same variant by the CLI."""
    committed(project, "Rendered")
    copies = iter([shutil.copytree(project, _fresh(work)) for _ in range(runs)])
    timings = interleaved(
        runs,
        update=lambda: update_by_cli(next(copies)),
        copy=lambda: copy_by_cli(template, work),
    )
    return [Row("copier update (CLI)", timings["update"], timings["copy"], "s", Target(3))]
