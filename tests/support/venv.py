"""One virtualenv per set of rendered requirements, built once and reused across runs."""

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "copier-flask-production"


def pinned_lines(requirements: Path) -> set[str]:
    """The name==version lines of a requirements file and the files it includes with -r."""
    lines = set()
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            lines |= pinned_lines(requirements.parent / line[3:].strip())
        elif line:
            lines.add(line)
    return lines


def union_requirements(projects: list[Path], destination: Path) -> Path:
    """One requirements file with every pin of every project's requirements-dev.txt.
    Two projects that pin the same package differently are an error."""
    lines = set().union(*(pinned_lines(p / "requirements-dev.txt") for p in projects))
    versions: dict[str, set[str]] = {}
    for line in lines:
        name, _, version = line.partition("==")
        versions.setdefault(name.split("[")[0].lower(), set()).add(version)
    conflicts = {name: found for name, found in versions.items() if len(found) > 1}
    assert not conflicts, f"variants pin packages differently: {conflicts}"
    destination.write_text("\n".join(sorted(lines)) + "\n")
    return destination


def app_venv(requirements: Path) -> Path:
    """The virtualenv with everything requirements pins, built once per file content (its
    own and that of the files it includes with `-r`)."""
    contents = sys.version.encode() + requirements.read_bytes()
    for line in requirements.read_text().splitlines():
        if line.startswith("-r "):
            contents += (requirements.parent / line[3:].strip()).read_bytes()
    key = hashlib.sha256(contents).hexdigest()[:16]
    venv = CACHE / "venvs" / key
    done = venv / ".complete"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; the others wait, then reuse
        if not done.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
            subprocess.run([*pip, "--upgrade", "pip"], check=True)
            subprocess.run([*pip, "-r", str(requirements)], check=True)
            done.touch()
    return venv
