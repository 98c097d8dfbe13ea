"""The template's releases. Its version is written once, in copier.yml; a project copied from
a clone without tags names it. `.ci/release.py` tags a release's commit once, from that version
and its CHANGELOG.md section, and refuses a version the CHANGELOG does not describe. Every
tag here is made in a temporary repository: no test relies on tags in this clone."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .support.rendering import GIT, TEMPLATE
from .support.template_versions import release_script, untagged_template

RELEASE = TEMPLATE / ".ci" / "release.py"
script = release_script()


def git(repo: Path, *arguments: str) -> str:
    return subprocess.run(
        [*GIT, *arguments], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def copier_yml(version: str) -> str:
    return (
        "_subdirectory: template\n\n"
        f'template_version:\n  type: str\n  when: false\n  default: "{version}"\n\n'
        'python_version:\n  type: str\n  default: "3.12"\n'
    )


def commit_files(repo: Path, message: str, files: dict[str, str]) -> str:
    """Write files (name: text) into repo, commit them, return the commit."""
    for name, text in files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


FIRST = "## 1.0.0 — 2026-01-05\n\nThe first release.\n"
SECOND = "## 1.1.0 — 2026-02-09\n\nAccounts.\n\n### After updating\n\nRun `flask deploy`.\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    """A template repository that released 1.0.0, then 1.1.0, then took one more commit."""
    repo = tmp_path / "template"
    repo.mkdir()
    git(repo, "init", "-q")
    commit_files(repo, "Release 1.0.0", {"copier.yml": copier_yml("1.0.0"), "CHANGELOG.md": FIRST})
    changelog = f"# Changelog\n\n{SECOND}\n{FIRST}"
    release = {"copier.yml": copier_yml("1.1.0"), "CHANGELOG.md": changelog}
    commit_files(repo, "Release 1.1.0", release)
    commit_files(repo, "Docs", {"README.md": "# A template\n"})
    return repo


def run_release(repo: Path, *options: str) -> subprocess.CompletedProcess:
    identity = {"GIT_COMMITTER_NAME": "CI", "GIT_COMMITTER_EMAIL": "ci@example.com"}
    return subprocess.run(
        [sys.executable, str(RELEASE), *options, str(repo)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(repo.parent), **identity},
        capture_output=True,
        text=True,
    )


def test_a_release_is_tagged_on_its_commit_with_its_changelog_section(repo):
    released = git(repo, "log", "--format=%H", "--grep", "Release 1.1.0")

    result = run_release(repo)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Tagged {released[:12]} as 1.1.0\n"
    assert git(repo, "cat-file", "-t", "1.1.0") == "tag"  # annotated
    assert git(repo, "rev-list", "-n", "1", "1.1.0") == released  # not HEAD, a commit later
    assert git(repo, "tag", "--list", "--format=%(contents)", "1.1.0") == SECOND.strip()[3:]


def test_a_version_tagged_already_is_left_alone(repo):
    assert run_release(repo).returncode == 0
    tag = git(repo, "rev-parse", "1.1.0")

    again = run_release(repo)

    assert again.returncode == 0, again.stderr
    assert again.stdout == "1.1.0 is tagged already: nothing to do\n"
    assert git(repo, "rev-parse", "1.1.0") == tag
    assert git(repo, "tag") == "1.1.0"


def test_an_earlier_release_is_tagged_when_named(repo):
    released = git(repo, "log", "--format=%H", "--grep", "Release 1.0.0")

    result = run_release(repo, "--version", "1.0.0")

    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-list", "-n", "1", "1.0.0") == released
    assert git(repo, "tag") == "1.0.0"


def test_a_version_without_its_changelog_section_is_refused(repo):
    changelog = "# Changelog\n\n## Unreleased\n\n- Two-factor sign-in.\n\n" + FIRST
    commit_files(
        repo, "Release 1.2.0", {"copier.yml": copier_yml("1.2.0"), "CHANGELOG.md": changelog}
    )

    result = run_release(repo)

    assert result.returncode == 1
    assert "CHANGELOG.md has no section for 1.2.0" in result.stderr
    assert "## 1.2.0 — <date>" in result.stderr
    assert git(repo, "tag") == ""


def test_a_version_that_is_not_pep_440_is_refused(repo):
    commit_files(repo, "Release v1.2", {"copier.yml": copier_yml("v1.2")})

    result = run_release(repo)

    assert result.returncode == 1
    assert "version 'v1.2' is not a PEP 440 version" in result.stderr
    assert git(repo, "tag") == ""


def test_a_release_is_found_where_pyproject_or_copier_yml_first_says_its_version(tmp_path):
    repo = tmp_path / "template"
    repo.mkdir()
    git(repo, "init", "-q")
    pyproject = '[project]\nname = "t"\nversion = "{}"\n\n[dependency-groups]\ntest = []\n'
    released = {
        "0.2.0": commit_files(repo, "0.2.0", {"pyproject.toml": pyproject.format("0.2.0")}),
        "0.3.0": commit_files(repo, "0.3.0", {"pyproject.toml": pyproject.format("0.3.0")}),
    }
    moved = {
        "pyproject.toml": "[dependency-groups]\ntest = []\n",
        "copier.yml": copier_yml("0.3.0"),
    }
    commit_files(repo, "The version moves to copier.yml", moved)
    # A line that holds "0.4.0" but not as the version.
    question = '\nlegacy:\n  type: str\n  default: "10.4.0"\n'
    commit_files(repo, "A question", {"copier.yml": copier_yml("0.3.0") + question})
    released["0.4.0"] = commit_files(repo, "0.4.0", {"copier.yml": copier_yml("0.4.0")})

    found = {version: script.release_commit(repo, version) for version in released}

    assert found == released
    assert script.release_commit(repo, "0.5.0") is None


def test_the_version_is_written_in_copier_yml_alone():
    version = script.version_of(TEMPLATE)
    changelog = (TEMPLATE / "CHANGELOG.md").read_text(encoding="utf-8")
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))
    assert script.changelog_section(changelog, version), f"CHANGELOG.md has no ## {version}"
    assert "version" not in pyproject.get("project", {})


@pytest.mark.parametrize("version", ["0.2.0", "0.3.0", "0.4.0"])
def test_the_earlier_releases_are_found_in_this_history(version):
    commit = script.release_commit(TEMPLATE, version)
    assert commit, f"no commit of this history releases {version}"
    pyproject = git(TEMPLATE, "show", f"{commit}:pyproject.toml")
    assert tomllib.loads(pyproject)["project"]["version"] == version
    earlier = git(TEMPLATE, "show", f"{commit}~1:pyproject.toml")
    assert tomllib.loads(earlier)["project"]["version"] != version


def test_a_copy_from_a_clone_without_tags_names_the_version_it_rendered(tmp_path):
    template = untagged_template(tmp_path / "clone")
    head = git(template, "rev-parse", "HEAD")
    version = script.version_of(TEMPLATE)
    copier = Path(sys.executable).with_name("copier")

    copied = subprocess.run(
        [str(copier), "copy", "--trust", "--defaults", str(template), str(tmp_path / "app")],
        capture_output=True,
        text=True,
        check=True,
    )

    said = " ".join((copied.stdout + copied.stderr).split())
    assert "No git tags found in template" in said  # the case at hand
    assert f"rendered from copier-flask-production {version}." in said
    answers = (tmp_path / "app" / ".copier-answers.yml").read_text().splitlines()
    assert f"# Rendered from copier-flask-production {version} (commit {head[:12]})." in answers
