#!/usr/bin/env python3
"""Tag the template's release, once: CI runs it on main after the tests pass.

    python3 .ci/release.py [--version VERSION] [repository]

The version is copier.yml's `template_version` (or VERSION, to tag an earlier release), the
repository this script's own. The release is the first commit that says that version; the
script tags that commit `<version>` (annotated, with the version's CHANGELOG.md section as the
message) and prints what it did. When the tag exists it does nothing; when CHANGELOG.md has no
`## <version>` section it refuses, and exits 1.

Only the standard library: the script runs on a bare Python.
"""

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

# A version as PEP 440 spells it, in the normal form that `copier update` orders tags by.
RELEASE_VERSION = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
TEMPLATE_VERSION = re.compile(
    r"^template_version:[ \t]*\n(?:[ \t]+.*\n|[ \t]*\n)*?[ \t]+default:[ \t]*[\"']?([^\"'\s]+)",
    re.MULTILINE,
)


class Refusal(Exception):
    """Why there is no release to tag, said to the maintainer."""


def git(repo: Path, *arguments: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *arguments], cwd=repo, capture_output=True, text=True, **options)


def version_in(copier_yml: str | None, pyproject: str | None = None) -> str | None:
    """The version these files say: copier.yml's template_version, or, in the releases up
    to 0.4.0, pyproject.toml's [project] version."""
    found = TEMPLATE_VERSION.search(copier_yml or "")
    if found:
        return found.group(1)
    if pyproject:
        return tomllib.loads(pyproject).get("project", {}).get("version")
    return None


def version_of(repo: Path) -> str:
    """The version the repository's copier.yml says, checked."""
    version = version_in((repo / "copier.yml").read_text(encoding="utf-8"))
    if version is None:
        raise Refusal("copier.yml has no template_version: the release has no version")
    return checked(version)


def checked(version: str) -> str:
    if not RELEASE_VERSION.fullmatch(version):
        raise Refusal(
            f"version {version!r} is not a PEP 440 version such as 1.2.0: "
            "copier update orders the tags by it"
        )
    return version


def file_at(repo: Path, commit: str, path: str) -> str | None:
    shown = git(repo, "show", f"{commit}:{path}")
    return shown.stdout if shown.returncode == 0 else None


def release_commit(repo: Path, version: str) -> str | None:
    """The first commit of HEAD's history that says version, or None."""
    changed = git(
        repo,
        "log",
        "--reverse",
        "--format=%H",
        "-G",
        version.replace(".", r"\."),
        "--",
        "copier.yml",
        "pyproject.toml",
        check=True,
    )
    for commit in changed.stdout.split():
        files = (file_at(repo, commit, "copier.yml"), file_at(repo, commit, "pyproject.toml"))
        if version_in(*files) == version:
            return commit
    return None


def changelog_section(changelog: str, version: str) -> str | None:
    """The section of changelog headed `## <version>` (a date may follow), up to the next."""
    heading = rf"^## {re.escape(version)}(?:[ \t][^\n]*)?$"
    found = re.search(rf"{heading}.*?(?=^## |\Z)", changelog, re.MULTILINE | re.DOTALL)
    return found.group(0).strip() if found else None


def is_tagged(repo: Path, version: str) -> bool:
    return git(repo, "rev-parse", "--quiet", "--verify", f"refs/tags/{version}").returncode == 0


def release(repo: Path, version: str | None = None) -> str:
    """Tag the release of version (the repository's, by default) unless it is tagged; say
    what was done."""
    version = checked(version) if version else version_of(repo)
    if is_tagged(repo, version):
        return f"{version} is tagged already: nothing to do"
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog_section(changelog, version)
    if section is None:
        raise Refusal(
            f"CHANGELOG.md has no section for {version}: a release names its section "
            f"`## {version} — <date>` (the `## Unreleased` one, renamed), in the commit that "
            "sets template_version"
        )
    commit = release_commit(repo, version)
    if commit is None:
        raise Refusal(f"no commit of HEAD's history says version {version}: commit it first")
    message = section.removeprefix("## ")  # its subject: the version and the date
    # Cleanup "whitespace" keeps the section's own `###` headings, which "strip" would drop.
    tag = ["tag", "--annotate", "--cleanup=whitespace", "--file=-", version, commit]
    git(repo, *tag, input=message, check=True)
    return f"Tagged {commit[:12]} as {version}"


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Tag the template's release, once.")
    parser.add_argument("--version", help="an earlier release to tag (default: copier.yml's)")
    parser.add_argument("repository", nargs="?", type=Path, default=Path(__file__).parents[1])
    options = parser.parse_args(arguments)
    try:
        print(release(options.repository.resolve(), options.version))
    except Refusal as refusal:
        print(f"release: {refusal}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
