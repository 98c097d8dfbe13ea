"""One virtualenv per set of rendered requirements, built once and reused across runs."""

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "copier-flask-production"


def requirements_key(requirements_dev: Path) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for name in ("requirements.txt", "requirements-dev.txt"):
        digest.update((requirements_dev.parent / name).read_bytes())
    return digest.hexdigest()[:16]


def app_venv(requirements_dev: Path) -> Path:
    """The virtualenv for requirements_dev (and the requirements.txt beside it)."""
    venv = CACHE / "venvs" / requirements_key(requirements_dev)
    done = venv / ".complete"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; the others wait, then reuse
        if not done.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
            subprocess.run([*pip, "--upgrade", "pip"], check=True)
            subprocess.run(
                [*pip, "-r", "requirements-dev.txt"], cwd=requirements_dev.parent, check=True
            )
            done.touch()
    return venv
