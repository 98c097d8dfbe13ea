"""A template repository with versions, as `copier update` needs one: each version a commit
with its tag, made in a temporary folder from an earlier commit of this repository (found by
its release) and from this working tree as it is now. It does not rely on tags being present
in this clone."""

import importlib.util
import subprocess
from pathlib import Path

from .rendering import GIT, TEMPLATE

CURRENT = "99.0.0"  # this working tree, newer than every release
NEWER = "99.1.0"  # this working tree with a test's changes: a version after this one


def _git(folder: Path, *arguments: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([*GIT, *arguments], cwd=folder, check=True, **options)


def release_script():
    """.ci/release.py as a module: the release's version and commit, as CI finds them."""
    spec = importlib.util.spec_from_file_location("release", TEMPLATE / ".ci" / "release.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def release_commit(version: str) -> str:
    """The commit that released version: the first whose copier.yml (or, up to 0.4.0,
    pyproject.toml) says it."""
    commit = release_script().release_commit(TEMPLATE, version)
    assert commit, f"no commit releases {version}"
    return commit


def _replace_tree(repo: Path, files: bytes) -> None:
    """Make repo's work tree the tar archive files, nothing more."""
    _git(repo, "rm", "-rq", "--ignore-unmatch", ".")
    subprocess.run(["tar", "-x", "-C", str(repo)], input=files, check=True)
    _git(repo, "add", "-A")


def _working_tree() -> bytes:
    """This repository's files as they are now, tracked or new (not ignored), as a tar."""
    listed = _git(
        TEMPLATE,
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        capture_output=True,
    ).stdout
    present = b"\0".join(p for p in listed.split(b"\0") if p and (TEMPLATE / p.decode()).exists())
    return subprocess.run(
        ["tar", "-c", "--null", "-T", "-"],
        cwd=TEMPLATE,
        input=present,
        capture_output=True,
        check=True,
    ).stdout


def untagged_template(folder: Path) -> Path:
    """A git repository in folder holding this working tree as one commit and no tag, as a
    clone made without tags holds it."""
    folder.mkdir(parents=True)
    _git(folder, "init", "-q")
    _replace_tree(folder, _working_tree())
    _git(folder, "commit", "-qm", "Current")
    return folder


def template_with_versions(folder: Path, *releases: str, newer=None) -> Path:
    """A git repository in folder whose tags are releases (taken from this repository's
    history), CURRENT (this working tree) and, when newer is given, NEWER: CURRENT after
    newer(folder) has changed its files."""
    folder.mkdir(parents=True)
    _git(folder, "init", "-q")
    for version in releases:
        archive = _git(TEMPLATE, "archive", release_commit(version), capture_output=True).stdout
        _replace_tree(folder, archive)
        _git(folder, "commit", "-qm", f"Release {version}")
        _git(folder, "tag", version)
    _replace_tree(folder, _working_tree())
    _git(folder, "commit", "-qm", "Current", "--allow-empty")
    _git(folder, "tag", CURRENT)
    if newer is not None:
        newer(folder)
        _git(folder, "commit", "-qam", "Newer")
        _git(folder, "tag", NEWER)
    return folder
